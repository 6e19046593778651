package io.weir.host.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.points.Point;
import java.util.List;
import org.bouncycastle.util.encoders.Hex;
import org.junit.jupiter.api.Test;

class PointBatchTest {
    /** The byte example of UPLINK.md §3.3, checked so the document cannot drift. */
    @Test
    void encodesTheDocumentedExample() throws Exception {
        List<Point> ps =
                List.of(
                        new Point("plc1", "temp", 21.5, 0x0000, 1_700_000_000_000L, null),
                        new Point("plc1", "run", true, 0x8000, 1_700_000_000_002L, "timeout"));
        byte[] b = PointBatch.encode(ps);
        String expected =
                "01" // format version
                        + "04" // four strings
                        + "04706c6331" // "plc1"
                        + "0474656d70" // "temp"
                        + "0372756e" // "run"
                        + "0774696d656f7574" // "timeout"
                        + "02" // two points
                        + "0000018bcfe56800" // base ts 1700000000000
                        + "00"
                        + "01"
                        + "00"
                        + "0000"
                        + "00"
                        + "04"
                        + "4035800000000000"
                        + "00"
                        + "02"
                        + "04"
                        + "8000"
                        + "04"
                        + "02";
        assertThat(Hex.toHexString(b)).isEqualTo(expected);
        List<Point> back = PointBatch.decode(b);
        assertThat(back.get(0).value()).isEqualTo(21.5);
        assertThat(back.get(1).error()).isEqualTo("timeout");
        assertThat(back.get(1).tsMillis()).isEqualTo(1_700_000_000_002L);
    }

    @Test
    void deflateRoundTripAndBombGuard() throws Exception {
        byte[] plain = PointBatch.encode(SamplePoints.all());
        assertThat(PointBatch.decode(PointBatch.inflate(PointBatch.deflate(plain, 1)))).hasSize(7);
        assertThatThrownBy(() -> PointBatch.inflate(new byte[] {1, 2, 3}))
                .isInstanceOf(PointBatch.MalformedBatch.class);
    }

    @Test
    void malformedInputsSayWhatIsWrong() {
        assertThatThrownBy(() -> PointBatch.decode(new byte[] {2}))
                .hasMessageContaining("format 2 unknown");
        assertThatThrownBy(() -> PointBatch.decode(new byte[] {1, 0x7f}))
                .hasMessageContaining("exceeds the remaining bytes");
        assertThatThrownBy(() -> PointBatch.decode(new byte[] {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5}))
                .hasMessageContaining("string reference 5 outside the table of 0");
    }

    @Test
    void rejectsUnsupportedValueTypes() {
        assertThatThrownBy(
                        () ->
                                PointBatch.encode(
                                        List.of(new Point("d", "p", new Object(), 0, 0, null))))
                .hasMessageContaining("cannot be uplinked");
    }
}
