package io.weir.tools.driver.cli;

import static io.weir.tools.cli.Terminal.escape;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRefused;
import io.weir.host.driver.DriverTrapped;
import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.KeySpec;
import io.weir.host.lifecycle.PackageCheck;
import io.weir.host.lifecycle.PackageManifest;
import io.weir.host.lifecycle.PackageRefused;
import io.weir.host.lifecycle.PackageWriter;
import io.weir.host.lifecycle.VectorReport;
import io.weir.host.lifecycle.VectorSuite;
import io.weir.tools.cli.JsonLines;
import io.weir.tools.driver.DriverLifecycle;
import io.weir.tools.driver.DriverViews;
import io.weir.tools.driver.PackageSignature;
import io.weir.tools.driver.SigningKeys;
import io.weir.tools.driver.TrustedKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code weir driver}: make, check, install and switch driver packages. */
@Command(
        name = "driver",
        mixinStandardHelpOptions = true,
        description = {
            "Driver packages (.wdrv: driver.wasm, its vectors, weir-package.json with the config"
                    + " keys, a detached signature): start a driver project (new), make them (pack, sign), check them (inspect,"
                    + " keys, test) and manage a gateway's drivers (install, list, activate, rollback,"
                    + " remove, audit, clear-quarantine).",
            "The management commands go through the admin API of the gateway that --config names"
                    + " (default $WEIR_CONFIG, then /etc/weir/weir.toml): its devices switch"
                    + " versions at their next cycle boundary. With no gateway running they change"
                    + " the registry in its data folder (or --data-dir), for the next `weir run`."
        },
        subcommands = {
            NewDriverCommand.class,
            DriverCommand.Pack.class,
            DriverCommand.Sign.class,
            DriverCommand.Inspect.class,
            DriverKeysCommand.class,
            DriverCommand.Test.class,
            DriverCommand.Install.class,
            DriverCommand.ListDrivers.class,
            DriverCommand.Activate.class,
            DriverCommand.Rollback.class,
            DriverCommand.Remove.class,
            DriverCommand.Audit.class,
            DriverCommand.ClearQuarantine.class,
        })
public final class DriverCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final String OK = "0:done";
    static final String REFUSED =
            "1:refused: the reason is printed (bad package, signature, failing vectors, version not"
                    + " installed …); nothing was changed";
    static final String USAGE = "2:wrong usage";
    static final String UNREACHABLE =
            "3:no gateway answers and its data folder cannot be used (or the config is unusable)";

    /** Where a management command acts. */
    static final class TargetOptions {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                description =
                        "The gateway's config: its admin API if it runs, else its data_dir."
                                + " Default $WEIR_CONFIG, then /etc/weir/weir.toml.")
        Path config;

        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                description =
                        "Work on this data folder directly (no gateway may be running on it).")
        Path dataDir;

        DriverTarget open() throws IOException {
            return DriverTarget.of(config, dataDir);
        }
    }

    /** The shared run of a command: refusals and unreachable targets become exit codes. */
    abstract static class Base implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--json", description = "One JSON object per line instead of text.")
        boolean json;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        abstract int execute() throws Exception;

        @Override
        public Integer call() throws Exception {
            try {
                return execute();
            } catch (PackageRefused e) {
                fail(e.getMessage());
                return 1;
            } catch (DriverTarget.Unreachable e) {
                fail(e.getMessage());
                return 3;
            } finally {
                out().flush();
                err().flush();
            }
        }

        void fail(String message) {
            if (json) {
                new JsonLines(out()).write(Map.of("error", message));
            }
            err().println("weir driver " + spec.name() + ": " + escape(message));
        }

        void json(Object o) {
            new JsonLines(out()).write(JsonLines.mapper().convertValue(o, Map.class));
        }
    }

    // ---- making and checking packages --------------------------------------------------------

    /**
     * The module of a driver folder: {@code --wasm}, else {@code DIR/driver.wasm} (an unpacked
     * package), else {@code DIR/build/NAME.wasm}, what a project's {@code build.sh} writes (NAME
     * from its weir-package.json). Nothing is built here: the project's build.sh does that, with
     * its own toolchain; a module older than a source file under {@code src/} or {@code assembly/}
     * gets a warning, since the vectors would then test yesterday's driver.
     */
    static Path projectModule(Path dir, Path wasm, PrintWriter err)
            throws IOException, PackageRefused {
        if (wasm != null) {
            if (!Files.isRegularFile(wasm)) {
                throw new PackageRefused(wasm + ": no such module");
            }
            return wasm;
        }
        Path plain = dir.resolve(DriverPackage.MODULE);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path m = dir.resolve(DriverPackage.MANIFEST);
        String built = "build/NAME.wasm";
        if (Files.isRegularFile(m)) {
            String name = PackageManifest.parse(m.toString(), Files.readAllBytes(m)).name();
            built = "build/" + name + ".wasm";
            Path b = dir.resolve(built);
            if (Files.isRegularFile(b)) {
                warnIfStale(dir, b, err);
                return b;
            }
        }
        throw new PackageRefused(
                dir
                        + ": no module ("
                        + DriverPackage.MODULE
                        + " or "
                        + built
                        + "): build it first (./build.sh in a project from `weir driver new`), or"
                        + " give --wasm FILE");
    }

    private static void warnIfStale(Path dir, Path module, PrintWriter err) throws IOException {
        var builtAt = Files.getLastModifiedTime(module);
        for (String src : List.of("src", "assembly")) {
            Path d = dir.resolve(src);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(d)) {
                var newer =
                        files.filter(Files::isRegularFile)
                                .filter(
                                        f -> {
                                            try {
                                                return Files.getLastModifiedTime(f)
                                                                .compareTo(builtAt)
                                                        > 0;
                                            } catch (IOException e) {
                                                return false;
                                            }
                                        })
                                .findFirst();
                if (newer.isPresent()) {
                    err.println(
                            "weir driver: warning: "
                                    + escape(module.toString())
                                    + " is older than "
                                    + escape(newer.get().toString())
                                    + ": run ./build.sh to test the driver as it is now");
                    return;
                }
            }
        }
    }

    @Command(
            name = "pack",
            mixinStandardHelpOptions = true,
            description =
                    "Pack a driver folder (weir-package.json, driver.wasm or build/NAME.wasm or --wasm,"
                            + " vectors/*.json)"
                            + " into NAME-VERSION.wdrv, checked as an install would check it (the"
                            + " module must describe itself with the manifest's name and version).",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:packed", REFUSED, USAGE})
    static final class Pack extends Base {
        @Parameters(paramLabel = "DIR", description = "The driver folder.")
        Path dir;

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE",
                description = "Default: NAME-VERSION.wdrv here.")
        Path output;

        @Option(
                names = "--wasm",
                paramLabel = "FILE",
                description =
                        "The module, if not DIR/driver.wasm or DIR/build/NAME.wasm (what a"
                                + " project's build.sh writes).")
        Path wasm;

        @Override
        int execute() throws Exception {
            Path out = output;
            if (out == null) {
                Path m = dir.resolve(DriverPackage.MANIFEST);
                if (!Files.isRegularFile(m)) {
                    throw new PackageRefused(
                            dir
                                    + ": no "
                                    + DriverPackage.MANIFEST
                                    + " (the package manifest) in the folder");
                }
                out =
                        Path.of(
                                PackageWriter.fileName(
                                        PackageManifest.parse(
                                                m.toString(), Files.readAllBytes(m))));
            }
            Path module = projectModule(dir, wasm, err());
            DriverPackage pkg =
                    PackageWriter.pack(
                            dir, module, out, b -> DriverModule.load(DriverPackage.MODULE, b));
            if (json) {
                json(
                        Map.of(
                                "file",
                                out.toString(),
                                "name",
                                pkg.manifest().name(),
                                "version",
                                pkg.manifest().version(),
                                "sha256",
                                pkg.sha256(),
                                "bytes",
                                pkg.size()));
            } else {
                out().printf(
                                "packed %s into %s (%d bytes, %d vector files, unsigned; sign it with `weir"
                                        + " driver sign %s --key KEY`)%n",
                                pkg.manifest().label(), out, pkg.size(), pkg.vectors().size(), out);
            }
            return 0;
        }
    }

    @Command(
            name = "sign",
            mixinStandardHelpOptions = true,
            description =
                    "Sign a package with a key made by `weir keys new` (SM2 with SM3, or Ed25519);"
                            + " the signature covers every entry. Replaces an earlier signature.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:signed", REFUSED, USAGE})
    static final class Sign extends Base {
        @Parameters(paramLabel = "FILE", description = "The package (.wdrv).")
        Path file;

        @Option(
                names = "--key",
                required = true,
                paramLabel = "KEY",
                description = "The private key file (NAME.key).")
        Path key;

        @Option(
                names = "--signer",
                paramLabel = "NAME",
                description = "Who signs; default: the key file's name.")
        String signer;

        @Option(
                names = {"-o", "--output"},
                paramLabel = "OUT",
                description = "Write here instead of replacing FILE.")
        Path output;

        @Override
        int execute() throws Exception {
            DriverPackage pkg = DriverPackage.read(file);
            PrivateKey priv = SigningKeys.readPrivate(key);
            Path pubFile = sibling(key, ".pub");
            PublicKey pub;
            if (Files.isRegularFile(pubFile)) {
                pub = SigningKeys.readPublic(pubFile);
            } else {
                throw new PackageRefused(
                        key
                                + ": its public key "
                                + pubFile
                                + " is missing (weir keys new writes both)");
            }
            String who = signer != null ? signer : baseName(key);
            PackageSignature sig = PackageSignature.sign(pkg, priv, pub, who);
            if (!SigningKeys.verify(pub, pkg.signedContent(), sig.signature())) {
                throw new PackageRefused(key + " and " + pubFile + " are not one key pair");
            }
            Path out = output != null ? output : file;
            PackageWriter.withSignature(pkg, sig.toJson(), out);
            if (json) {
                json(
                        Map.of(
                                "file",
                                out.toString(),
                                "signer",
                                who,
                                "key_id",
                                sig.keyId(),
                                "algorithm",
                                sig.algorithm().written()));
            } else {
                out().printf(
                                "signed %s (%s) as %s with %s key %s%n",
                                out,
                                pkg.manifest().label(),
                                who,
                                sig.algorithm().written(),
                                sig.keyId());
            }
            return 0;
        }
    }

    static Path sibling(Path key, String ext) {
        return key.resolveSibling(baseName(key) + ext);
    }

    static String baseName(Path key) {
        String n = key.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    @Command(
            name = "inspect",
            mixinStandardHelpOptions = true,
            description =
                    "Show what a package holds: the manifest and key table, what the module says"
                            + " about itself (ABI version, protocol, transport), every entry's"
                            + " SHA-256, and its signature (trusted or not, with --config or"
                            + " --data-dir).",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:shown", REFUSED, USAGE})
    static final class Inspect extends Base {
        @Parameters(paramLabel = "FILE", description = "The package (.wdrv).")
        Path file;

        @Option(
                names = "--config",
                paramLabel = "FILE",
                description = "Check the signature against this gateway's trusted keys.")
        Path config;

        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                description = "Check the signature against DIR/trusted-keys.")
        Path dataDir;

        @Override
        int execute() throws Exception {
            DriverPackage pkg = DriverPackage.read(file);
            DriverModule module = PackageCheck.module(pkg, b -> DriverModule.load(pkg.where(), b));
            Map<String, Object> m = new LinkedHashMap<>();
            PackageManifest pm = pkg.manifest();
            m.put("file", file.toString());
            m.put("sha256", pkg.sha256());
            m.put("name", pm.name());
            m.put("version", pm.version());
            m.put("vendor", pm.vendor());
            m.put("description", pm.description());
            m.put("activate", pm.activate());
            m.put("abi_version", DriverViews.abiText(module.abiVersion()));
            m.put("protocol", module.manifest().protocol());
            m.put("transport", module.manifest().transport());
            m.put("state_schema", module.manifest().stateSchema());
            m.put("module_bytes", pkg.moduleSize());
            m.put("entries", pkg.digests());
            Map<String, Object> sig = new LinkedHashMap<>();
            if (pkg.signed()) {
                PackageSignature s = PackageSignature.parse(pkg.where(), pkg.signature());
                sig.put("algorithm", s.algorithm().written());
                sig.put("key_id", s.keyId());
                sig.put("signer", s.signer());
                Path data = trustFolder();
                if (data != null) {
                    PackageSignature.Verdict v = PackageSignature.check(pkg, new TrustedKeys(data));
                    sig.put("trust", v.trust().name().toLowerCase(java.util.Locale.ROOT));
                }
            }
            m.put("signature", pkg.signed() ? sig : null);
            m.put("device_keys", pm.keys().device().map(PackageManifest::keysJson).orElse(null));
            m.put("point_keys", pm.keys().point().map(PackageManifest::keysJson).orElse(null));
            if (json) {
                json(m);
                return 0;
            }
            PrintWriter o = out();
            o.printf(
                    "%s %s — %s%n",
                    escape(pm.name()), escape(pm.version()), escape(pm.description()));
            o.printf("vendor        %s%n", escape(pm.vendor()));
            o.printf(
                    "module        %d bytes, ABI %s, protocol %s, transport %s, state schema %s%n",
                    pkg.moduleSize(),
                    m.get("abi_version"),
                    escape(module.manifest().protocol()),
                    module.manifest().transport(),
                    module.manifest().stateSchema() == null
                            ? "none"
                            : module.manifest().stateSchema());
            o.printf("package       %s, sha256 %s%n", file, pkg.sha256());
            if (!pkg.signed()) {
                o.println(
                        "signature     none (unsigned: a gateway refuses it unless run with --allow-unsigned-drivers)");
            } else {
                o.printf(
                        "signature     %s, key %s, signer %s%s%n",
                        sig.get("algorithm"),
                        sig.get("key_id"),
                        escape(String.valueOf(sig.get("signer"))),
                        sig.containsKey("trust")
                                ? ", " + sig.get("trust")
                                : " (give --config or --data-dir to check trust)");
            }
            o.println("entries:");
            pkg.digests().forEach((k, v) -> o.printf("  %s  %s%n", v, escape(k)));
            keys(o, "device keys", pm.keys().device());
            keys(o, "point keys", pm.keys().point());
            return 0;
        }

        private Path trustFolder() throws IOException {
            if (dataDir != null) {
                return dataDir;
            }
            if (config != null) {
                try {
                    return io.weir.tools.config.GatewayConfig.load(config).gateway().dataDir();
                } catch (io.weir.tools.config.ConfigException e) {
                    throw new DriverTarget.Unreachable(e.getMessage(), e);
                }
            }
            return null;
        }

        private static void keys(
                PrintWriter o, String title, java.util.Optional<List<KeySpec>> keys) {
            if (keys.isEmpty()) {
                o.println(title + ": not declared (the driver alone checks them)");
                return;
            }
            o.println(title + ":");
            for (KeySpec k : keys.get()) {
                String what =
                        switch (k.type()) {
                            case INT, NUMBER ->
                                    k.type().written()
                                            + (k.min() != null || k.max() != null
                                                    ? " " + k.range()
                                                    : "");
                            case ENUM -> String.join("|", k.values());
                            default -> k.type().written();
                        };
                o.printf(
                        "  %-14s %-30s %s%s%s%n",
                        escape(k.key()),
                        escape(what),
                        k.required() ? "required" : "",
                        k.defaultValue() != null ? "default " + escape(k.defaultValue()) : "",
                        k.doc().isEmpty() ? "" : "  " + escape(k.doc()));
            }
        }
    }

    @Command(
            name = "test",
            mixinStandardHelpOptions = true,
            description =
                    "Run a package's vectors (or a driver folder's: its module and vectors/*.json)"
                            + " through the host runtime, every vector on a fresh instance, and show a"
                            + " diff of each failure.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:every vector passed",
                "1:a vector failed, or the package or module is refused",
                USAGE
            })
    static final class Test extends Base {
        @Parameters(paramLabel = "FILE|DIR", description = "A .wdrv package or a driver folder.")
        Path target;

        @Option(
                names = "--wasm",
                paramLabel = "FILE",
                description =
                        "With a folder: the module, if not DIR/driver.wasm or DIR/build/NAME.wasm"
                                + " (what a project's build.sh writes; test does not build).")
        Path wasm;

        @Override
        int execute() throws Exception {
            DriverModule module;
            byte[] bytes;
            SortedMap<String, byte[]> vectors;
            if (Files.isDirectory(target)) {
                Path m = projectModule(target, wasm, err());
                bytes = Files.readAllBytes(m);
                try {
                    module = DriverModule.load(m.getFileName().toString(), bytes);
                } catch (DriverRefused | DriverTrapped e) {
                    throw new PackageRefused(m + ": refused: " + e.getMessage());
                }
                vectors = new TreeMap<>();
                Path dir = target.resolve("vectors");
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> files = Files.list(dir)) {
                        for (Path f :
                                files.filter(p -> p.toString().endsWith(".json"))
                                        .sorted()
                                        .toList()) {
                            vectors.put("vectors/" + f.getFileName(), Files.readAllBytes(f));
                        }
                    }
                }
                if (vectors.isEmpty()) {
                    throw new PackageRefused(target + ": no vectors/*.json to run");
                }
            } else {
                DriverPackage pkg = DriverPackage.read(target);
                module = PackageCheck.module(pkg, b -> DriverModule.load(pkg.where(), b));
                bytes = pkg.module();
                vectors = pkg.vectors();
            }
            VectorReport report = VectorSuite.run(module, bytes, vectors);
            JsonLines lines = json ? new JsonLines(out()) : null;
            for (VectorReport.Result r : report.results()) {
                if (lines != null) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("file", r.file());
                    m.put("vector", r.vector());
                    m.put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
                    m.put("message", r.message());
                    lines.write(m);
                } else if (r.outcome() != VectorReport.Outcome.PASSED) {
                    out().printf(
                                    "%s %s%n",
                                    r.outcome() == VectorReport.Outcome.FAILED ? "FAIL" : "SKIP",
                                    escape(r.label()));
                    // Line by line: escape() would turn the line breaks of the diff into escapes.
                    for (String line : r.message().split("\n", -1)) {
                        out().println("  " + escape(line));
                    }
                }
            }
            if (lines != null) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("kind", "summary");
                s.put("driver", report.driver());
                s.putAll(DriverViews.vectors(report));
                s.put("ok", report.ok());
                lines.write(s);
            } else {
                out().println(report.summary());
            }
            return report.ok() ? 0 : 1;
        }
    }

    // ---- managing a gateway's drivers --------------------------------------------------------

    @Command(
            name = "install",
            mixinStandardHelpOptions = true,
            description =
                    "Install a package: signature (trusted key, or the gateway's"
                            + " --allow-unsigned-drivers), version not installed yet, the module"
                            + " agrees with its manifest and passes every vector; then it is kept in"
                            + " the data folder and recorded. --activate switches the devices to it.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:installed", REFUSED, USAGE, UNREACHABLE})
    static final class Install extends Base {
        @Parameters(paramLabel = "FILE", description = "The package (.wdrv).")
        Path file;

        @Option(names = "--activate", description = "Make it the active version at once.")
        boolean activate;

        @Option(
                names = "--allow-unsigned",
                description =
                        "Without a running gateway: accept an unsigned or untrusted package"
                                + " (development only; a running gateway decides by its own"
                                + " --allow-unsigned-drivers).")
        boolean allowUnsigned;

        @Mixin TargetOptions target = new TargetOptions();

        @Override
        int execute() throws Exception {
            if (!Files.isRegularFile(file)) {
                throw new PackageRefused(file + ": no such file");
            }
            try (DriverTarget t = target.open()) {
                JsonNode r = t.install(file, activate, allowUnsigned);
                if (json) {
                    json(r);
                    return 0;
                }
                JsonNode i = r.path("installed");
                out().printf(
                                "installed %s %s on %s: signature %s, vectors %d passed (%d skipped), sha256 %s%n",
                                escape(i.path("name").asText()),
                                escape(i.path("version").asText()),
                                t.describe(),
                                escape(r.path("signature").asText()),
                                r.path("vectors").path("passed").asLong(),
                                r.path("vectors").path("skipped").asLong(),
                                i.path("sha256").asText());
                if (r.path("activated").asBoolean()) {
                    out().printf("active now; devices switched: %s%n", devices(r.path("switched")));
                }
            }
            return 0;
        }
    }

    static String devices(JsonNode list) {
        List<String> d = new ArrayList<>();
        list.forEach(n -> d.add(escape(n.asText())));
        return d.isEmpty() ? "none (no running device follows this driver)" : String.join(", ", d);
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description =
                    "List the installed drivers: every version, which is active, previous, running, pinned.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {OK, REFUSED, USAGE, UNREACHABLE})
    static final class ListDrivers extends Base {
        @Mixin TargetOptions target = new TargetOptions();

        @Override
        int execute() throws Exception {
            try (DriverTarget t = target.open()) {
                JsonNode r = t.list();
                if (json) {
                    json(r);
                    return 0;
                }
                PrintWriter o = out();
                o.println("drivers of " + t.describe() + ":");
                if (r.path("drivers").isEmpty()) {
                    o.println("  none installed (devices use the bundled drivers)");
                    return 0;
                }
                String fmt = "%-12s %-12s %-10s %-34s %-6s %-20s %s%n";
                o.printf(fmt, "DRIVER", "VERSION", "STATE", "SIGNER", "VIA", "INSTALLED", "SHA256");
                for (JsonNode d : r.path("drivers")) {
                    String active = d.path("active").asText();
                    String prev = d.path("previous").isNull() ? null : d.path("previous").asText();
                    String running = d.path("running").isNull() ? null : d.path("running").asText();
                    boolean bundledListed = false;
                    List<JsonNode> rows = new ArrayList<>();
                    d.path("versions").forEach(rows::add);
                    for (JsonNode v : rows) {
                        String ver = v.path("version").asText();
                        o.printf(
                                fmt,
                                escape(d.path("name").asText()),
                                escape(ver),
                                state(ver, active, prev, d.path("on_probation")),
                                escape(v.path("signer").asText()),
                                v.path("installed_via").asText(),
                                v.path("installed_at").asText().replaceFirst("\\.\\d+Z$", "Z"),
                                v.path("sha256").asText().substring(0, 12));
                    }
                    if (active.equals(DriverLifecycle.BUNDLED)
                            || DriverLifecycle.BUNDLED.equals(prev)) {
                        o.printf(
                                fmt,
                                escape(d.path("name").asText()),
                                "bundled",
                                state("bundled", active, prev, d.path("on_probation")),
                                "(in weir)",
                                "",
                                "",
                                "");
                    }
                    for (JsonNode p : d.path("pinned")) {
                        o.printf(
                                "  device %s pins %s%n",
                                escape(p.path("device").asText()),
                                escape(p.path("version").asText()));
                    }
                    if (running != null) {
                        o.printf("  running: %s%n", escape(running));
                    }
                }
            }
            return 0;
        }

        private static String state(String ver, String active, String prev, JsonNode probation) {
            if (ver.equals(active)) {
                return probation.isTextual() ? "probation" : "active";
            }
            if (ver.equals(prev)) {
                return "previous";
            }
            return "";
        }
    }

    @Command(
            name = "activate",
            mixinStandardHelpOptions = true,
            description =
                    "Make an installed version the active one (`bundled`: the driver built into"
                            + " weir). On a running gateway its devices switch at their next cycle"
                            + " boundary, and the version is on probation: rolled back by itself if"
                            + " it is quarantined or traps or fails too often.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {OK, REFUSED, USAGE, UNREACHABLE})
    static final class Activate extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION")
        String version;

        @Mixin TargetOptions target = new TargetOptions();

        @Override
        int execute() throws Exception {
            try (DriverTarget t = target.open()) {
                JsonNode r = t.activate(name, version);
                if (json) {
                    json(r);
                } else {
                    out().printf(
                                    "%s %s active on %s; devices switched: %s%n",
                                    escape(name),
                                    escape(version),
                                    t.describe(),
                                    devices(r.path("switched")));
                }
            }
            return 0;
        }
    }

    @Command(
            name = "rollback",
            mixinStandardHelpOptions = true,
            description = "Go back to the version that was active before the last activation.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {OK, REFUSED, USAGE, UNREACHABLE})
    static final class Rollback extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin TargetOptions target = new TargetOptions();

        @Override
        int execute() throws Exception {
            try (DriverTarget t = target.open()) {
                JsonNode r = t.rollback(name);
                if (json) {
                    json(r);
                } else {
                    out().printf(
                                    "%s rolled back to %s on %s; devices switched: %s%n",
                                    escape(name),
                                    escape(r.path("active").asText()),
                                    t.describe(),
                                    devices(r.path("switched")));
                }
            }
            return 0;
        }
    }

    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description =
                    "Remove an installed version (not the active one, nor one a device pins).",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {OK, REFUSED, USAGE, UNREACHABLE})
    static final class Remove extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION")
        String version;

        @Mixin TargetOptions target = new TargetOptions();

        @Override
        int execute() throws Exception {
            try (DriverTarget t = target.open()) {
                JsonNode r = t.remove(name, version);
                if (json) {
                    json(r);
                } else {
                    out().printf(
                                    "removed %s %s from %s%n",
                                    escape(name), escape(version), t.describe());
                }
            }
            return 0;
        }
    }

    @Command(
            name = "audit",
            mixinStandardHelpOptions = true,
            description =
                    "Show the registry's audit log: every install, activation, rollback, removal and refusal, with where it came from.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {OK, REFUSED, USAGE, UNREACHABLE})
    static final class Audit extends Base {
        @Option(
                names = "--limit",
                paramLabel = "N",
                defaultValue = "50",
                description = "The last N entries (default ${DEFAULT-VALUE}).")
        int limit;

        @Mixin TargetOptions target = new TargetOptions();

        @Override
        int execute() throws Exception {
            try (DriverTarget t = target.open()) {
                JsonNode r = t.audit(limit);
                if (json) {
                    for (JsonNode e : r.path("audit")) {
                        json(e);
                    }
                    return 0;
                }
                for (JsonNode e : r.path("audit")) {
                    out().printf(
                                    "%s %-7s %-18s %-8s %-10s %s%n",
                                    e.path("at").asText().replaceFirst("\\.\\d+Z$", "Z"),
                                    e.path("origin").asText(),
                                    escape(e.path("action").asText()),
                                    escape(e.path("name").asText("")),
                                    escape(e.path("version").asText("")),
                                    escape(e.path("detail").asText()));
                }
            }
            return 0;
        }
    }

    @Command(
            name = "clear-quarantine",
            mixinStandardHelpOptions = true,
            description =
                    "Lift the quarantine of a driver in a running gateway (its versions that"
                            + " trapped 5 times within 10 minutes): its devices start afresh at"
                            + " their next cycle. Audited. Activating another version ends a"
                            + " quarantine too.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                OK,
                "1:refused: no driver of that name is loaded or quarantined, or no gateway runs",
                USAGE,
                UNREACHABLE
            })
    static final class ClearQuarantine extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin TargetOptions target = new TargetOptions();

        @Override
        int execute() throws Exception {
            try (DriverTarget t = target.open()) {
                JsonNode r = t.clearQuarantine(name);
                if (json) {
                    json(r);
                    return 0;
                }
                for (JsonNode c : r.path("cleared")) {
                    out().printf(
                                    "cleared the quarantine of %s %s on %s%s%n",
                                    escape(c.path("name").asText()),
                                    escape(c.path("version").asText()),
                                    t.describe(),
                                    c.path("reason").isTextual()
                                            ? " (since "
                                                    + c.path("since").asText()
                                                    + ", "
                                                    + c.path("traps").asText()
                                                    + " traps: "
                                                    + escape(c.path("reason").asText())
                                                    + ")"
                                            : "");
                }
            }
            return 0;
        }
    }
}
