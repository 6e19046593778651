package io.weir.drivers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.host.driver.DriverLimits;
import io.weir.host.lifecycle.VectorRunner;
import io.weir.host.wasm.ChicoryEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every golden vector file (format: driver-abi/VECTORS.md) through the real host runtime with
 * {@link VectorRunner}: Chicory (compiled and interpreted), the ABI pre-flight, {@link
 * io.weir.host.driver.DriverInstance}. The same files run in {@code cargo test} and the
 * AssemblyScript runner, so the three agree on every byte.
 */
class DriverVectorsTest {

    private static final Map<Path, VectorRunner.Hosts> MODULES = new HashMap<>();

    /** The checkout root: the parent of this module. */
    static Path root() {
        // weir.root is the Maven multi-module directory; when Maven runs inside drivers/ it is
        // drivers/ itself, so fall back to the parent of this module.
        String root = System.getProperty("weir.root");
        if (root != null && Files.exists(Path.of(root, "driver-abi", "ABI.md"))) {
            return Path.of(root);
        }
        return Path.of("..").toAbsolutePath().normalize();
    }

    /** A vector file and the driver it runs against. */
    record Suite(Path file, String wasmName, Path wasmFile) {}

    static List<Suite> suites() throws IOException {
        List<Suite> suites = new ArrayList<>();
        Path drivers = root().resolve("drivers");
        try (Stream<Path> dirs = Files.list(drivers)) {
            for (Path dir : dirs.sorted().toList()) {
                Path vectors = dir.resolve("vectors");
                if (Files.isDirectory(vectors) && Files.exists(dir.resolve("build.sh"))) {
                    String name = dir.getFileName().toString();
                    for (Path f : jsonFiles(vectors)) {
                        suites.add(new Suite(f, name, null));
                    }
                }
            }
        }
        // The AssemblyScript examples, and the SDK's test drivers (vector-probe carries the
        // runner.json that the Rust harness and the Node runner run too).
        Path sdk = root().resolve("sdk-assemblyscript");
        for (Path projects :
                List.of(sdk.resolve("examples"), sdk.resolve("test").resolve("drivers"))) {
            if (!Files.isDirectory(projects)) {
                continue;
            }
            try (Stream<Path> dirs = Files.list(projects)) {
                for (Path dir : dirs.sorted().toList()) {
                    Path vectors = dir.resolve("vectors");
                    if (Files.isDirectory(vectors)) {
                        String name = dir.getFileName().toString();
                        Path wasm = dir.resolve("build").resolve(name + ".wasm");
                        for (Path f : jsonFiles(vectors)) {
                            suites.add(new Suite(f, name, wasm));
                        }
                    }
                }
            }
        }
        return suites;
    }

    private static List<Path> jsonFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    /** The driver of a suite as a v1.0 and a v1.1 host load it, each loaded once. */
    private static synchronized VectorRunner.Hosts hosts(Suite s, ChicoryEngine.Mode mode) {
        Path key =
                Path.of(
                        mode.name(),
                        s.wasmFile() != null
                                ? s.wasmFile().toString()
                                : "classpath-" + s.wasmName());
        return MODULES.computeIfAbsent(
                key,
                k ->
                        VectorRunner.Hosts.of(
                                new ChicoryEngine(mode),
                                s.wasmName(),
                                wasmBytes(s),
                                // The interpreter is ~100× slower: give it room.
                                mode == ChicoryEngine.Mode.COMPILED
                                        ? DriverLimits.DEFAULT
                                        : new DriverLimits(256, 5000, 5000)));
    }

    private static byte[] wasmBytes(Suite s) {
        try {
            if (s.wasmFile() != null) {
                if (!Files.exists(s.wasmFile())) {
                    fail(
                            s.wasmFile()
                                    + " is missing: build sdk-assemblyscript first (mvn install)");
                }
                return Files.readAllBytes(s.wasmFile());
            }
            // Bundled drivers are built into this module's classes by drivers/*/build.sh.
            try (InputStream in =
                    DriverVectorsTest.class.getResourceAsStream(
                            "/drivers/" + s.wasmName() + ".wasm")) {
                if (in == null) {
                    fail(
                            "drivers/"
                                    + s.wasmName()
                                    + ".wasm is not on the classpath: "
                                    + "the generate-resources build of drivers/"
                                    + s.wasmName()
                                    + " failed");
                }
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TestFactory
    List<DynamicNode> vectors() throws IOException {
        List<Suite> suites = suites();
        assertThat(suites)
                .as(
                        "vector files under drivers/*/vectors and"
                                + " sdk-assemblyscript/{examples,test/drivers}/*/vectors")
                .isNotEmpty();
        List<DynamicNode> nodes = new ArrayList<>();
        int vectorCount = 0;
        for (Suite s : suites) {
            // A malformed file (unknown call or field …) fails the whole run, loudly.
            JsonNode file = VectorRunner.read(s.file());
            assertThat(file.get("driver").asText())
                    .as("\"driver\" of %s", s.file())
                    .isEqualTo(s.wasmName());
            List<DynamicTest> tests = new ArrayList<>();
            for (ChicoryEngine.Mode mode : ChicoryEngine.Mode.values()) {
                tests.add(
                        DynamicTest.dynamicTest(
                                "\"driver\" is the manifest name ["
                                        + mode.name().toLowerCase(java.util.Locale.ROOT)
                                        + "]",
                                // As this host loads it: a CAN driver needs a v1.1 host.
                                () ->
                                        VectorRunner.checkDriver(
                                                hosts(s, mode).module(VectorRunner.HOST_MINOR),
                                                file)));
            }
            for (JsonNode v : file.get("vectors")) {
                String name = v.get("name").asText();
                // Both execution modes: a difference would be a compiler or JIT bug (the
                // research notes C2 miscompiles on Java 17 that Chicory works around).
                for (ChicoryEngine.Mode mode : ChicoryEngine.Mode.values()) {
                    tests.add(
                            DynamicTest.dynamicTest(
                                    name
                                            + " ["
                                            + mode.name().toLowerCase(java.util.Locale.ROOT)
                                            + "]",
                                    // As the host the vector asks for (VECTORS.md host_abi).
                                    () -> VectorRunner.run(hosts(s, mode), v)));
                }
                vectorCount++;
            }
            nodes.add(
                    DynamicContainer.dynamicContainer(
                            root().relativize(s.file()).toString(), tests));
        }
        assertThat(vectorCount).as("vectors found").isPositive();
        return nodes;
    }
}
