package io.weir.tools.driver.cli;

import static io.weir.tools.cli.Terminal.escape;

import io.weir.tools.cli.JsonLines;
import io.weir.tools.config.ConfigException;
import io.weir.tools.config.GatewayConfig;
import io.weir.tools.driver.SigningKeys;
import io.weir.tools.driver.TrustedKeys;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code weir keys}: driver package signing keys (not the uplink's PKI: that is weir pki). */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description =
                "Driver package signing keys: make a key pair (SM2 with SM3, or Ed25519), trust a"
                        + " public key on a gateway (<data_dir>/trusted-keys/), list the trusted"
                        + " keys. The uplink's certificates are `weir pki`.",
        subcommands = {KeysCommand.New.class, KeysCommand.Trust.class, KeysCommand.ListKeys.class})
public final class KeysCommand implements Runnable {
    @Spec CommandSpec spec;

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The data folder: from a config or given. */
    static final class Folder {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                description = "The gateway's config (its data_dir).")
        Path config;

        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                description = "The gateway's data folder.")
        Path dataDir;

        Path resolve() throws java.io.IOException {
            if (dataDir != null) {
                return dataDir;
            }
            try {
                return GatewayConfig.load(io.weir.tools.admin.AdminTarget.configFile(config))
                        .gateway()
                        .dataDir();
            } catch (ConfigException e) {
                throw new java.io.IOException(e.getMessage(), e);
            }
        }
    }

    @Command(
            name = "new",
            mixinStandardHelpOptions = true,
            description =
                    "Make a signing key pair: DIR/NAME.key (private, mode 0600, never leaves the"
                            + " vendor) and DIR/NAME.pub (give it to gateways: weir keys trust).",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:made",
                "1:a file exists already or cannot be written",
                "2:wrong usage"
            })
    static final class New implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(
                paramLabel = "NAME",
                description = "The key's name: 1-64 letters, digits, '.', '_' or '-'.")
        String name;

        @Option(
                names = "--dir",
                paramLabel = "DIR",
                defaultValue = ".",
                description = "Where to write (default: here).")
        Path dir;

        @Option(
                names = "--algorithm",
                paramLabel = "ALG",
                defaultValue = "sm2",
                description = "sm2 (SM2 with SM3, default) or ed25519.")
        String algorithm;

        @Option(names = "--json", description = "One JSON object.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "key name "
                                + escape(name)
                                + " must be 1-64 letters, digits, '.', '_' or '-'");
            }
            SigningKeys.Algorithm alg = SigningKeys.Algorithm.parse(algorithm);
            KeyPair pair = SigningKeys.generate(alg);
            Path pub = SigningKeys.write(pair, dir, name);
            String id = SigningKeys.keyId(pair.getPublic());
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("algorithm", alg.written());
                m.put("key_id", id);
                m.put("private_key", dir.resolve(name + ".key").toString());
                m.put("public_key", pub.toString());
                new JsonLines(out).write(m);
            } else {
                out.printf(
                        "%s key %s: private %s (0600, keep it secret), public %s (trust it on a gateway with `weir keys trust %s`)%n",
                        alg.written(), id, dir.resolve(name + ".key"), pub, pub);
            }
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "trust",
            mixinStandardHelpOptions = true,
            description =
                    "Trust a public key for driver packages on a gateway: copied to <data_dir>/trusted-keys/NAME.pub.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:trusted",
                "1:not a key, or another key has that name",
                "2:wrong usage"
            })
    static final class Trust implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(
                paramLabel = "PUBFILE",
                description = "The public key (NAME.pub from weir keys new).")
        Path file;

        @Option(names = "--name", paramLabel = "NAME", description = "Default: the file's name.")
        String name;

        @ArgGroup(exclusive = false)
        Folder folder = new Folder();

        @Option(names = "--json", description = "One JSON object.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            String n = name != null ? name : DriverCommand.baseName(file);
            if (!NAME.matcher(n).matches()) {
                throw new IllegalArgumentException(
                        "key name " + escape(n) + " must be 1-64 letters, digits, '.', '_' or '-'");
            }
            TrustedKeys keys = new TrustedKeys(folder.resolve());
            TrustedKeys.Trusted t = keys.add(file, n);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                new JsonLines(out)
                        .write(
                                Map.of(
                                        "name",
                                        t.name(),
                                        "key_id",
                                        t.id(),
                                        "file",
                                        t.file().toString()));
            } else {
                out.printf("trusted %s (key %s) in %s%n", t.name(), t.id(), keys.dir());
            }
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the keys a gateway trusts for driver packages.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:listed", "1:the config is unusable", "2:wrong usage"})
    static final class ListKeys implements Callable<Integer> {
        @Spec CommandSpec spec;

        @ArgGroup(exclusive = false)
        Folder folder = new Folder();

        @Option(names = "--json", description = "One JSON object per key.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            TrustedKeys keys = new TrustedKeys(folder.resolve());
            PrintWriter out = spec.commandLine().getOut();
            var all = keys.all();
            for (TrustedKeys.Trusted t : all.values()) {
                if (json) {
                    new JsonLines(out)
                            .write(
                                    Map.of(
                                            "name",
                                            t.name(),
                                            "key_id",
                                            t.id(),
                                            "algorithm",
                                            SigningKeys.Algorithm.of(t.key()).written(),
                                            "file",
                                            t.file().toString()));
                } else {
                    out.printf(
                            "%-24s %s %s%n",
                            escape(t.name()), t.id(), SigningKeys.Algorithm.of(t.key()).written());
                }
            }
            if (all.isEmpty() && !json) {
                out.println(
                        "no trusted keys in "
                                + keys.dir()
                                + " (every package is refused unless the gateway runs with --allow-unsigned-drivers)");
            }
            out.flush();
            return 0;
        }
    }
}
