package io.weir.tools.demo;

import io.weir.host.driver.DriverModule;
import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.PackageWriter;
import io.weir.tools.driver.PackageSignature;
import io.weir.tools.driver.SigningKeys;
import io.weir.tools.driver.SwapBench;
import io.weir.tools.driver.TrustedKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Map;

/**
 * The demo's second driver version, for a hot swap while it runs: the bundled Modbus package
 * (drivers/packages/modbus-VERSION.wdrv in the drivers jar) rebuilt as the next patch version — the
 * same code reporting it, with the bundled package's manifest, key table and vectors — and signed
 * with a fresh demo vendor key (SM2 with SM3) that the demo's data folder trusts. So {@code weir
 * driver install … --activate} against the demo's gateway takes the path a real vendor's package
 * takes: signature, compile, self-test on the vectors, then the swap at each device's cycle
 * boundary.
 */
final class DemoSwap {
    static final String BUNDLED_PACKAGE =
            "drivers/packages/modbus-" + SwapBench.BUNDLED_VERSION + ".wdrv";
    static final String VERSION = SwapBench.TWIN_VERSION;

    private DemoSwap() {}

    /**
     * Writes {@code work/swap/modbus-VERSION.wdrv}, signed, and trusts its key in {@code dataDir}.
     *
     * @return the package
     */
    static Path prepare(Path work, Path dataDir) throws Exception {
        Path dir = work.resolve("swap");
        Files.createDirectories(dir);
        Path bundled = dir.resolve("modbus-" + SwapBench.BUNDLED_VERSION + ".wdrv");
        try (InputStream in =
                DemoSwap.class.getClassLoader().getResourceAsStream(BUNDLED_PACKAGE)) {
            if (in == null) {
                throw new IOException(BUNDLED_PACKAGE + " is not in the drivers jar (rebuild)");
            }
            Files.copy(in, bundled);
        }
        DriverPackage pkg = DriverPackage.read(bundled);
        Path src = dir.resolve("modbus-" + VERSION);
        Files.createDirectories(src.resolve("vectors"));
        Files.write(src.resolve(DriverPackage.MODULE), SwapBench.twin(pkg.module()));
        byte[] manifest;
        try (var zip = new java.util.zip.ZipFile(bundled.toFile())) {
            manifest = zip.getInputStream(zip.getEntry(DriverPackage.MANIFEST)).readAllBytes();
        }
        String m = new String(manifest, StandardCharsets.UTF_8);
        String patched =
                m.replace(
                        "\"version\": \"" + SwapBench.BUNDLED_VERSION + "\"",
                        "\"version\": \"" + VERSION + "\"");
        if (patched.equals(m)) {
            throw new IOException(
                    BUNDLED_PACKAGE
                            + ": its manifest does not say version "
                            + SwapBench.BUNDLED_VERSION);
        }
        Files.writeString(src.resolve(DriverPackage.MANIFEST), patched);
        for (Map.Entry<String, byte[]> v : pkg.vectors().entrySet()) {
            Files.write(src.resolve(v.getKey()), v.getValue());
        }
        Path out = dir.resolve("modbus-" + VERSION + DriverPackage.EXTENSION);
        DriverPackage built =
                PackageWriter.pack(src, null, out, b -> DriverModule.load("driver.wasm", b));
        KeyPair key = SigningKeys.generate(SigningKeys.Algorithm.SM2);
        Path pub = SigningKeys.write(key, work.resolve("keys"), "demo-vendor");
        new TrustedKeys(dataDir).add(pub, "demo-vendor");
        PackageSignature s =
                PackageSignature.sign(built, key.getPrivate(), key.getPublic(), "demo-vendor");
        PackageWriter.withSignature(built, s.toJson(), out);
        return out;
    }
}
