package io.weir.drivers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.abi.AbiError;
import io.weir.abi.Quality;
import io.weir.abi.ValueType;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRecord;
import io.weir.host.driver.FrameLength;
import io.weir.host.driver.Request;
import io.weir.host.driver.Watchdog;
import io.weir.host.wasm.ChicoryEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every golden vector file (format: driver-abi/VECTORS.md) through the real host runtime:
 * Chicory's compiler, the ABI pre-flight, {@link DriverInstance}. The same files run in {@code
 * cargo test} and the AssemblyScript runner, so the three agree on every byte.
 */
class DriverVectorsTest {

    /** VECTORS.md: every step uses this {@code now_us}. */
    private static final long NOW_US = 1_700_000_000_000_000L;

    private static final int DEV = 0;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    private static final Map<Path, DriverModule> MODULES = new HashMap<>();

    /** The checkout root: the parent of this module. */
    private static Path root() {
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
        Path examples = root().resolve("sdk-assemblyscript").resolve("examples");
        if (Files.isDirectory(examples)) {
            try (Stream<Path> dirs = Files.list(examples)) {
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

    private static synchronized DriverModule module(Suite s, ChicoryEngine.Mode mode) {
        Path key =
                Path.of(
                        mode.name(),
                        s.wasmFile() != null
                                ? s.wasmFile().toString()
                                : "classpath-" + s.wasmName());
        return MODULES.computeIfAbsent(
                key,
                k ->
                        DriverModule.load(
                                new ChicoryEngine(mode),
                                s.wasmName(),
                                wasmBytes(s),
                                // The interpreter is ~100× slower: give it room.
                                mode == ChicoryEngine.Mode.COMPILED
                                        ? DriverModule.Limits.DEFAULT
                                        : new DriverModule.Limits(256, 5000, 5000),
                                Watchdog.shared()));
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
                        "vector files under drivers/*/vectors and sdk-assemblyscript/examples/*/vectors")
                .isNotEmpty();
        List<DynamicNode> nodes = new ArrayList<>();
        int vectorCount = 0;
        for (Suite s : suites) {
            JsonNode file = JSON.readTree(s.file().toFile());
            JsonNode vectors = file.get("vectors");
            assertThat(vectors).as("\"vectors\" in %s", s.file()).isNotNull();
            assertThat(file.path("driver").asText())
                    .as("\"driver\" of %s", s.file())
                    .isEqualTo(s.wasmName());
            List<DynamicTest> tests = new ArrayList<>();
            for (JsonNode v : vectors) {
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
                                    () -> run(module(s, mode), v)));
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

    private static void run(DriverModule module, JsonNode vector) throws Exception {
        DriverInstance d = module.instantiate("vectors");
        d.open(DEV, vector.get("config").asText(), NOW_US);
        int stepNo = 0;
        for (JsonNode step : vector.get("steps")) {
            stepNo++;
            String where = "step " + stepNo + " (" + step.get("call").asText() + ")";
            try {
                step(d, step, where);
            } catch (DriverException e) {
                if (step.has("expect_error")) {
                    assertThat(e.error().name())
                            .as(where + " error")
                            .isEqualTo(step.get("expect_error").asText());
                } else {
                    fail(where + ": unexpected " + e.getMessage());
                }
            }
            if (step.has("expect_last_error")) {
                assertThat(d.lastError(DEV))
                        .as(where + " weir_last_error")
                        .contains(step.get("expect_last_error").asText());
            }
        }
    }

    private static void step(DriverInstance d, JsonNode step, String where) throws DriverException {
        String call = step.get("call").asText();
        boolean expectsError = step.has("expect_error");
        switch (call) {
            case "poll" -> {
                Request r = d.poll(DEV, NOW_US);
                assertThat(HEX.formatHex(r.bytes()))
                        .as(where + " tx")
                        .isEqualTo(step.get("expect_hex").asText());
                if (step.has("expect_timeout_ms")) {
                    assertThat(r.timeoutMs())
                            .as(where + " timeout_ms")
                            .isEqualTo(step.get("expect_timeout_ms").asInt());
                }
            }
            case "observe" -> d.observe(DEV, hex(step));
            case "frame_len" -> {
                byte[] rx = hex(step);
                FrameLength f = d.frameLen(DEV, rx, 0, rx.length);
                if (expectsError) {
                    assertThat(step.get("expect_error").asText())
                            .as(where)
                            .isEqualTo(AbiError.E_RESYNC.name());
                    assertThat(f.kind()).as(where + " kind").isEqualTo(FrameLength.Kind.RESYNC);
                    if (step.has("expect_skip")) {
                        assertThat(f.skip())
                                .as(where + " skip")
                                .isEqualTo(step.get("expect_skip").asInt());
                    }
                    return;
                }
                int expected = step.get("expect_len").asInt();
                if (expected == 0) {
                    assertThat(f.kind()).as(where + " kind").isEqualTo(FrameLength.Kind.NEED_MORE);
                } else {
                    assertThat(f).as(where).isEqualTo(FrameLength.complete(expected));
                }
            }
            case "frame" -> {
                byte[] frame = hex(step);
                records(where, d.onFrame(DEV, frame, 0, frame.length, NOW_US), step);
            }
            case "timeout" -> records(where, d.onTimeout(DEV, NOW_US), step);
            case "write" -> {
                ValueType type = ValueType.byName(step.get("type").asText());
                Request r =
                        d.write(
                                DEV,
                                step.get("point").asInt(),
                                type,
                                writeValue(type, step.get("value"), where),
                                NOW_US);
                assertThat(HEX.formatHex(r.bytes()))
                        .as(where + " tx")
                        .isEqualTo(step.get("expect_hex").asText());
            }
            default -> fail(where + ": unknown call \"" + call + "\" (VECTORS.md)");
        }
        if (expectsError) {
            fail(
                    where
                            + ": expected "
                            + step.get("expect_error").asText()
                            + " but the call succeeded");
        }
    }

    private static long writeValue(ValueType type, JsonNode v, String where) {
        return switch (type) {
            case BOOL -> v.asBoolean() ? 1 : 0;
            case I64 -> v.longValue();
            case U64 -> v.bigIntegerValue().longValue();
            case F64 -> Double.doubleToRawLongBits(v.doubleValue());
            case NULL -> 0;
            default ->
                    throw new AssertionError(
                            where
                                    + ": writes of "
                                    + type
                                    + " need blob values, which vectors do not carry yet");
        };
    }

    private static byte[] hex(JsonNode step) {
        return HEX.parseHex(step.get("hex").asText());
    }

    private static void records(String where, List<DriverRecord> actual, JsonNode step) {
        if (!step.has("expect")) {
            return;
        }
        JsonNode expected = step.get("expect");
        assertThat(actual).as(where + " record count; got " + actual).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = expected.get(i);
            DriverRecord r = actual.get(i);
            String at = where + " record " + i;
            if (e.has("name")) {
                assertThat(r.name()).as(at + " name").isEqualTo(e.get("name").asText());
            } else {
                assertThat(r.named()).as(at + " is a named record").isFalse();
                assertThat(r.point()).as(at + " point").isEqualTo(e.get("point").asInt());
            }
            ValueType type = ValueType.byName(e.get("type").asText());
            assertThat(r.type()).as(at + " type").isEqualTo(type);
            assertThat(Quality.nameOf(r.quality()))
                    .as(at + " quality")
                    .isEqualTo(e.get("quality").asText());
            value(at, type, r.value(), e.get("value"));
        }
    }

    private static void value(String at, ValueType type, Object actual, JsonNode expected) {
        switch (type) {
            case NULL -> assertThat(actual).as(at + " value").isNull();
            case BOOL -> assertThat(actual).as(at + " value").isEqualTo(expected.asBoolean());
            case I64, U64 -> {
                BigInteger a =
                        actual instanceof BigInteger b ? b : BigInteger.valueOf((Long) actual);
                assertThat(a).as(at + " value").isEqualTo(expected.bigIntegerValue());
            }
            case F64 -> {
                double a = (Double) actual;
                double x = expected.doubleValue();
                // VECTORS.md: f64 equal within 1e-9 relative.
                double tolerance = Math.abs(x) * 1e-9;
                assertThat(Math.abs(a - x))
                        .as(at + " value " + a + " vs " + x)
                        .isLessThanOrEqualTo(tolerance);
            }
            case STR -> assertThat(actual).as(at + " value").isEqualTo(expected.asText());
            case BYTES ->
                    assertThat(HEX.formatHex((byte[]) actual))
                            .as(at + " value")
                            .isEqualTo(expected.asText());
        }
    }
}
