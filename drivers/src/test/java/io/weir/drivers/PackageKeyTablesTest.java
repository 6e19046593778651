package io.weir.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.abi.DeviceConfig;
import io.weir.host.lifecycle.KeyTable;
import io.weir.host.lifecycle.PackageManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every bundled driver has a {@code weir-package.json} whose key table is the one its config parser
 * applies, checked against the driver's own golden vectors: every config text the driver opens
 * passes the table, and every key the driver refuses as unknown the table refuses in the same
 * words.
 */
class PackageKeyTablesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A config text of a vector, and whether the driver opened it and what it said if not. */
    record Opened(String vector, String config, boolean accepted, String lastError) {}

    static List<Path> bundledDrivers() throws IOException {
        try (Stream<Path> dirs = Files.list(DriverVectorsTest.root().resolve("drivers"))) {
            return dirs.filter(d -> Files.exists(d.resolve("build.sh"))).sorted().toList();
        }
    }

    static List<Opened> opens(Path dir) throws IOException {
        List<Opened> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve("vectors"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (JsonNode v : JSON.readTree(f.toFile()).get("vectors")) {
                    String name = f.getFileName() + ": " + v.get("name").asText();
                    boolean refused = v.has("expect_open_error");
                    out.add(
                            new Opened(
                                    name,
                                    v.get("config").asText(),
                                    !refused,
                                    refused
                                                    && v.get("expect_open_error")
                                                            .asText()
                                                            .equals("E_CONFIG")
                                            ? v.path("expect_last_error").asText(null)
                                            : null));
                    for (JsonNode s : v.path("steps")) {
                        if (s.path("call").asText().equals("open") && s.has("config")) {
                            out.add(
                                    new Opened(
                                            name + " (open step)",
                                            s.get("config").asText(),
                                            !s.has("expect_error"),
                                            null));
                        }
                    }
                }
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicContainer> everyBundledDriversTableAgreesWithItsVectors() throws IOException {
        List<DynamicContainer> out = new ArrayList<>();
        for (Path dir : bundledDrivers()) {
            String driver = dir.getFileName().toString();
            List<DynamicTest> tests = new ArrayList<>();
            tests.add(
                    DynamicTest.dynamicTest(
                            "has a weir-package.json declaring both key sections",
                            () -> {
                                KeyTable t = table(dir);
                                assertThat(t.device()).as(driver + " device_keys").isPresent();
                                assertThat(t.point()).as(driver + " point_keys").isPresent();
                            }));
            for (Opened o : opens(dir)) {
                if (o.accepted()) {
                    tests.add(
                            DynamicTest.dynamicTest(
                                    "accepts " + o.vector(),
                                    () -> {
                                        DeviceConfig c = DeviceConfig.parse(o.config());
                                        assertThat(table(dir).problems(c.device(), c.points()))
                                                .as(o.config())
                                                .isEmpty();
                                    }));
                } else if (o.lastError() != null && o.lastError().contains("unknown key")) {
                    tests.add(
                            DynamicTest.dynamicTest(
                                    "refuses " + o.vector(),
                                    () -> {
                                        DeviceConfig c = DeviceConfig.parse(o.config());
                                        assertThat(table(dir).problems(c.device(), c.points()))
                                                .extracting(KeyTable.Problem::message)
                                                .as(o.config())
                                                .anySatisfy(
                                                        m -> assertThat(m).contains(o.lastError()));
                                    }));
                }
            }
            out.add(DynamicContainer.dynamicContainer(driver, tests));
        }
        return out.stream();
    }

    static KeyTable table(Path dir) throws Exception {
        Path f = dir.resolve("weir-package.json");
        assertThat(f).as("every bundled driver is packaged: " + f).exists();
        return PackageManifest.parse(f.toString(), Files.readAllBytes(f)).keys();
    }
}
