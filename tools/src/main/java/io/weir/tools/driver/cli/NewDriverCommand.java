package io.weir.tools.driver.cli;

import static io.weir.tools.cli.Terminal.escape;

import io.weir.host.lifecycle.PackageRefused;
import io.weir.tools.cli.JsonLines;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weir driver new}: a driver project that builds offline and passes its own vectors. */
@Command(
        name = "new",
        mixinStandardHelpOptions = true,
        description = {
            "Create a driver project in DIR (default ./NAME) from Weir's template for the language:"
                    + " a line-protocol driver (one query line per point, one answer line with a"
                    + " number) with its vectors, weir-package.json, build.sh [OUT_DIR] (writes"
                    + " OUT_DIR/NAME.wasm, default build/) and test.sh. It builds offline against the"
                    + " SDK of the Weir checkout (--weir-root) and passes its vectors as created:",
            "  cd NAME && ./test.sh && weir driver test . && weir driver pack ."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:created",
            "1:refused: DIR is not empty, NAME is not a driver name, or no Weir checkout was found",
            DriverCommand.USAGE
        })
final class NewDriverCommand extends DriverCommand.Base {
    @Parameters(
            index = "0",
            paramLabel = "NAME",
            description = "The driver's name: [a-z][a-z0-9-]{0,31}.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR", description = "Default: ./NAME.")
    Path dir;

    @Option(
            names = "--lang",
            required = true,
            paramLabel = "LANG",
            description = "rust or assemblyscript.")
    String lang;

    @Option(
            names = "--vendor",
            paramLabel = "TEXT",
            defaultValue = "unnamed vendor",
            description = "weir-package.json's vendor (default: ${DEFAULT-VALUE}).")
    String vendor;

    @Option(
            names = "--weir-root",
            paramLabel = "DIR",
            description =
                    "The Weir checkout whose sdk-rust/ or sdk-assemblyscript/ the project uses."
                            + " Default: the checkout this weir runs from, else $WEIR_ROOT.")
    Path weirRoot;

    @Override
    int execute() throws Exception {
        if (!DriverTemplate.NAME.matcher(name).matches()) {
            throw new PackageRefused(
                    "driver name \""
                            + name
                            + "\" must match [a-z][a-z0-9-]{0,31} (ABI §3.4, and a letter first"
                            + " so that it also names the Rust crate and the driver's type)");
        }
        if (!DriverTemplate.LANGS.contains(lang)) {
            throw new PackageRefused(
                    "--lang " + lang + ": one of " + String.join(", ", DriverTemplate.LANGS));
        }
        Path root = weirRoot != null ? weirRoot : findWeirRoot();
        String sdk = lang.equals("rust") ? "sdk-rust" : "sdk-assemblyscript";
        Path sdkDir = root.resolve(sdk);
        if (!Files.isDirectory(sdkDir)) {
            throw new PackageRefused(
                    root + ": no " + sdk + "/ folder (give --weir-root, a Weir source checkout)");
        }
        Path target = (dir != null ? dir : Path.of(name)).toAbsolutePath().normalize();
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new PackageRefused(target + ": exists and is not a folder");
            }
            try (Stream<Path> s = Files.list(target)) {
                if (s.findAny().isPresent()) {
                    throw new PackageRefused(
                            target + ": not empty (the project goes into a new or empty folder)");
                }
            }
        }
        DriverTemplate template = DriverTemplate.load(lang);
        List<Path> files =
                template.write(target, DriverTemplate.values(name, vendor, root.toAbsolutePath()));
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("lang", lang);
            m.put("dir", target.toString());
            m.put("sdk", sdkDir.toAbsolutePath().toString());
            m.put("files", files.stream().map(p -> target.relativize(p).toString()).toList());
            new JsonLines(out()).write(m);
        } else {
            out().println(
                            "created "
                                    + escape(target.toString())
                                    + " ("
                                    + lang
                                    + ", "
                                    + files.size()
                                    + " files, SDK "
                                    + escape(sdkDir.toAbsolutePath().toString())
                                    + ")");
            out().println("next:");
            out().println("  cd " + escape(target.toString()));
            out().println(
                            "  ./test.sh                  # builds build/"
                                    + name
                                    + ".wasm, runs vectors/");
            out().println("  weir driver test .         # the same vectors in the Weir host");
            out().println("  weir driver pack .         # " + name + "-0.1.0.wdrv");
            out().println("  weir keys new VENDOR        # VENDOR.key and VENDOR.pub, once");
            out().println("  weir driver sign " + name + "-0.1.0.wdrv --key VENDOR.key");
        }
        return 0;
    }

    /**
     * The checkout this CLI runs from: the jar sits in {@code ROOT/tools/target/}, the classes in
     * {@code ROOT/tools/target/classes/}; then {@code $WEIR_ROOT}.
     */
    static Path findWeirRoot() throws PackageRefused {
        try {
            Path p =
                    Path.of(
                            NewDriverCommand.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI());
            for (Path d = p; d != null; d = d.getParent()) {
                if (isWeirRoot(d)) {
                    return d;
                }
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall through to $WEIR_ROOT
        }
        String env = System.getenv("WEIR_ROOT");
        if (env != null && isWeirRoot(Path.of(env))) {
            return Path.of(env);
        }
        throw new PackageRefused(
                "no Weir checkout found (this weir does not run from one, and $WEIR_ROOT is not"
                        + " one): give --weir-root DIR, the folder holding sdk-rust/ and"
                        + " sdk-assemblyscript/");
    }

    private static boolean isWeirRoot(Path d) {
        return Files.isRegularFile(d.resolve("sdk-rust/toolchain.sh"))
                && Files.isRegularFile(d.resolve("sdk-assemblyscript/bin/weir-asc.js"));
    }
}
