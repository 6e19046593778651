package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.host.serial.PtyPair;
import io.weir.tools.CliRun;
import org.junit.jupiter.api.Test;

/**
 * {@code weir bench serial --json} end to end on ptys: the gateway (kernel, serial bus, session,
 * the WASM modbus driver) and the link alone take turns polling two j2mod RTU slaves over the paced
 * wire; progress on stderr, one object last.
 */
class BenchSerialCommandIT {

    @Test
    void theGatewayReadsRightValuesFromEverySlaveAndIsComparedWithTheLink() throws Exception {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
        CliRun r =
                CliRun.execute(
                        "bench",
                        "serial",
                        "--seconds",
                        "2",
                        "--devices",
                        "2",
                        "--registers",
                        "10",
                        "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err())
                .contains("bench serial: gateway 1/2 s, ")
                .contains("bench serial: gateway 2/2 s, ")
                .contains("bench serial: link 1/2 s, ")
                .contains("bench serial: link 2/2 s, ");
        String[] lines = r.out().strip().split("\n");
        JsonNode j = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(j.get("bench").asText()).isEqualTo("serial");
        assertThat(j.get("line").asText()).isEqualTo("115200 8E1");
        assertThat(j.get("request_bytes").asInt()).isEqualTo(8);
        assertThat(j.get("response_bytes").asInt()).isEqualTo(25);
        // 33 characters of 11 bits at 115200 baud and two 1750 µs silences: 6.651 ms a poll.
        assertThat(j.get("line_max_frames_per_s").asDouble()).isEqualTo(300.7);
        assertThat(j.get("rounds").asInt()).isEqualTo(1);
        for (String side : new String[] {"gateway", "link"}) {
            JsonNode s = j.get(side);
            // A transaction is an answer whose every register held the slave's value; each slave
            // was read right, and nothing was read wrong.
            assertThat(s.get("transactions").asLong()).as(side).isPositive();
            assertThat(s.get("transactions_per_device")).as(side).hasSize(2);
            for (JsonNode n : s.get("transactions_per_device")) {
                assertThat(n.asLong()).as(side + " per device").isPositive();
            }
            assertThat(s.get("wrong_values").asLong()).as(side).isZero();
            assertThat(s.get("bad").asLong()).as(side).isZero();
            assertThat(s.get("timeouts").asLong()).as(side).isZero();
            assertThat(s.get("unsolicited_bytes").asLong()).as(side).isZero();
            assertThat(s.get("fraction").asDouble()).as(side).isPositive();
            assertThat(s.get("seconds").asDouble()).as(side).isBetween(1.9, 2.5);
            // Where a poll's time went: the paced wire holds every exchange to at least its
            // frames' characters (3151 µs), and the bus keeps the silence before each request.
            JsonNode t = s.get("us_per_poll");
            assertThat(t.get("frames").asLong()).isEqualTo(3151);
            assertThat(t.get("exchange").asDouble()).as(side).isGreaterThanOrEqualTo(3151);
            assertThat(t.get("silence").asLong()).isEqualTo(1750);
            assertThat(t.get("idle").asDouble()).as(side).isNotNegative();
        }
        assertThat(j.get("gateway").get("protocol_errors").asLong()).isZero();
        assertThat(j.get("gateway").get("garbage_bytes").asLong()).isZero();
        // The top-level numbers are the gateway's.
        assertThat(j.get("transactions").asLong())
                .isEqualTo(j.get("gateway").get("transactions").asLong());
        assertThat(j.get("fraction").asDouble())
                .isEqualTo(j.get("gateway").get("fraction").asDouble());
        assertThat(j.get("wrong_values").asLong()).isZero();
        assertThat(j.get("gateway_of_link").asDouble()).isPositive();
    }
}
