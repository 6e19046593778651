package io.weir.tools.driver.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A driver project template kept as resources ({@code templates/LANG/}): its {@code files.txt}
 * lists the files, each copied with the placeholders {@code {{name}}} (the driver's manifest name),
 * {@code {{crate}}} (the name as a Rust identifier), {@code {{type}}} (the driver's type name),
 * {@code {{vendor}}}, {@code {{sdk_rust}}} and {@code {{sdk_as}}} (the SDK folders of the Weir
 * checkout) replaced — in paths too.
 */
record DriverTemplate(String lang, List<Entry> entries) {
    /** ABI §3.4 allows {@code [a-z0-9-]{1,32}}; a letter first makes it a Rust and TS name too. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    static final List<String> LANGS = List.of("rust", "assemblyscript");

    /** One file of the template. */
    record Entry(String path, boolean executable) {}

    DriverTemplate {
        entries = List.copyOf(entries);
    }

    static DriverTemplate load(String lang) throws IOException {
        if (!LANGS.contains(lang)) {
            throw new IllegalArgumentException(
                    "unknown language \"" + lang + "\" (one of " + String.join(", ", LANGS) + ")");
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : resource(lang, "files.txt").split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            boolean x = l.endsWith(" +x");
            entries.add(new Entry(x ? l.substring(0, l.length() - 3).strip() : l, x));
        }
        return new DriverTemplate(lang, entries);
    }

    /** {@code acme-meter} → {@code AcmeMeter}. */
    static String typeName(String name) {
        StringBuilder b = new StringBuilder();
        for (String part : name.split("-")) {
            if (!part.isEmpty()) {
                b.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
            }
        }
        return b.toString();
    }

    static Map<String, String> values(String name, String vendor, Path weirRoot) {
        return Map.of(
                "{{name}}", name,
                "{{crate}}", name.replace('-', '_'),
                "{{type}}", typeName(name),
                "{{vendor}}", vendor.replace("\\", "\\\\").replace("\"", "\\\""),
                "{{sdk_rust}}", weirRoot.resolve("sdk-rust").toString(),
                "{{sdk_as}}", weirRoot.resolve("sdk-assemblyscript").toString());
    }

    /** Writes the project into {@code dir} (which must be empty or absent); the paths written. */
    List<Path> write(Path dir, Map<String, String> values) throws IOException {
        // Every file read before the first is written: a broken jar leaves no half project.
        List<String> texts = new ArrayList<>();
        for (Entry e : entries) {
            texts.add(fill(resource(lang, e.path()), values));
        }
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            String text = texts.get(i);
            Path target = dir.resolve(fill(e.path().replaceAll("(^|/)dot-", "$1."), values));
            Files.createDirectories(target.getParent());
            Files.writeString(target, text, StandardCharsets.UTF_8);
            if (e.executable()) {
                try {
                    Set<PosixFilePermission> p =
                            EnumSet.copyOf(Files.getPosixFilePermissions(target));
                    p.add(PosixFilePermission.OWNER_EXECUTE);
                    p.add(PosixFilePermission.GROUP_EXECUTE);
                    p.add(PosixFilePermission.OTHERS_EXECUTE);
                    Files.setPosixFilePermissions(target, p);
                } catch (UnsupportedOperationException notPosix) {
                    // The scripts also run as `sh build.sh`.
                }
            }
            written.add(target);
        }
        return written;
    }

    private static String fill(String text, Map<String, String> values) {
        String s = text;
        for (Map.Entry<String, String> v : values.entrySet()) {
            s = s.replace(v.getKey(), v.getValue());
        }
        return s;
    }

    private static String resource(String lang, String path) throws IOException {
        String name = "/io/weir/tools/driver/templates/" + lang + "/" + path;
        try (InputStream in = DriverTemplate.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("template file " + name + " missing from the weir jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
