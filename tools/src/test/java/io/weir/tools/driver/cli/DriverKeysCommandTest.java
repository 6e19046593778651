package io.weir.tools.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.host.lifecycle.PackageManifest;
import io.weir.tools.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code weir driver keys}, and the checked-in {@code drivers/NAME/KEYS.md} of every bundled
 * driver: each must be exactly what its {@code weir-package.json} generates.
 */
class DriverKeysCommandTest {
    @TempDir Path dir;

    static Path root() {
        String root = System.getProperty("weir.root");
        if (root != null && Files.exists(Path.of(root, "driver-abi", "ABI.md"))) {
            return Path.of(root);
        }
        return Path.of("..").toAbsolutePath().normalize();
    }

    /** Every bundled driver folder: the ones with a package manifest. */
    static Stream<String> bundledDrivers() throws IOException {
        try (Stream<Path> dirs = Files.list(root().resolve("drivers"))) {
            List<String> names =
                    dirs.filter(d -> Files.isRegularFile(d.resolve("weir-package.json")))
                            .map(d -> d.getFileName().toString())
                            .sorted()
                            .toList();
            assertThat(names).contains("modbus", "s7", "inovance", "can-dbc");
            return names.stream();
        }
    }

    @ParameterizedTest(name = "drivers/{0}/KEYS.md")
    @MethodSource("bundledDrivers")
    void theCheckedInKeyReferenceIsWhatTheManifestGenerates(String driver) throws Exception {
        Path folder = root().resolve("drivers").resolve(driver);
        String regenerate =
                "./weir driver keys drivers/"
                        + driver
                        + " --markdown > drivers/"
                        + driver
                        + "/KEYS.md";
        Path keys = folder.resolve("KEYS.md");
        assertThat(keys)
                .as("drivers/%s/KEYS.md is missing; make it: %s", driver, regenerate)
                .exists();
        PackageManifest m =
                PackageManifest.parse(
                        "weir-package.json",
                        Files.readAllBytes(folder.resolve("weir-package.json")));
        String generated =
                KeyReference.markdown(m, "weir driver keys drivers/" + driver + " --markdown");
        assertThat(Files.readString(keys))
                .as(
                        "drivers/%s/KEYS.md differs from what its weir-package.json generates;"
                                + " regenerate it from the repository root: %s",
                        driver, regenerate)
                .isEqualTo(generated);
        assertThat(Files.readString(folder.resolve("README.md")))
                .as("drivers/%s/README.md links its key reference", driver)
                .contains("](KEYS.md)");
    }

    @Test
    void theMarkdownOfAFolderIsTheCheckedInReference() throws Exception {
        Path modbus = root().resolve("drivers/modbus");
        CliRun r = CliRun.execute("driver", "keys", modbus.toString(), "--markdown");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .startsWith("# modbus ")
                .contains("## Device keys", "## Point keys")
                .contains(
                        "| `unit` | int | 0..255 |  | `1` | unit identifier in the MBAP header"
                                + " (Messaging §3.1.3) |")
                .contains(
                        "| `area` | enum | `coil`, `discrete`, `holding`, `input` | yes |  | read"
                                + " with FC1, FC2, FC3, FC4 |");
    }

    @Test
    void aBundledDriverByNameAsTextAndJson() throws Exception {
        CliRun r = CliRun.execute("driver", "keys", "modbus");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .startsWith("modbus ")
                .contains("device keys:")
                .contains("point keys:")
                .containsPattern("\\n  unit +int 0\\.\\.255 +default 1 +unit identifier")
                .containsPattern("\\n  area +coil\\|discrete\\|holding\\|input +required");

        CliRun j = CliRun.execute("driver", "keys", "s7", "--json");
        assertThat(j.code()).as(j.err()).isZero();
        JsonNode n = new ObjectMapper().readTree(j.out());
        assertThat(n.get("name").asText()).isEqualTo("s7");
        assertThat(n.get("device_keys").get(1).get("key").asText()).isEqualTo("slot");
        assertThat(n.get("device_keys").get(1).get("max").asInt()).isEqualTo(31);
    }

    @Test
    void aPackageFileAndAManifestFileWork() throws Exception {
        Path pkg = io.weir.tools.driver.TestDrivers.pack(dir, "0.1.7");
        CliRun r = CliRun.execute("driver", "keys", pkg.toString(), "--markdown");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("# modbus 0.1.7: config keys");

        Path manifest = root().resolve("drivers/s7/weir-package.json");
        CliRun s = CliRun.execute("driver", "keys", manifest.toString());
        assertThat(s.code()).as(s.err()).isZero();
        assertThat(s.out()).startsWith("s7 ");
    }

    @Test
    void aTableThatDeclaresNothingSaysSo() throws Exception {
        Path f = dir.resolve("weir-package.json");
        Files.writeString(
                f,
                """
                {"package_format": 1, "name": "bare", "version": "1.0.0", "vendor": "Acme",
                 "description": "A driver with a pipe | in its description",
                 "point_keys": []}
                """);
        CliRun r = CliRun.execute("driver", "keys", f.toString(), "--markdown");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("A driver with a pipe \\| in its description.")
                .contains("Not declared by the package: the driver alone checks these keys")
                .contains("The driver takes none: any key here is refused.");
        CliRun t = CliRun.execute("driver", "keys", f.toString());
        assertThat(t.out())
                .contains("device keys: not declared (the driver alone checks them)")
                .contains("point keys: none (any key is refused)");
    }

    @Test
    void whatIsNotAPackageIsOneLineAndExitOne() {
        CliRun r = CliRun.execute("driver", "keys", "nobody");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip())
                .isEqualTo(
                        "weir driver keys: no bundled driver package \"nobody\" (classpath resource"
                                + " drivers/nobody/weir-package.json not found); give a .wdrv"
                                + " package or a driver folder");
        CliRun e = CliRun.execute("driver", "keys", dir.resolve("none.wdrv").toString());
        assertThat(e.code()).isEqualTo(1);
        assertThat(e.err()).contains("no such file or folder");
        CliRun both = CliRun.execute("driver", "keys", "modbus", "--markdown", "--json");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--markdown and --json exclude each other");
    }
}
