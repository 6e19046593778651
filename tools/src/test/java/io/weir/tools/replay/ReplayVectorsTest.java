package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.abi.AbiError;
import io.weir.abi.FrameFlag;
import io.weir.abi.Quality;
import io.weir.abi.RecordFlag;
import io.weir.host.driver.DriverRecord;
import io.weir.host.points.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link ReplayVectors} makes of each driver answer, through {@link ReplayEngine} with a
 * scripted driver: the steps, the records, and where a vector has to end early. That the vectors of
 * a real driver pass is {@code ReplayVectorsIT}.
 */
class ReplayVectorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1_600_000_000_000_000L;

    @TempDir Path tmp;

    /** A driver that answers from a script: observe and on_frame outcomes in order. */
    private static final class Scripted implements ReplayDriver {
        final Deque<Outcome> observes = new ArrayDeque<>();
        final Deque<Outcome> frames = new ArrayDeque<>();
        boolean unsolicited;

        @Override
        public int open(String config) {
            return 0;
        }

        @Override
        public Framing frameLen(int dev, byte[] rx, int off, int len) {
            return new Framing(len, 0);
        }

        @Override
        public Outcome observe(int dev, byte[] request) {
            return observes.isEmpty() ? new Outcome(0, List.of(), null) : observes.poll();
        }

        @Override
        public Outcome onFrame(int dev, byte[] response, long nowUs) {
            return frames.poll();
        }

        @Override
        public boolean decodesUnsolicited() {
            return unsolicited;
        }

        @Override
        public void close(int dev) {}

        @Override
        public void close() {}
    }

    private static ReplayDriver.Decoded decoded(DriverRecord r) {
        return new ReplayDriver.Decoded(
                r.named() ? r.name() : "#" + r.point(),
                r.value(),
                r.quality(),
                r.tsUs() / 1000,
                null,
                r.flags(),
                r);
    }

    private static ReplayDriver.Outcome records(DriverRecord... rs) {
        List<ReplayDriver.Decoded> d = new ArrayList<>();
        for (DriverRecord r : rs) {
            d.add(decoded(r));
        }
        return new ReplayDriver.Outcome(rs.length, d, null);
    }

    private static DriverRecord good(int point, Value v) {
        return new DriverRecord(point, null, v, Quality.GOOD.code(), T0);
    }

    private final Scripted driver = new Scripted();
    private final ReplayEngine engine =
            new ReplayEngine(driver, "device\n", line -> {}, new ReplaySummary(), 16);

    private void pair(ReplayEngine.Conversation c, int frame, long atUs, byte req, byte resp) {
        c.request(engine.framed(new byte[] {req}, frame, null, T0 + atUs, 0));
        c.response(engine.framed(new byte[] {resp}, frame + 1, null, T0 + atUs, 0));
    }

    private JsonNode written(ReplayVectors v) throws Exception {
        Path f = tmp.resolve("v.json");
        v.write(f);
        return JSON.readTree(f.toFile());
    }

    @Test
    void everyDriverAnswerBecomesAStep() throws Exception {
        ReplayVectors v =
                new ReplayVectors("probe", 1, "device weir.transport=tcp\n", "c.pcap", 10);
        engine.vectors(v);
        driver.observes.add(
                new ReplayDriver.Outcome(AbiError.E_UNSUPPORTED.code(), List.of(), "no"));
        driver.frames.add(
                records(
                        good(0, new Value.U64(-1L)),
                        new DriverRecord(-1, "a/1", new Value.Str("x"), Quality.GOOD.code(), T0),
                        new DriverRecord(
                                2,
                                null,
                                new Value.Bytes(new byte[] {(byte) 0xab}),
                                Quality.BAD_DEVICE.code(),
                                123_456L,
                                RecordFlag.DEVICE_TS.mask())));
        driver.frames.add(new ReplayDriver.Outcome(AbiError.E_PROTO.code(), List.of(), "bad"));
        ReplayEngine.Conversation c = engine.conversation("10.0.0.1:502");
        pair(c, 1, 0, (byte) 1, (byte) 2);
        pair(c, 3, 2_500, (byte) 3, (byte) 4);
        pair(c, 5, 1_000, (byte) 5, (byte) 6);
        c.finish("end");
        JsonNode vec = written(v).get("vectors").get(0);
        assertThat(vec.get("config").asText()).isEqualTo("device weir.transport=tcp\n");
        assertThat(vec.get("host_abi").asText()).isEqualTo("1.1");
        assertThat(vec.get("source").asText())
                .isEqualTo(
                        "weir replay of c.pcap frames 1, 3-4, 5-6 (a-b: a request and its response;"
                                + " device 10.0.0.1:502)");
        JsonNode steps = vec.get("steps");
        assertThat(steps).hasSize(5);
        assertThat(steps.get(0).toString())
                .isEqualTo(
                        "{\"call\":\"observe\",\"hex\":\"01\",\"expect_error\":\"E_UNSUPPORTED\"}");
        assertThat(steps.get(1).toString()).isEqualTo("{\"call\":\"observe\",\"hex\":\"03\"}");
        assertThat(steps.get(2).toString())
                .isEqualTo(
                        "{\"call\":\"frame\",\"hex\":\"04\",\"expect\":["
                                + "{\"point\":0,\"type\":\"u64\",\"value\":18446744073709551615,"
                                + "\"quality\":\"GOOD\"},"
                                + "{\"name\":\"a/1\",\"type\":\"str\",\"value\":\"x\","
                                + "\"quality\":\"GOOD\"},"
                                + "{\"point\":2,\"type\":\"bytes\",\"value\":\"ab\","
                                + "\"quality\":\"BAD_DEVICE\",\"ts_us\":123456}]}");
        // Capture time moves on; a frame stamped earlier does not take the clock back.
        assertThat(steps.get(4).toString())
                .isEqualTo("{\"call\":\"frame\",\"hex\":\"06\",\"expect_error\":\"E_PROTO\"}");
        assertThat(v.exchanges()).isEqualTo(3);
        assertThat(v.notWritten()).isZero();
    }

    @Test
    void atMsFollowsTheCaptureClockAndNeverGoesBack() throws Exception {
        ReplayVectors v = new ReplayVectors("probe", 1, "device\n", "c.pcap", 10);
        engine.vectors(v);
        for (int i = 0; i < 3; i++) {
            driver.frames.add(records(good(0, Value.NULL)));
        }
        ReplayEngine.Conversation c = engine.conversation("d");
        pair(c, 1, 0, (byte) 1, (byte) 2);
        pair(c, 3, 2_999, (byte) 3, (byte) 4);
        pair(c, 5, 1_000, (byte) 5, (byte) 6);
        c.finish("end");
        JsonNode steps = written(v).get("vectors").get(0).get("steps");
        assertThat(steps.get(1).has("at_ms")).isFalse();
        assertThat(steps.get(3).get("at_ms").asLong()).isEqualTo(2);
        assertThat(steps.get(5).get("at_ms").asLong()).isEqualTo(2);
    }

    @Test
    void notAnswerFlagsAndUnsolicitedFramesAndStatusRecords() throws Exception {
        ReplayVectors v = new ReplayVectors("probe", 1, "device\n", "c.pcap", 10);
        engine.vectors(v);
        driver.unsolicited = true;
        ReplayDriver.Outcome notAnswer =
                new ReplayDriver.Outcome(
                        1,
                        List.of(decoded(good(0, new Value.Bool(true)))),
                        null,
                        FrameFlag.NOT_ANSWER.mask());
        driver.frames.add(notAnswer);
        driver.frames.add(
                records(
                        new DriverRecord(
                                0,
                                null,
                                new Value.I64(-5),
                                Quality.GOOD.code(),
                                T0,
                                RecordFlag.WRITE_RESULT.mask())));
        driver.frames.add(
                records(
                        new DriverRecord(
                                0,
                                null,
                                new Value.F64(1.5),
                                Quality.GOOD.code(),
                                T0,
                                RecordFlag.DEVICE_STATUS.mask())));
        ReplayEngine.Conversation c = engine.conversation("d");
        c.request(engine.framed(new byte[] {1}, 1, null, T0, 0));
        c.response(engine.framed(new byte[] {2}, 2, null, T0, 0));
        c.response(engine.framed(new byte[] {3}, 3, null, T0, 0));
        c.unsolicitedReading(engine.framed(new byte[] {4}, 4, null, T0, 0));
        c.finish("end");
        JsonNode steps = written(v).get("vectors").get(0).get("steps");
        assertThat(steps).hasSize(5);
        assertThat(steps.get(1).get("expect_frame_flags").toString()).isEqualTo("[\"NOT_ANSWER\"]");
        // The request still waits after a reading that is not its answer: observed again.
        assertThat(steps.get(2).toString()).isEqualTo("{\"call\":\"observe\",\"hex\":\"01\"}");
        assertThat(steps.get(3).get("expect").get(0).get("write_result").asBoolean()).isTrue();
        assertThat(steps.get(3).has("expect_frame_flags")).isFalse();
        assertThat(steps.get(4).get("call").asText()).isEqualTo("unsolicited");
        assertThat(steps.get(4).get("expect").get(0).toString())
                .isEqualTo(
                        "{\"device_status\":true,\"type\":\"f64\",\"value\":1.5,"
                                + "\"quality\":\"GOOD\"}");
    }

    @Test
    void aNaNOrATrapEndsThatVectorOnlyAndIsCounted() throws Exception {
        ReplayVectors v = new ReplayVectors("probe", 1, "device\n", "c.pcap", 10);
        engine.vectors(v);
        driver.frames.add(records(good(0, new Value.F64(1))));
        driver.frames.add(records(good(0, new Value.F64(Double.NaN))));
        driver.frames.add(records(good(0, new Value.F64(2))));
        driver.frames.add(
                new ReplayDriver.Outcome(AbiError.E_INTERNAL.code(), List.of(), "trapped"));
        driver.frames.add(records(good(0, new Value.F64(3))));
        ReplayEngine.Conversation a = engine.conversation("a");
        ReplayEngine.Conversation b = engine.conversation("b");
        pair(a, 1, 0, (byte) 1, (byte) 2);
        pair(a, 3, 0, (byte) 3, (byte) 4);
        pair(b, 5, 0, (byte) 5, (byte) 6);
        pair(b, 7, 0, (byte) 7, (byte) 8);
        pair(a, 9, 0, (byte) 9, (byte) 10);
        a.finish("end");
        b.finish("end");
        assertThat(v.exchanges()).isEqualTo(2);
        assertThat(v.notWritten()).isEqualTo(3);
        assertThat(v.firstOmission()).isEqualTo("frame 4: f64 NaN has no JSON number");
        JsonNode vectors = written(v).get("vectors");
        assertThat(vectors).hasSize(2);
        assertThat(vectors.get(0).get("steps")).hasSize(2);
        assertThat(vectors.get(0).get("source").asText())
                .endsWith("; ends early: frame 4: f64 NaN has no JSON number");
        assertThat(vectors.get(1).get("steps")).hasSize(2);
        assertThat(vectors.get(1).get("source").asText()).contains("(a trap)");
    }

    @Test
    void theCapCountsExchangesOfTheWholeFile() throws Exception {
        ReplayVectors v = new ReplayVectors("probe", 1, "device\n", "c.pcap", 2);
        engine.vectors(v);
        for (int i = 0; i < 4; i++) {
            driver.frames.add(records(good(0, new Value.U64(i))));
        }
        ReplayEngine.Conversation a = engine.conversation("a");
        pair(a, 1, 0, (byte) 1, (byte) 2);
        pair(a, 3, 0, (byte) 3, (byte) 4);
        pair(a, 5, 0, (byte) 5, (byte) 6);
        a.finish("end");
        ReplayEngine.Conversation b = engine.conversation("b");
        pair(b, 7, 0, (byte) 7, (byte) 8);
        b.finish("end");
        assertThat(v.exchanges()).isEqualTo(2);
        assertThat(v.notWritten()).isEqualTo(2);
        assertThat(v.firstOmission()).isEqualTo("--vectors-max 2 exchanges written");
        assertThat(written(v).get("vectors")).hasSize(1);
        assertThatThrownBy(() -> new ReplayVectors("p", 1, "device\n", "c", 0))
                .hasMessageContaining("at least one exchange");
    }

    @Test
    void aV10HostWritesNoHostAbiAndTheFileIsReplacedWhole() throws Exception {
        ReplayVectors v = new ReplayVectors("probe", 0, "device\n", "c.pcap", 5);
        engine.vectors(v);
        driver.frames.add(records(good(0, new Value.U64(7))));
        ReplayEngine.Conversation a = engine.conversation("a");
        pair(a, 1, 0, (byte) 1, (byte) 2);
        a.finish("end");
        Path f = tmp.resolve("v.json");
        Files.writeString(f, "old");
        assertThat(v.write(f)).isEqualTo(1);
        JsonNode doc = JSON.readTree(f.toFile());
        assertThat(doc.get("driver").asText()).isEqualTo("probe");
        assertThat(doc.get("vectors").get(0).has("host_abi")).isFalse();
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("v.json");
        }
    }
}
