package io.weir.host.driver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where a driver's bytes come from, the one way every command and the kernel resolve a driver: a
 * path to a {@code .wasm} file, or the name of a driver bundled on the classpath as {@code
 * drivers/NAME.wasm} (the {@code weir-drivers} jar carries them).
 */
public final class DriverSource {
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,32}");

    private DriverSource() {}

    /** The classpath resource of a bundled driver. */
    public static String resource(String name) {
        return "drivers/" + name + ".wasm";
    }

    /** Whether {@code nameOrFile} names a file rather than a bundled driver. */
    public static boolean isFile(String nameOrFile) {
        return nameOrFile.endsWith(".wasm")
                || nameOrFile.contains("/")
                || Files.isRegularFile(Path.of(nameOrFile));
    }

    /**
     * The module bytes of a driver file or a bundled driver.
     *
     * @throws IOException saying which file or name could not be found or read
     */
    public static byte[] bytes(String nameOrFile) throws IOException {
        if (isFile(nameOrFile)) {
            Path file = Path.of(nameOrFile);
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
        if (!NAME.matcher(nameOrFile).matches()) {
            throw new IOException(
                    "\""
                            + nameOrFile
                            + "\" is neither a .wasm file nor a driver name ([a-z0-9-]{1,32})");
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = DriverSource.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(resource(nameOrFile))) {
            if (in == null) {
                throw new IOException(
                        "no bundled driver \""
                                + nameOrFile
                                + "\" (classpath resource "
                                + resource(nameOrFile)
                                + " not found; is the weir-drivers jar on the classpath?); give"
                                + " the path of a .wasm file instead");
            }
            return in.readAllBytes();
        }
    }

    /** A name for messages until the manifest is read: the file name, or {@code NAME.wasm}. */
    public static String sourceName(String nameOrFile) {
        return isFile(nameOrFile)
                ? Path.of(nameOrFile).getFileName().toString()
                : nameOrFile + ".wasm";
    }

    /**
     * Loads, checks, compiles and probes a driver with the default engine, limits and watchdog.
     *
     * @throws IOException if the driver cannot be found or read
     * @throws DriverRefused naming what breaks the ABI
     */
    public static DriverModule load(String nameOrFile) throws IOException {
        return DriverModule.load(sourceName(nameOrFile), bytes(nameOrFile));
    }
}
