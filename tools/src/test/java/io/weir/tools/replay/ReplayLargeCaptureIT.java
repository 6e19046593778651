package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay streams: a capture of a few hundred MB, written to disk by the test, replays in a child
 * JVM whose heap ({@value #HEAP}) could not hold half of it. Before streaming, a 100 MB file took
 * about 600 MB of heap. The heap also holds the driver instances of up to 4096 open connections:
 * the Modbus driver serves 64 devices an instance (its max_devices), so 64 instances' linear
 * memories and Chicory state (about 30 MB) come on top of what streaming needs. The child runs the
 * real {@code weir replay --json}; every count of the summary is checked against what the generator
 * wrote, and the time and peak heap are printed.
 *
 * <p>{@code -Dweir.large.connections=N} (default 6000, more than the 4096 connections the
 * reassembler tracks at once) and {@code -Dweir.large.bulkEvery=K} scale the file.
 */
class ReplayLargeCaptureIT {
    static final String HEAP = "-Xmx128m";

    @Test
    void aCaptureFarLargerThanTheHeapReplaysInBoundedMemory(@TempDir Path dir) throws Exception {
        int connections = Integer.getInteger("weir.large.connections", 6000);
        int bulkEvery = Integer.getInteger("weir.large.bulkEvery", 6);
        Path capture = dir.resolve("large.pcap");
        long t0 = System.nanoTime();
        Map<String, Long> expected = LargeCapture.write(capture, connections, 60, bulkEvery);
        long size = Files.size(capture);
        System.out.printf(
                "large capture: %d MB, %d frames, %d connections written in %.1f s%n",
                size >> 20, expected.get("frames"), connections, (System.nanoTime() - t0) / 1e9);
        assertThat(size).as("capture size").isGreaterThan(250L << 20);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                List.of(
                                        java,
                                        HEAP,
                                        "-XX:+UseSerialGC",
                                        "-cp",
                                        System.getProperty("java.class.path"),
                                        LargeReplayChild.class.getName(),
                                        capture.toString(),
                                        System.getProperty("weir.driver.modbus", "modbus")))
                        .redirectError(dir.resolve("child.err").toFile())
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("child finished").isTrue();
        String err = Files.readString(dir.resolve("child.err"));
        assertThat(p.exitValue()).as("child exit; stderr: %s", err).isZero();
        JsonNode result = new ObjectMapper().readTree(out);
        assertThat(result.get("exit").asInt()).as("weir replay exit: %s", result).isZero();
        assertThat(result.get("err").asText()).isEmpty();

        Map<String, Object> summary =
                new ObjectMapper()
                        .readValue(
                                result.get("summary").asText(),
                                new TypeReference<Map<String, Object>>() {});
        assertThat(summary.remove("kind")).isEqualTo("summary");
        Map<String, Long> got = new java.util.LinkedHashMap<>();
        summary.forEach((k, v) -> got.put(k, ((Number) v).longValue()));
        assertThat(got).isEqualTo(expected);
        // One line per point, unanswered request and gap, then the summary.
        assertThat(result.get("lines").asLong())
                .isEqualTo(
                        expected.get("points")
                                + expected.get("unanswered")
                                + expected.get("gaps")
                                + 1);
        System.out.printf(
                "replay of %d MB (%d frames, %d pairs) in a %s JVM: %.1f s; heap: at most %.1f MB"
                        + " in use after a collection, peak %.1f MB used of %.1f MB%n",
                size >> 20,
                expected.get("frames"),
                expected.get("pairs"),
                HEAP,
                result.get("seconds").asDouble(),
                result.get("peak_after_gc_bytes").asLong() / 1048576.0,
                result.get("peak_heap_bytes").asLong() / 1048576.0,
                result.get("max_heap_bytes").asLong() / 1048576.0);
    }
}
