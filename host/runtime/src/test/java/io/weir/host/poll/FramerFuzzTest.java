package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.Abi;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Fixtures;
import io.weir.host.driver.FrameLength;
import io.weir.host.driver.Fuzz;
import io.weir.host.driver.Watchdog;
import io.weir.host.wasm.Engines;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

/**
 * Property test of the framing path (ABI §7.2): random byte streams — garbage, whole and cut
 * fixture frames, frames longer than {@code rx} — cut into random slices, through the {@link
 * Framer} and the real fixture driver's {@code weir_frame_len}. Whatever arrives, every byte is
 * accounted for (framed, dropped or pending), every frame is one the driver's framing allows, in
 * stream order, and nothing but the ABI's exceptions leaves the framer.
 */
class FramerFuzzTest {
    private static final long NOW = 1_700_000_000_000_000L;
    private static DriverModule module;

    @BeforeAll
    static void load() {
        module =
                DriverModule.load(
                        Engines.chicory(),
                        "fixture.wasm",
                        Fixtures.wasm("fixture"),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000),
                        Watchdog.shared());
    }

    /** A stream of fixture frames (some cut short), garbage and oversized frame headers. */
    private static Gen<byte[]> streams() {
        return in -> {
            ByteArrayOutputStream s = new ByteArrayOutputStream();
            int parts = (int) in.next(Constraint.between(0, 12));
            for (int p = 0; p < parts; p++) {
                switch ((int) in.next(Constraint.between(0, 4))) {
                    case 0 -> s.writeBytes(Fuzz.bytes(20).generate(in));
                    case 1, 2 -> {
                        long[] values = new long[(int) in.next(Constraint.between(0, 20))];
                        byte[] f = Fixtures.frame(values);
                        int cut =
                                in.next(Constraint.between(0, 5)) == 0
                                        ? (int) in.next(Constraint.between(0, f.length))
                                        : f.length;
                        s.write(f, 0, cut);
                    }
                    case 3 ->
                            s.writeBytes(
                                    Fixtures.command(
                                            (int) in.next(Constraint.between(0xF8, 0xFF))));
                    default -> {
                        // a count whose frame (2 + 8 n) is longer than rx (1024 bytes)
                        s.write(0xAA);
                        s.write((int) in.next(Constraint.between(128, 0xF6)));
                        s.writeBytes(new byte[(int) in.next(Constraint.between(0, 1100))]);
                    }
                }
            }
            return s.toByteArray();
        };
    }

    @Test
    void everyByteIsFramedDroppedOrPendingAndFramesAreTheDriversOwn() {
        Fuzz.theory(200)
                .forAll(streams(), Fuzz.ints(1, 64), Fuzz.ints(0, Integer.MAX_VALUE))
                .checkAssert(
                        (stream, maxSlice, seed) -> {
                            DriverInstance d = module.instantiate("framer-fuzz");
                            try {
                                d.open(0, "device\n", NOW);
                            } catch (DriverException e) {
                                throw new AssertionError(e);
                            }
                            Framer framer = new Framer(d.rxCapacity());
                            List<byte[]> frames = new ArrayList<>();
                            Framer.Decoder decoder =
                                    new Framer.Decoder() {
                                        @Override
                                        public FrameLength frameLen(byte[] b, int off, int len)
                                                throws DriverException {
                                            return d.frameLen(0, b, off, len);
                                        }

                                        @Override
                                        public boolean frame(byte[] b, int off, int len) {
                                            byte[] f = new byte[len];
                                            System.arraycopy(b, off, f, 0, len);
                                            frames.add(f);
                                            return true;
                                        }
                                    };
                            java.util.Random cut = new java.util.Random(seed);
                            int fed = 0;
                            while (fed < stream.length) {
                                int n = Math.min(stream.length - fed, 1 + cut.nextInt(maxSlice));
                                try {
                                    framer.feed(stream, fed, n, decoder);
                                } catch (DriverException e) {
                                    throw new AssertionError("the fixture's framing never errs", e);
                                }
                                fed += n;
                                long framed = frames.stream().mapToLong(f -> f.length).sum();
                                assertThat(framed + framer.dropped() + framer.pending())
                                        .as(
                                                "bytes accounted for after %d of %d",
                                                fed, stream.length)
                                        .isEqualTo(fed);
                                assertThat(framer.pending()).isLessThan(d.rxCapacity());
                            }
                            assertThat(d.dead()).isFalse();
                            int at = 0;
                            for (byte[] f : frames) {
                                assertThat(f[0]).isEqualTo((byte) 0xAA);
                                int count = f[1] & 0xFF;
                                int expected =
                                        count >= 0xF8 ? 2 : count == 0xF7 ? 10 : 2 + 8 * count;
                                assertThat(f.length).isEqualTo(expected);
                                // in stream order: each frame occurs after the previous one
                                int found = indexOf(stream, f, at);
                                assertThat(found).as("frame found in stream order").isNotNegative();
                                at = found + f.length;
                            }
                        });
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
