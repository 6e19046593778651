package io.weir.host.uplink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.util.encoders.Hex;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class PointBatchTest {
    /** The byte example of UPLINK.md §3, spelled out field by field. */
    @Test
    void encodesTheDocumentedExample() throws Exception {
        List<Point> ps =
                List.of(
                        new Point(
                                "plc1", "temp", Value.f64(21.5), 0x0000, 1_700_000_000_000L, null),
                        new Point(
                                "plc1", "run", Value.TRUE, 0x8000, 1_700_000_000_002L, "timeout"));
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
        assertThat(back).isEqualTo(ps);
    }

    @Test
    void u64KeepsItsTypeAndAllSixtyFourBits() throws Exception {
        Point max = new Point("plc1", "counter", Value.u64(-1L), 0, 1_700_000_000_000L, null);
        byte[] b = PointBatch.encode(List.of(max));
        // tag 7, then 2^64-1 as an unsigned LEB128 varint: nine 0xff and a 0x01.
        assertThat(Hex.toHexString(b)).endsWith("07ffffffffffffffffff01");
        Point back = PointBatch.decode(b).get(0);
        assertThat(back.value()).isEqualTo(Value.u64(-1L));
        assertThat(((Value.U64) back.value()).bigValue().toString())
                .isEqualTo("18446744073709551615");
    }

    @Test
    void everyValueTypeRoundTripsAtItsExtremes() throws Exception {
        List<Point> ps = new ArrayList<>();
        long ts = Long.MIN_VALUE / 2;
        for (Value v : SamplePoints.extremes()) {
            ps.add(new Point("d", "p" + ps.size(), v, ps.size() % 3 * 0x4000, ts, null));
            ts = -ts + 7;
        }
        byte[] plain = PointBatch.encode(ps);
        assertThat(PointBatch.decode(plain)).isEqualTo(ps);
        assertThat(PointBatch.decode(PointBatch.inflate(PointBatch.deflate(plain, 6))))
                .isEqualTo(ps);
    }

    @Test
    void deflateRoundTripAndBombGuard() throws Exception {
        byte[] plain = PointBatch.encode(SamplePoints.all());
        assertThat(PointBatch.decode(PointBatch.inflate(PointBatch.deflate(plain, 1))))
                .isEqualTo(SamplePoints.all());
        assertThatThrownBy(() -> PointBatch.inflate(new byte[] {1, 2, 3}))
                .isInstanceOf(PointBatch.MalformedBatch.class);
        // A small deflate stream that inflates past the limit is refused, not inflated.
        byte[] bomb = PointBatch.deflate(new byte[PointBatch.MAX_PLAIN_BYTES + 1], 9);
        assertThat(bomb.length).isLessThan(100_000);
        assertThatThrownBy(() -> PointBatch.inflate(bomb))
                .isInstanceOf(PointBatch.MalformedBatch.class)
                .hasMessageContaining("inflates beyond " + PointBatch.MAX_PLAIN_BYTES);
    }

    @Test
    void malformedInputsSayWhatIsWrong() {
        assertThatThrownBy(() -> PointBatch.decode(new byte[] {2}))
                .hasMessageContaining("format 2 unknown");
        assertThatThrownBy(() -> PointBatch.decode(new byte[] {1, 0x7f}))
                .hasMessageContaining("exceeds the remaining bytes");
        assertThatThrownBy(() -> PointBatch.decode(new byte[] {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5}))
                .hasMessageContaining("string reference 5 outside the table of 0");
        byte[] ok = PointBatch.encode(List.of(new Point("d", "p", Value.TRUE, 0, 0, null)));
        byte[] badTag = ok.clone();
        badTag[badTag.length - 1] = 8;
        assertThatThrownBy(() -> PointBatch.decode(badTag))
                .hasMessageContaining("value type tag 8 unknown");
        byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 1);
        assertThatThrownBy(() -> PointBatch.decode(trailing))
                .hasMessageContaining("1 trailing bytes after 1 points");
    }

    /** The limit is inclusive: exactly MAX_PLAIN_BYTES inflate, one more byte does not. */
    @Test
    void inflateStopsExactlyAtTheLimit() throws Exception {
        byte[] atLimit = PointBatch.deflate(new byte[PointBatch.MAX_PLAIN_BYTES], 9);
        assertThat(PointBatch.inflate(atLimit)).hasSize(PointBatch.MAX_PLAIN_BYTES);
    }

    @Test
    void aTruncatedDeflateStreamIsRefused() {
        byte[] plain = PointBatch.encode(SamplePoints.all());
        byte[] deflated = PointBatch.deflate(plain, 1);
        for (int cut : new int[] {0, 1, deflated.length / 2, deflated.length - 1}) {
            assertThatThrownBy(() -> PointBatch.inflate(java.util.Arrays.copyOf(deflated, cut)))
                    .as("cut at %d of %d", cut, deflated.length)
                    .isInstanceOf(PointBatch.MalformedBatch.class)
                    .hasMessageContaining("deflate stream");
        }
    }

    /** LEB128 of a u64 takes at most 10 bytes; an 11th continuation byte is refused. */
    @Test
    void varintsLongerThanTenBytesAreRefused() throws Exception {
        byte[] tenBytes =
                Hex.decode(
                        "01"
                                + "01"
                                + "0161"
                                + "01"
                                + "0000000000000000"
                                + "00"
                                + "00"
                                + "00"
                                + "0000"
                                + "00"
                                + "07"
                                + "ffffffffffffffffff01");
        assertThat(PointBatch.decode(tenBytes).get(0).value()).isEqualTo(Value.u64(-1L));
        byte[] eleven =
                Hex.decode(
                        "01"
                                + "01"
                                + "0161"
                                + "01"
                                + "0000000000000000"
                                + "00"
                                + "00"
                                + "00"
                                + "0000"
                                + "00"
                                + "07"
                                + "ffffffffffffffffff8101");
        assertThatThrownBy(() -> PointBatch.decode(eleven))
                .isInstanceOf(PointBatch.MalformedBatch.class)
                .hasMessageContaining("varint longer than 10 bytes");
    }

    /** A reference equal to the table size is already outside it; size − 1 is the last entry. */
    @Test
    void stringReferencesStayInsideTheTable() throws Exception {
        String head = "01" + "02" + "0161" + "0162" + "01" + "0000000000000000";
        String tail = "0000" + "00" + "00";
        assertThat(PointBatch.decode(Hex.decode(head + "01" + "00" + "02" + tail)).get(0))
                .isEqualTo(new Point("b", "a", Value.NULL, 0, 0, "b"));
        assertThatThrownBy(() -> PointBatch.decode(Hex.decode(head + "02" + "00" + "00" + tail)))
                .hasMessageContaining("string reference 2 outside the table of 2");
        assertThatThrownBy(() -> PointBatch.decode(Hex.decode(head + "00" + "00" + "03" + tail)))
                .hasMessageContaining("string reference 2 outside the table of 2");
    }

    /** Large batches of long strings and extreme deltas grow the encoder's buffer many times. */
    @Test
    void largeBatchesWithLongStringsRoundTrip() throws Exception {
        List<Point> ps = new ArrayList<>();
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 2000; i++) {
            long ts = (i % 2 == 0) ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
            Value v =
                    switch (i % 4) {
                        case 0 -> Value.str("s".repeat(r.nextInt(300)));
                        case 1 -> Value.u64(r.nextLong());
                        case 2 -> Value.bytes(new byte[r.nextInt(200)]);
                        default -> Value.i64(r.nextLong());
                    };
            ps.add(new Point("device-" + "d".repeat(i % 97), "p" + i, v, i & 0xFFFF, ts, null));
        }
        assertThat(PointBatch.decode(PointBatch.encode(ps))).isEqualTo(ps);
    }

    /**
     * A timestamp delta of 2^63 takes a varint's full 10 bytes, and a one-byte value tag follows:
     * at some string-table length that tag is the first byte past the buffer's end. Every length up
     * to 600 round-trips.
     */
    @Test
    void aValueTagRightAfterATenByteDeltaFitsAtEveryBufferAlignment() throws Exception {
        for (int k = 0; k <= 600; k++) {
            List<Point> ps = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                long ts = i % 2 == 0 ? 0 : Long.MIN_VALUE;
                Value v = i % 2 == 0 ? Value.TRUE : Value.NULL;
                ps.add(new Point("d".repeat(k), "p", v, 0, ts, null));
            }
            assertThat(PointBatch.decode(PointBatch.encode(ps)))
                    .as("device of %d bytes", k)
                    .isEqualTo(ps);
        }
    }

    /** Any batch of any values round-trips, deflated or not. */
    @Test
    void anyBatchRoundTrips() {
        qt().withExamples(300)
                .forAll(points())
                .checkAssert(
                        ps -> {
                            try {
                                byte[] plain = PointBatch.encode(ps);
                                assertThat(PointBatch.decode(plain)).isEqualTo(ps);
                                assertThat(
                                                PointBatch.decode(
                                                        PointBatch.inflate(
                                                                PointBatch.deflate(plain, 1))))
                                        .isEqualTo(ps);
                            } catch (PointBatch.MalformedBatch e) {
                                throw new AssertionError(e);
                            }
                        });
    }

    /** Any truncation or byte flip of a valid batch is refused with a reason or decodes. */
    @Test
    void damagedBatchesAreRefusedWithAReasonNeverAnUncheckedException() {
        qt().withExamples(300)
                .forAll(points(), integers().between(0, 10_000), integers().between(0, 255))
                .checkAssert(
                        (ps, where, with) -> {
                            byte[] b = PointBatch.encode(ps);
                            int at = where % b.length;
                            byte[] cut = java.util.Arrays.copyOf(b, at);
                            byte[] flipped = b.clone();
                            flipped[at] ^= (byte) (with | 1);
                            for (byte[] damaged : List.of(cut, flipped)) {
                                try {
                                    PointBatch.decode(damaged);
                                } catch (PointBatch.MalformedBatch e) {
                                    assertThat(e.getMessage()).isNotBlank();
                                }
                            }
                        });
    }

    static Gen<Value> values() {
        Gen<Value> ints = longs().all().map(Value::i64);
        Gen<Value> uints = longs().all().map(Value::u64);
        Gen<Value> floats = longs().all().map(bits -> Value.f64(Double.longBitsToDouble(bits)));
        // Text as a driver can produce it: valid UTF-8 (§2.8), so no lone surrogates.
        Gen<Value> texts =
                strings()
                        .betweenCodePoints(0, 0x10FFFF)
                        .ofLengthBetween(0, 40)
                        .map(s -> (Value) Value.str(new String(s.getBytes(UTF_8), UTF_8)));
        Gen<Value> bytes =
                strings()
                        .basicLatinAlphabet()
                        .ofLengthBetween(0, 40)
                        .map(
                                s ->
                                        (Value)
                                                Value.bytes(
                                                        s.getBytes(
                                                                java.nio.charset.StandardCharsets
                                                                        .ISO_8859_1)));
        Gen<Value> fixed = Generate.pick(List.of(Value.NULL, Value.TRUE, Value.FALSE));
        return ints.mix(uints, 30).mix(floats, 30).mix(texts, 20).mix(bytes, 15).mix(fixed, 15);
    }

    static Gen<List<Point>> points() {
        Gen<Point> point =
                values().zip(
                                longs().between(-(1L << 50), 1L << 50),
                                integers().between(0, 0xFFFF),
                                (v, ts, q) ->
                                        new Point(
                                                "dev-" + (q % 3),
                                                "p" + (q % 17),
                                                v,
                                                q,
                                                ts,
                                                q % 2 == 0 ? null : "why " + (q % 5)));
        return org.quicktheories.generators.Generate.intArrays(
                        integers().between(0, 20), integers().all())
                .map(a -> a.length)
                .flatMap(n -> lists(point, n));
    }

    private static Gen<List<Point>> lists(Gen<Point> g, int n) {
        return rnd -> {
            List<Point> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(g.generate(rnd));
            }
            return out;
        };
    }
}
