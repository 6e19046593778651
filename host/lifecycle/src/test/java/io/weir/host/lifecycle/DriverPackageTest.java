package io.weir.host.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.Abi;
import io.weir.host.driver.DriverModule;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Packing, reading and checking {@code .wdrv} packages; every bad input names its problem. */
class DriverPackageTest {
    @TempDir Path tmp;

    private Path good() throws Exception {
        Path out = tmp.resolve("fixture-1.0.0.wdrv");
        TestPackages.pack(tmp, "1.0.0", out);
        return out;
    }

    @Test
    void packReadsBackWithManifestModuleAndVectors() throws Exception {
        Path file = good();
        DriverPackage pkg = DriverPackage.read(file);
        assertThat(pkg.manifest().label()).isEqualTo("fixture 1.0.0");
        assertThat(pkg.vectors()).containsOnlyKeys("vectors/cycle.json");
        assertThat(pkg.digests())
                .containsOnlyKeys("driver.wasm", "vectors/cycle.json", "weir-package.json");
        assertThat(pkg.signed()).isFalse();
        assertThat(pkg.sha256()).isEqualTo(DriverPackage.sha256(file));
        assertThat(new String(pkg.signedContent(), StandardCharsets.UTF_8))
                .startsWith("weir-driver-package 1\nname fixture\nversion 1.0.0\n")
                .contains(" driver.wasm\n");
        DriverModule m = PackageCheck.verified(pkg, TestPackages::load);
        assertThat(m.manifest().version()).isEqualTo("1.0.0");
    }

    @Test
    void packingIsReproducible() throws Exception {
        Path a = tmp.resolve("a.wdrv");
        Path b = tmp.resolve("b.wdrv");
        Path dir = TestPackages.folder(tmp.resolve("src"), "1.0.0");
        PackageWriter.pack(dir, null, a, TestPackages::load);
        PackageWriter.pack(dir, null, b, TestPackages::load);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    }

    @Test
    void signatureRewriteKeepsEveryOtherEntry() throws Exception {
        Path file = good();
        DriverPackage before = DriverPackage.read(file);
        PackageWriter.withSignature(before, "{\"x\":1}".getBytes(StandardCharsets.UTF_8), file);
        DriverPackage after = DriverPackage.read(file);
        assertThat(after.signed()).isTrue();
        assertThat(after.signedContent()).isEqualTo(before.signedContent());
        assertThat(after.signature()).isEqualTo("{\"x\":1}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void truncatedZipIsNamed() throws Exception {
        Path file = good();
        byte[] all = Files.readAllBytes(file);
        Path cut = tmp.resolve("cut.wdrv");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> DriverPackage.read(cut))
                .isInstanceOf(PackageRefused.class)
                .hasMessageStartingWith(
                        "cut.wdrv: not a readable driver package: the zip is truncated or corrupt");
    }

    @Test
    void corruptEntryIsNamed() throws Exception {
        Path file = good();
        byte[] all = Files.readAllBytes(file);
        // Flip bytes inside the first entry's compressed data (the module).
        for (int i = 200; i < 260; i++) {
            all[i] ^= 0x5a;
        }
        Path bad = tmp.resolve("bad.wdrv");
        Files.write(bad, all);
        assertThatThrownBy(() -> DriverPackage.read(bad))
                .isInstanceOf(PackageRefused.class)
                .hasMessageContaining("bad.wdrv: not a readable driver package");
    }

    @Test
    void notAZipAndEmptyFileAreNamed() throws Exception {
        Path text = tmp.resolve("text.wdrv");
        Files.writeString(text, "hello, this is not a zip");
        assertThatThrownBy(() -> DriverPackage.read(text))
                .isInstanceOf(PackageRefused.class)
                .hasMessageContaining("text.wdrv: not a readable driver package");
        Path empty = tmp.resolve("empty.wdrv");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> DriverPackage.read(empty))
                .hasMessage("empty.wdrv: empty file, not a driver package");
    }

    private Path zip(String name, String... entries) throws IOException {
        Path file = tmp.resolve(name);
        try (OutputStream os = Files.newOutputStream(file);
                ZipOutputStream z = new ZipOutputStream(os)) {
            for (int i = 0; i < entries.length; i += 2) {
                z.putNextEntry(new ZipEntry(entries[i]));
                z.write(entries[i + 1].getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return file;
    }

    @Test
    void manifestMissingFieldsAreNamed() throws Exception {
        Path f =
                zip(
                        "m.wdrv",
                        "weir-package.json",
                        "{\"package_format\":1,\"name\":\"fixture\",\"version\":\"1.0.0\",\"vendor\":\"x\"}",
                        "driver.wasm",
                        "x");
        assertThatThrownBy(() -> DriverPackage.read(f))
                .hasMessage("m.wdrv: weir-package.json: missing field \"description\"");
        Path g =
                zip(
                        "g.wdrv",
                        "weir-package.json",
                        TestPackages.manifest("fixture", "1.0"),
                        "driver.wasm",
                        "x");
        assertThatThrownBy(() -> DriverPackage.read(g))
                .hasMessageContaining(
                        "g.wdrv: weir-package.json: \"version\" \"1.0\" is not a semantic version");
        Path h =
                zip(
                        "h.wdrv",
                        "weir-package.json",
                        TestPackages.manifest("fixture", "1.0.0")
                                .replace("\"vendor\"", "\"vendr\""),
                        "driver.wasm",
                        "x");
        assertThatThrownBy(() -> DriverPackage.read(h))
                .hasMessageContaining("unknown field \"vendr\"");
        Path k =
                zip(
                        "k.wdrv",
                        "weir-package.json",
                        TestPackages.manifest("fixture", "1.0.0")
                                .replace(
                                        "\"type\":\"number\"",
                                        "\"type\":\"int\",\"min\":5,\"max\":1"),
                        "driver.wasm",
                        "x");
        assertThatThrownBy(() -> DriverPackage.read(k))
                .hasMessageContaining("point_keys[0]: key \"scale\": \"min\" 5 is above \"max\" 1");
    }

    @Test
    void missingAndUnexpectedEntriesAreNamed() throws Exception {
        Path noModule =
                zip("n.wdrv", "weir-package.json", TestPackages.manifest("fixture", "1.0.0"));
        assertThatThrownBy(() -> DriverPackage.read(noModule))
                .hasMessageStartingWith("n.wdrv: no driver.wasm (the driver module)");
        Path extra =
                zip(
                        "e.wdrv",
                        "weir-package.json",
                        TestPackages.manifest("fixture", "1.0.0"),
                        "driver.wasm",
                        "x",
                        "../evil.sh",
                        "rm -rf /");
        assertThatThrownBy(() -> DriverPackage.read(extra))
                .hasMessageStartingWith("e.wdrv: unexpected entry \"../evil.sh\"");
    }

    @Test
    void moduleOverTheSizeCapIsRefusedBeforeParsing() throws Exception {
        Path file = tmp.resolve("big.wdrv");
        try (OutputStream os = Files.newOutputStream(file);
                ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry("weir-package.json"));
            z.write(TestPackages.manifest("fixture", "1.0.0").getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("driver.wasm"));
            z.write(new byte[Abi.MODULE_SIZE_CAP_BYTES + 1]);
            z.closeEntry();
        }
        assertThatThrownBy(() -> DriverPackage.read(file))
                .hasMessageStartingWith(
                        "big.wdrv: driver.wasm is over the module size cap of 4194304 bytes (ABI §9)");
        Path dir = TestPackages.folder(tmp.resolve("bigdir"), "1.0.0");
        Files.write(dir.resolve("driver.wasm"), new byte[Abi.MODULE_SIZE_CAP_BYTES + 1]);
        assertThatThrownBy(
                        () ->
                                PackageWriter.pack(
                                        dir, null, tmp.resolve("x.wdrv"), TestPackages::load))
                .hasMessageContaining("4194305 bytes, over the module size cap of 4194304 bytes");
        assertThat(tmp.resolve("x.wdrv")).doesNotExist();
    }

    @Test
    void manifestDisagreeingWithTheModuleIsNamed() throws Exception {
        Path dir =
                TestPackages.folder(
                        tmp.resolve("d"),
                        TestPackages.fixture("1.0.0"),
                        TestPackages.manifest("fixture", "1.0.1"),
                        TestPackages.vectors(7));
        assertThatThrownBy(
                        () ->
                                PackageWriter.pack(
                                        dir, null, tmp.resolve("d.wdrv"), TestPackages::load))
                .isInstanceOf(PackageRefused.class)
                .hasMessageContaining(
                        "weir-package.json says version \"1.0.1\", but the module describes itself"
                                + " as fixture \"1.0.0\" (weir_describe)");
        Path named =
                TestPackages.folder(
                        tmp.resolve("e"),
                        TestPackages.fixture("1.0.0"),
                        TestPackages.manifest("other", "1.0.0"),
                        TestPackages.vectors(7));
        assertThatThrownBy(
                        () ->
                                PackageWriter.pack(
                                        named, null, tmp.resolve("e.wdrv"), TestPackages::load))
                .hasMessageContaining(
                        "weir-package.json names the driver \"other\", but the module describes"
                                + " itself as \"fixture\"");
    }

    @Test
    void notAModuleIsRefusedNamingTheFile() throws Exception {
        Path dir =
                TestPackages.folder(
                        tmp.resolve("w"),
                        "not wasm".getBytes(StandardCharsets.UTF_8),
                        TestPackages.manifest("fixture", "1.0.0"),
                        TestPackages.vectors(7));
        assertThatThrownBy(
                        () ->
                                PackageWriter.pack(
                                        dir, null, tmp.resolve("w.wdrv"), TestPackages::load))
                .isInstanceOf(PackageRefused.class)
                .hasMessageStartingWith("w.wdrv: driver.wasm refused: ");
    }

    @Test
    void failingVectorsFailTheSelfTestWithADiff() throws Exception {
        Path dir =
                TestPackages.folder(
                        tmp.resolve("f"),
                        TestPackages.fixture("1.0.0"),
                        TestPackages.manifest("fixture", "1.0.0"),
                        TestPackages.vectors(8));
        Path out = tmp.resolve("f.wdrv");
        PackageWriter.pack(dir, null, out, TestPackages::load);
        DriverPackage pkg = DriverPackage.read(out);
        assertThatThrownBy(() -> PackageCheck.verified(pkg, TestPackages::load))
                .hasMessage(
                        "f.wdrv: 1 of 1 vectors fail; first: vectors/cycle.json \"one cycle\": step"
                                + " 2 (frame): record 0: value: expected 8, got point 0  i64 7  GOOD");
        VectorReport report = PackageCheck.selfTest(pkg, TestPackages.load(pkg.module()));
        assertThat(report.results().get(0).message())
                .contains("\n  - point 0  i64 8  GOOD\n  + point 0  i64 7  GOOD");
    }

    @Test
    void packageWithoutVectorsIsRefused() throws Exception {
        Path dir =
                TestPackages.folder(
                        tmp.resolve("v"),
                        TestPackages.fixture("1.0.0"),
                        TestPackages.manifest("fixture", "1.0.0"),
                        null);
        assertThatThrownBy(
                        () ->
                                PackageWriter.pack(
                                        dir, null, tmp.resolve("v.wdrv"), TestPackages::load))
                .hasMessageContaining("no vectors/*.json");
    }
}
