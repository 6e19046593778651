package io.weir.tools.driver.cli;

import io.weir.host.lifecycle.KeySpec;
import io.weir.host.lifecycle.PackageManifest;
import java.util.List;
import java.util.Optional;

/**
 * A package's key table as a Markdown reference ({@code drivers/NAME/KEYS.md}): one table of device
 * keys and one of point keys, with type, allowed values, whether required, default and meaning.
 * Generated from {@code weir-package.json} only, so that the docs say what {@code weir config
 * check} applies.
 */
public final class KeyReference {
    private KeyReference() {}

    /**
     * The Markdown reference of a manifest.
     *
     * @param command the command that regenerates it, named in the file so nobody edits it by hand
     */
    public static String markdown(PackageManifest m, String command) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(m.name()).append(' ').append(m.version()).append(": config keys\n\n");
        b.append("<!-- Generated from weir-package.json by `")
                .append(command)
                .append("`; do not edit by hand. -->\n\n");
        String d = cell(m.description().strip());
        b.append(d).append(d.endsWith(".") ? "" : ".").append("\n\n");
        b.append(
                "These are the keys the package declares (`weir-package.json`). `weir config check`"
                        + " (and `weir run`, which checks first) refuses a device whose keys do not"
                        + " fit them, one line per key at its line of the TOML file, before the"
                        + " driver sees the device; the driver then checks what only it knows."
                        + " Values are written as TOML strings, integers, floats or booleans and"
                        + " reach the driver as text (ABI §5).\n\n");
        section(
                b,
                "Device keys",
                "Keys of a `[[devices]]` table, besides the host's `name`, `driver`, `link`,"
                        + " `interval` and `dbc`: they form the driver's device line.",
                m.keys().device());
        section(
                b,
                "Point keys",
                "Keys of a `[[devices.points]]` table, besides the point's `name`: they form one"
                        + " point line.",
                m.keys().point());
        return b.toString();
    }

    private static void section(
            StringBuilder b, String title, String intro, Optional<List<KeySpec>> keys) {
        b.append("## ").append(title).append("\n\n");
        if (keys.isEmpty()) {
            b.append(
                    "Not declared by the package: the driver alone checks these keys, and `weir"
                            + " config check` reports what it says.\n\n");
            return;
        }
        b.append(intro).append("\n\n");
        if (keys.get().isEmpty()) {
            b.append("The driver takes none: any key here is refused.\n\n");
            return;
        }
        b.append("| Key | Type | Values | Required | Default | Meaning |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (KeySpec k : keys.get()) {
            b.append("| `")
                    .append(k.key())
                    .append("` | ")
                    .append(k.type().written())
                    .append(" | ")
                    .append(values(k))
                    .append(" | ")
                    .append(k.required() ? "yes" : "")
                    .append(" | ")
                    .append(k.defaultValue() == null ? "" : "`" + cell(k.defaultValue()) + "`")
                    .append(" | ")
                    .append(cell(k.doc()))
                    .append(" |\n");
        }
        b.append('\n');
    }

    /** {@code 0..255}, {@code `coil`, `holding`}, {@code true, false} or nothing. */
    static String values(KeySpec k) {
        return switch (k.type()) {
            case INT, NUMBER -> k.min() == null && k.max() == null ? "" : k.range();
            case ENUM -> {
                StringBuilder v = new StringBuilder();
                for (String s : k.values()) {
                    v.append(v.length() == 0 ? "" : ", ").append('`').append(cell(s)).append('`');
                }
                yield v.toString();
            }
            case BOOL -> "`true`, `false`";
            case STRING -> "";
        };
    }

    /** Text in a table cell: one line, with {@code |} escaped. */
    private static String cell(String s) {
        return s.replace("\r", " ").replace("\n", " ").replace("|", "\\|");
    }
}
