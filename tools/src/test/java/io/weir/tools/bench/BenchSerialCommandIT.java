package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.host.serial.PtyPair;
import io.weir.tools.CliRun;
import org.junit.jupiter.api.Test;

/** {@code weir bench serial --json}: runs, reports progress on stderr and one object last. */
class BenchSerialCommandIT {

    @Test
    void reportsTheFrameRateAgainstTheLine() throws Exception {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
        CliRun r = CliRun.execute("bench", "serial", "--seconds", "2", "--devices", "2", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("bench serial: 1/2 s, ").contains("bench serial: 2/2 s, ");
        String[] lines = r.out().strip().split("\n");
        JsonNode j = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(j.get("bench").asText()).isEqualTo("serial");
        assertThat(j.get("line").asText()).isEqualTo("115200 8E1");
        assertThat(j.get("request_bytes").asInt()).isEqualTo(8);
        assertThat(j.get("response_bytes").asInt()).isEqualTo(25);
        // 33 characters of 11 bits at 115200 baud and two 1750 µs silences: 6.651 ms a poll.
        assertThat(j.get("line_max_frames_per_s").asDouble()).isEqualTo(300.7);
        assertThat(j.get("transactions").asLong()).isPositive();
        assertThat(j.get("bad").asLong()).isZero();
        assertThat(j.get("unsolicited_bytes").asLong()).isZero();
        assertThat(j.get("fraction").asDouble()).isPositive();
    }

    @Test
    void theLinesMaximumFollowsTheModbusTiming() {
        // 9600 8N1: 10 bits a character, 3.5 characters of silence = 3.646 ms.
        double max =
                SerialBench.lineMaxFramesPerSecond(
                        new io.weir.host.serial.LineSettings(
                                9600, 8, io.weir.host.serial.LineSettings.Parity.NONE, 1),
                        8,
                        25);
        assertThat(max)
                .isCloseTo(
                        2 / (33 * 10 / 9600.0 + 2 * 0.0036458333),
                        org.assertj.core.data.Offset.offset(0.01));
    }
}
