package io.weir.tools.driver;

import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.PackageWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Packages of the bundled Modbus driver at any version {@code 0.1.x}: its module with the version
 * in its manifest data patched (same length), its weir-package.json, and some of its real vectors.
 */
public final class TestDrivers {
    private TestDrivers() {}

    /** The vector files copied into test packages: enough to be real, few enough to be quick. */
    static final List<String> VECTORS = List.of("requests.json", "state.json", "types.json");

    static Path root() {
        String root = System.getProperty("weir.root");
        if (root != null && Files.exists(Path.of(root, "driver-abi", "ABI.md"))) {
            return Path.of(root);
        }
        return Path.of("..").toAbsolutePath().normalize();
    }

    /** The bundled module, describing itself as version {@code version} (0.1.x). */
    public static byte[] modbus(String version) throws IOException {
        byte[] wasm = DriverSource.bytes("modbus");
        if (version.equals(SwapBench.BUNDLED_VERSION)) {
            return wasm;
        }
        return SwapBench.withVersion(wasm, SwapBench.BUNDLED_VERSION, version);
    }

    static String manifest(String version) throws IOException {
        try (InputStream in =
                TestDrivers.class
                        .getClassLoader()
                        .getResourceAsStream("drivers/modbus/weir-package.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace(
                            "\"version\": \"" + SwapBench.BUNDLED_VERSION + "\"",
                            "\"version\": \"" + version + "\"");
        }
    }

    /** A driver folder of modbus at {@code version}. */
    public static Path folder(Path dir, String version) throws IOException {
        Files.createDirectories(dir.resolve("vectors"));
        Files.write(dir.resolve("driver.wasm"), modbus(version));
        Files.writeString(dir.resolve("weir-package.json"), manifest(version));
        for (String v : VECTORS) {
            Files.copy(
                    root().resolve("drivers/modbus/vectors").resolve(v),
                    dir.resolve("vectors").resolve(v));
        }
        return dir;
    }

    /** An unsigned package of modbus at {@code version}, in {@code work}. */
    public static Path pack(Path work, String version) throws Exception {
        Path dir = folder(work.resolve("src-" + version), version);
        Path out = work.resolve("modbus-" + version + DriverPackage.EXTENSION);
        PackageWriter.pack(dir, null, out, b -> DriverModule.load("driver.wasm", b));
        return out;
    }

    /** A key pair {@code DIR/NAME.key}, {@code DIR/NAME.pub}, trusted in {@code dataDir}. */
    public static Path trustedKey(Path dir, String name, SigningKeys.Algorithm alg, Path dataDir)
            throws Exception {
        Path pub = SigningKeys.write(SigningKeys.generate(alg), dir, name);
        new TrustedKeys(dataDir).add(pub, name);
        return dir.resolve(name + ".key");
    }

    /** Signs a package in place with {@code key} (and its .pub beside it). */
    public static void sign(Path pkg, Path key) throws Exception {
        DriverPackage p = DriverPackage.read(pkg);
        Path pub = key.resolveSibling(key.getFileName().toString().replace(".key", ".pub"));
        PackageSignature s =
                PackageSignature.sign(
                        p, SigningKeys.readPrivate(key), SigningKeys.readPublic(pub), "test");
        PackageWriter.withSignature(p, s.toJson(), pkg);
    }
}
