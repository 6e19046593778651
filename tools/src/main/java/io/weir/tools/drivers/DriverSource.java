package io.weir.tools.drivers;

import io.weir.host.driver.DriverModule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves {@code --driver NAME|FILE}: a path to a .wasm file, or a driver bundled in the jar. */
public final class DriverSource {
    private DriverSource() {}

    /** The classpath resource of a bundled driver. */
    public static String resource(String name) {
        return "drivers/" + name + ".wasm";
    }

    public static byte[] bytes(String nameOrFile) throws IOException {
        Path file = Path.of(nameOrFile);
        if (nameOrFile.endsWith(".wasm") || nameOrFile.contains("/") || Files.isRegularFile(file)) {
            if (Files.isDirectory(file)) {
                throw new IOException(
                        "driver file "
                                + file.toAbsolutePath()
                                + " is a directory, not a .wasm file");
            }
            if (!Files.isRegularFile(file)) {
                throw new IOException("driver file " + file.toAbsolutePath() + " does not exist");
            }
            return Files.readAllBytes(file);
        }
        if (!nameOrFile.matches("[a-z0-9-]{1,32}")) {
            throw new IOException(
                    "\""
                            + nameOrFile
                            + "\" is neither a .wasm file nor a driver name ([a-z0-9-]{1,32})");
        }
        try (InputStream in =
                DriverSource.class.getClassLoader().getResourceAsStream(resource(nameOrFile))) {
            if (in == null) {
                throw new IOException(
                        "no bundled driver \""
                                + nameOrFile
                                + "\" (classpath resource "
                                + resource(nameOrFile)
                                + " not found); give a path to a .wasm file instead");
            }
            return in.readAllBytes();
        }
    }

    /** Loads, checks and compiles the driver with the host runtime. */
    public static DriverModule load(String nameOrFile) throws IOException {
        return DriverModule.load(nameOrFile, bytes(nameOrFile));
    }
}
