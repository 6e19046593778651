package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Properties of the ABI's codecs over generated inputs: the §5 config text, the §4 layout and the
 * §6 point record round-trip, and any input either parses or is refused with a reason — never
 * another exception.
 */
class CodecPropertiesTest {

    private static final String KEY_CHARS =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

    private static final String VALUE_CHARS;

    static {
        StringBuilder printable = new StringBuilder();
        for (char c = 0x21; c <= 0x7E; c++) {
            if (c != '=') {
                printable.append(c);
            }
        }
        VALUE_CHARS = printable.toString();
    }

    private static String pick(String chars, int n, java.util.Random r) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(chars.charAt(r.nextInt(chars.length())));
        }
        return b.toString();
    }

    /** §5 pairs: keys of 1*( ALPHA / DIGIT / "_" / "-" / "." ), values printable without '='. */
    private static Map<String, String> pairs(java.util.Random r) {
        Map<String, String> m = new LinkedHashMap<>();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            String key = pick(KEY_CHARS, 1 + r.nextInt(12), r);
            if (!key.startsWith(Abi.HOST_KEY_PREFIX)) {
                m.put(key, pick(VALUE_CHARS, 1 + r.nextInt(20), r));
            }
        }
        return m;
    }

    /** A config from a seed, so that QuickTheories' seeds make it reproducible. */
    private static Gen<DeviceConfig> configs() {
        return longs().all()
                .map(
                        seed -> {
                            java.util.Random r = new java.util.Random(seed);
                            Map<String, String> device = pairs(r);
                            List<Map<String, String>> points = new ArrayList<>();
                            int n = r.nextInt(7);
                            for (int i = 0; i < n; i++) {
                                points.add(pairs(r));
                            }
                            return new DeviceConfig(device, points);
                        });
    }

    @Test
    void configTextRoundTrips() {
        qt().withExamples(500)
                .forAll(configs())
                .checkAssert(
                        c -> {
                            DeviceConfig back = DeviceConfig.parse(c.text());
                            assertThat(back).isEqualTo(c);
                            assertThat(back.text()).isEqualTo(c.text());
                            assertThat(back.bytes())
                                    .isEqualTo(c.text().getBytes(StandardCharsets.UTF_8));
                        });
    }

    @Test
    void anyTextParsesOrIsRefusedWithALineNumberedReason() {
        qt().withExamples(2000)
                .forAll(
                        configs(),
                        integers().between(0, 400),
                        strings().allPossible().ofLengthBetween(0, 3))
                .checkAssert(
                        (c, at, insert) -> {
                            String t = c.text();
                            int i = Math.min(at, t.length());
                            String damaged = t.substring(0, i) + insert + t.substring(i);
                            try {
                                DeviceConfig.parse(damaged);
                            } catch (IllegalArgumentException e) {
                                assertThat(e.getMessage()).isNotBlank();
                            }
                        });
    }

    @Test
    void layoutEncodesAndDecodesEveryU32() {
        qt().withExamples(1000)
                .forAll(longs().between(0, 0xFFFF_FFFFL), longs().all())
                .checkAssert(
                        (first, seed) -> {
                            java.util.Random r = new java.util.Random(seed);
                            long[] f = new long[16];
                            f[0] = first;
                            for (int i = 1; i < 16; i++) {
                                f[i] = r.nextLong() & 0xFFFF_FFFFL;
                            }
                            Layout l =
                                    new Layout(
                                            f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8],
                                            f[9], f[10], f[11], f[12], f[13], f[14], f[15]);
                            byte[] b = l.encode();
                            assertThat(b).hasSize(Abi.LAYOUT_SIZE);
                            assertThat(Layout.decode(b, 0)).isEqualTo(l);
                            // Any memory size: valid or refused naming a field, nothing else.
                            try {
                                l.validate(1024, r.nextLong() & 0xFFFF_FFFFFL);
                            } catch (Layout.InvalidLayoutException e) {
                                assertThat(e.getMessage()).isNotBlank();
                            }
                        });
    }

    @Test
    void pointRecordsRoundTripEveryField() {
        qt().withExamples(1000)
                .forAll(longs().between(0, 0xFFFF_FFFFL), longs().all(), longs().all())
                .checkAssert(
                        (point, a, value) -> {
                            PointRecord r =
                                    new PointRecord(
                                            point,
                                            (int) (a & 0xFF),
                                            (int) ((a >>> 8) & 0xFF),
                                            (int) ((a >>> 16) & 0xFFFF),
                                            a >> 13,
                                            value);
                            byte[] b = new byte[Abi.RECORD_SIZE + 5];
                            r.encode(b, 5);
                            assertThat(PointRecord.decode(b, 5)).isEqualTo(r);
                        });
    }
}
