package io.weir.tools.config;

import io.weir.host.driver.DriverSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A device's {@code driver} key: a bundled driver ({@code modbus}), a bundled driver of one version
 * ({@code modbus@0.1.0}), or the path of a {@code .wasm} module, relative to the config file.
 */
public sealed interface DriverRef {

    /** ABI §3.4: a driver name is {@code [a-z0-9-]{1,32}}; a version is semantic versioning. */
    Pattern BUNDLED = Pattern.compile("([a-z0-9-]{1,32})(?:@([0-9A-Za-z.+-]{1,64}))?");

    /** The value as the config file writes it. */
    String written();

    /** A name for messages until the driver's manifest is read, e.g. {@code modbus.wasm}. */
    String sourceName();

    /** The module's bytes: the classpath resource {@code drivers/NAME.wasm} or the file. */
    byte[] bytes() throws IOException;

    /**
     * The driver name a device spec carries before the module is loaded: the bundled name, or the
     * file name without {@code .wasm}. Once a module is loaded its manifest name is the truth
     * ({@link DeviceConfigEntry#toSpec(String)}).
     */
    String expectedName();

    /** A driver bundled in the {@code weir-drivers} jar, optionally pinned to one version. */
    record Bundled(String name, Optional<String> version, String written) implements DriverRef {
        public Bundled {
            if (name == null || !name.matches("[a-z0-9-]{1,32}")) {
                throw new IllegalArgumentException(
                        "driver name " + TerminalText.quote(name) + " is not [a-z0-9-]{1,32}");
            }
            version = version == null ? Optional.empty() : version;
        }

        @Override
        public String sourceName() {
            return name + ".wasm";
        }

        @Override
        public byte[] bytes() throws IOException {
            return DriverSource.bytes(name);
        }

        @Override
        public String expectedName() {
            return name;
        }
    }

    /** A {@code .wasm} module on disk. */
    record WasmFile(Path file, String written) implements DriverRef {
        public WasmFile {
            if (file == null || !file.isAbsolute()) {
                throw new IllegalArgumentException("a driver file path must be absolute: " + file);
            }
        }

        @Override
        public String sourceName() {
            return file.getFileName().toString();
        }

        @Override
        public byte[] bytes() throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new IOException("driver file " + file + " does not exist");
            }
            return Files.readAllBytes(file);
        }

        @Override
        public String expectedName() {
            String n = sourceName();
            return n.endsWith(".wasm") ? n.substring(0, n.length() - 5) : n;
        }
    }

    /**
     * Reads a {@code driver} value; a path is resolved against {@code baseDir}, the config file's
     * folder.
     *
     * @throws IllegalArgumentException saying which forms are accepted
     */
    static DriverRef parse(String text, Path baseDir) {
        if (text.endsWith(".wasm") || text.contains("/")) {
            return new WasmFile(baseDir.resolve(text).normalize(), text);
        }
        Matcher m = BUNDLED.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    TerminalText.quote(text)
                            + " is neither a bundled driver name ([a-z0-9-]{1,32}, e.g."
                            + " \"modbus\" or \"modbus@0.1.0\") nor the path of a .wasm file");
        }
        return new Bundled(m.group(1), Optional.ofNullable(m.group(2)), text);
    }
}
