package io.weir.host.lifecycle;

import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Driver folders and packages of the runtime's WAT fixture driver, for tests. */
public final class TestPackages {
    private TestPackages() {}

    /** The fixture driver with its manifest version (ABI §3.4) changed to {@code version}. */
    public static byte[] fixture(String version) {
        return withVersion(Fixtures.wasm("fixture"), "1.0.0", version);
    }

    /**
     * Replaces {@code "version":"OLD"} in a module's manifest data by a version of equal length.
     */
    public static byte[] withVersion(byte[] wasm, String old, String version) {
        if (old.length() != version.length()) {
            throw new IllegalArgumentException("versions of equal length only");
        }
        byte[] from = ("\"version\":\"" + old + "\"").getBytes(StandardCharsets.US_ASCII);
        byte[] to = ("\"version\":\"" + version + "\"").getBytes(StandardCharsets.US_ASCII);
        byte[] out = wasm.clone();
        for (int i = 0; i + from.length <= out.length; i++) {
            boolean match = true;
            for (int k = 0; k < from.length && match; k++) {
                match = out[i + k] == from[k];
            }
            if (match) {
                System.arraycopy(to, 0, out, i, to.length);
                return out;
            }
        }
        throw new IllegalArgumentException("no \"version\":\"" + old + "\" in the module");
    }

    public static String manifest(String name, String version) {
        return "{\"package_format\":1,\"name\":\""
                + name
                + "\",\"version\":\""
                + version
                + "\",\"vendor\":\"Test\",\"description\":\"the WAT fixture driver\","
                + "\"device_keys\":[],"
                + "\"point_keys\":[{\"key\":\"scale\",\"type\":\"number\"}]}";
    }

    /**
     * One cycle of the fixture: request "REQ?", a frame with the value {@code value} for point 0.
     */
    public static String vectors(long value) {
        return "{\"driver\":\"fixture\",\"vectors\":[{\"name\":\"one cycle\",\"source\":\"fixture.wat\","
                + "\"config\":\"device\\npoint 0\\n\",\"steps\":["
                + "{\"call\":\"poll\",\"expect_hex\":\"5245513f\"},"
                + "{\"call\":\"frame\",\"hex\":\"aa010700000000000000\",\"expect\":"
                + "[{\"point\":0,\"type\":\"i64\",\"value\":"
                + value
                + ",\"quality\":\"GOOD\"}]},"
                + "{\"call\":\"poll\",\"expect_hex\":\"\"}]}]}";
    }

    /** A driver folder of the fixture at {@code version} whose vectors pass. */
    public static Path folder(Path dir, String version) throws IOException {
        return folder(dir, fixture(version), manifest("fixture", version), vectors(7));
    }

    public static Path folder(Path dir, byte[] wasm, String manifest, String vectors)
            throws IOException {
        Files.createDirectories(dir.resolve("vectors"));
        Files.write(dir.resolve("driver.wasm"), wasm);
        Files.writeString(dir.resolve("weir-package.json"), manifest);
        if (vectors != null) {
            Files.writeString(dir.resolve("vectors/cycle.json"), vectors);
        }
        return dir;
    }

    /** Packs the fixture at {@code version} into {@code out}. */
    public static DriverPackage pack(Path work, String version, Path out)
            throws IOException, PackageRefused {
        Path dir = folder(work.resolve("fixture-" + version), version);
        return PackageWriter.pack(dir, null, out, TestPackages::load);
    }

    public static DriverModule load(byte[] wasm) {
        return DriverModule.load("driver.wasm", wasm);
    }
}
