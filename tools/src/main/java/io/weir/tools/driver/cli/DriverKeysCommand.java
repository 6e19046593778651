package io.weir.tools.driver.cli;

import static io.weir.tools.cli.Terminal.escape;

import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.KeySpec;
import io.weir.host.lifecycle.PackageManifest;
import io.weir.host.lifecycle.PackageRefused;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weir driver keys}: the config keys a driver package accepts, as text or Markdown. */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description = {
            "Show the device and point keys a driver accepts, from its package manifest: their"
                    + " types, ranges, allowed values, defaults and meaning, as `weir config check`"
                    + " applies them.",
            "--markdown writes the reference kept as drivers/NAME/KEYS.md (e.g. `weir driver keys"
                    + " drivers/modbus --markdown > drivers/modbus/KEYS.md`)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:shown",
            "1:no such package, folder or bundled driver, or its manifest is refused",
            "2:wrong usage"
        })
final class DriverKeysCommand extends DriverCommand.Base {
    private static final Pattern NAME = PackageManifest.NAME;

    @Parameters(
            paramLabel = "FILE|NAME",
            description =
                    "A package (.wdrv), a driver folder or its weir-package.json, or the name of a"
                            + " bundled driver (modbus, s7, inovance, can-dbc).")
    String target;

    @Option(names = "--markdown", description = "The Markdown reference (drivers/NAME/KEYS.md).")
    boolean markdown;

    @Override
    int execute() throws Exception {
        if (markdown && json) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--markdown and --json exclude each other");
        }
        PackageManifest m = manifest(target);
        PrintWriter o = out();
        if (markdown) {
            o.print(KeyReference.markdown(m, "weir driver keys " + target + " --markdown"));
            return 0;
        }
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", m.name());
            j.put("version", m.version());
            j.put("device_keys", m.keys().device().map(PackageManifest::keysJson).orElse(null));
            j.put("point_keys", m.keys().point().map(PackageManifest::keysJson).orElse(null));
            json(j);
            return 0;
        }
        o.printf("%s %s: config keys%n", escape(m.name()), escape(m.version()));
        table(o, "device keys", m.keys().device());
        table(o, "point keys", m.keys().point());
        return 0;
    }

    /**
     * The manifest {@code target} names: a .wdrv package, a folder with a weir-package.json, that
     * file itself, or a bundled driver's name.
     */
    static PackageManifest manifest(String target) throws PackageRefused, IOException {
        Path p = Path.of(target);
        if (Files.isDirectory(p)) {
            p = p.resolve(DriverPackage.MANIFEST);
            if (!Files.isRegularFile(p)) {
                throw new PackageRefused(
                        target + ": no " + DriverPackage.MANIFEST + " in this folder");
            }
        }
        if (Files.isRegularFile(p)) {
            if (p.getFileName().toString().endsWith(DriverPackage.EXTENSION)) {
                return DriverPackage.read(p).manifest();
            }
            return PackageManifest.parse(p.toString(), Files.readAllBytes(p));
        }
        if (!NAME.matcher(target).matches()) {
            throw new PackageRefused(
                    escape(target)
                            + ": no such file or folder, and not a bundled driver name"
                            + " ([a-z0-9-]{1,32})");
        }
        String resource = "drivers/" + target + "/" + DriverPackage.MANIFEST;
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = DriverKeysCommand.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new PackageRefused(
                        "no bundled driver package \""
                                + target
                                + "\" (classpath resource "
                                + resource
                                + " not found); give a .wdrv package or a driver folder");
            }
            return PackageManifest.parse("bundled " + resource, in.readAllBytes());
        }
    }

    /** The text table, as {@code weir driver inspect} draws it. */
    static void table(PrintWriter o, String title, Optional<List<KeySpec>> keys) {
        if (keys.isEmpty()) {
            o.println(title + ": not declared (the driver alone checks them)");
            return;
        }
        if (keys.get().isEmpty()) {
            o.println(title + ": none (any key is refused)");
            return;
        }
        o.println(title + ":");
        List<String[]> rows = new java.util.ArrayList<>();
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
            rows.add(
                    new String[] {
                        escape(k.key()),
                        escape(what),
                        k.required()
                                ? "required"
                                : k.defaultValue() != null
                                        ? "default " + escape(k.defaultValue())
                                        : "",
                        escape(k.doc())
                    });
        }
        int[] width = new int[3];
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < width.length; i++) {
                line.append(r[i]).append(" ".repeat(width[i] - r[i].length() + 2));
            }
            o.println((line + r[3]).stripTrailing());
        }
    }
}
