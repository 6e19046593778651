package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.driver.DriverException;
import io.weir.host.driver.FrameLength;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The framer fed byte slices, as Netty's frame decoder tests feed theirs, with a made-up protocol:
 * a frame is {@code 0x7E, length n, n bytes}; anything else at the start is garbage to skip one
 * byte at a time; a length byte of 0xEE makes {@code frame_len} fail.
 */
class FramerTest {

    private final List<String> frames = new ArrayList<>();
    private final List<Integer> shown = new ArrayList<>();
    private boolean keepListening = true;

    private final Framer.Decoder decoder =
            new Framer.Decoder() {
                @Override
                public FrameLength frameLen(byte[] b, int off, int len) throws DriverException {
                    shown.add(len);
                    if (SILENT.contains(b[off] & 0xFF)) {
                        return FrameLength.needMore(0);
                    }
                    if ((b[off] & 0xFF) != 0x7E) {
                        return FrameLength.resync(1);
                    }
                    if (len < 2) {
                        return FrameLength.needMore(0);
                    }
                    if ((b[off + 1] & 0xFF) == 0xEE) {
                        throw new DriverException("weir_frame_len", -5, "bad length");
                    }
                    int n = 2 + (b[off + 1] & 0xFF);
                    return len >= n ? FrameLength.complete(n) : FrameLength.needMore(n);
                }

                @Override
                public boolean frame(byte[] b, int off, int len) {
                    frames.add(HexFormat.of().formatHex(b, off, off + len));
                    return keepListening;
                }

                /**
                 * Line silence (ABI §7.10): 0x5A n is a 2-byte frame, a lone 0x5A none; 0x00 is
                 * noise to skip; 0xDD is E_UNSUPPORTED, 0xEF E_PROTO.
                 */
                @Override
                public FrameLength frameEnd(byte[] b, int off, int len) throws DriverException {
                    ends.add(len);
                    int first = b[off] & 0xFF;
                    if (first == 0xDD) {
                        throw new DriverException("weir_frame_end", -7, "");
                    }
                    if (first == 0xEF) {
                        throw new DriverException("weir_frame_end", -5, "bad frame");
                    }
                    if (first == 0x5A) {
                        return len >= 2 ? FrameLength.complete(2) : FrameLength.needMore(0);
                    }
                    return FrameLength.resync(1);
                }
            };

    /** First bytes of frames that only line silence ends. */
    private static final java.util.Set<Integer> SILENT = java.util.Set.of(0x5A, 0x00, 0xDD, 0xEF);

    private final List<Integer> ends = new ArrayList<>();

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    private void feed(Framer f, String h) throws DriverException {
        byte[] b = hex(h);
        f.feed(b, 0, b.length, decoder);
    }

    @Test
    void wholeFramesInOneSlice() throws Exception {
        Framer f = new Framer(64);
        feed(f, "7e 02 aa bb 7e 01 cc");
        assertThat(frames).containsExactly("7e02aabb", "7e01cc");
        assertThat(f.pending()).isZero();
        assertThat(f.dropped()).isZero();
    }

    @Test
    void everySplitPointOfAStreamGivesTheSameFrames() throws Exception {
        byte[] stream = hex("01 7e 03 01 02 03 ff fe 7e 00 7e 02 0a 0b");
        for (int cut1 = 0; cut1 <= stream.length; cut1++) {
            for (int cut2 = cut1; cut2 <= stream.length; cut2++) {
                frames.clear();
                Framer f = new Framer(64);
                f.feed(stream, 0, cut1, decoder);
                f.feed(stream, cut1, cut2 - cut1, decoder);
                f.feed(stream, cut2, stream.length - cut2, decoder);
                assertThat(frames)
                        .as("cut at %d and %d", cut1, cut2)
                        .containsExactly("7e03010203", "7e00", "7e020a0b");
                assertThat(f.dropped()).as("garbage 01, ff, fe").isEqualTo(3);
                assertThat(f.pending()).isZero();
            }
        }
    }

    @Test
    void byteByByte() throws Exception {
        Framer f = new Framer(64);
        for (byte b : hex("7e 03 01 02 03")) {
            assertThat(frames).isEmpty();
            f.feed(new byte[] {b}, 0, 1, decoder);
        }
        assertThat(frames).containsExactly("7e03010203");
    }

    @Test
    void aPartialFrameWaitsAndOnlyItIsKept() throws Exception {
        Framer f = new Framer(64);
        feed(f, "7e 02 aa bb 7e 05 01");
        assertThat(frames).containsExactly("7e02aabb");
        assertThat(f.pending()).isEqualTo(3);
        feed(f, "02 03 04 05");
        assertThat(frames).containsExactly("7e02aabb", "7e050102030405");
        assertThat(f.pending()).isZero();
    }

    @Test
    void theDriverIsShownAtMostItsRxCapacity() throws Exception {
        Framer f = new Framer(4);
        feed(f, "7e 01 aa 7e 01 bb");
        assertThat(frames).containsExactly("7e01aa", "7e01bb");
        assertThat(shown).allMatch(n -> n <= 4);
    }

    @Test
    void aFrameLongerThanRxIsDroppedRatherThanStallingTheDevice() throws Exception {
        Framer f = new Framer(4);
        feed(f, "7e 09 01 02 03 04 05 06 07 08 09 7e 00");
        // The first 4 bytes can never complete: dropped; the rest resyncs to the next frame.
        assertThat(frames).containsExactly("7e00");
        assertThat(f.dropped()).isEqualTo(11);
    }

    @Test
    void framingStopsWhenNobodyListensAndKeepsTheRest() throws Exception {
        Framer f = new Framer(64);
        keepListening = false;
        feed(f, "7e 00 7e 00 7e");
        assertThat(frames).containsExactly("7e00");
        assertThat(f.pending()).isEqualTo(3);
        assertThat(f.clear()).isEqualTo(3);
        assertThat(f.dropped()).isEqualTo(3);
        assertThat(f.pending()).isZero();
    }

    @Test
    void clearFromInsideAFrameDropsTheRestWhenTheFeedEnds() throws Exception {
        Framer f = new Framer(64);
        Framer.Decoder clearing =
                new Framer.Decoder() {
                    @Override
                    public FrameLength frameLen(byte[] b, int off, int len) throws DriverException {
                        return decoder.frameLen(b, off, len);
                    }

                    @Override
                    public boolean frame(byte[] b, int off, int len) {
                        frames.add(HexFormat.of().formatHex(b, off, off + len));
                        assertThat(f.clear()).as("nothing counted mid-feed").isZero();
                        return true;
                    }
                };
        byte[] b = hex("7e 00 7e 01 aa 7e");
        f.feed(b, 0, b.length, clearing);
        assertThat(frames).containsExactly("7e00");
        assertThat(f.pending()).isZero();
        assertThat(f.dropped()).isEqualTo(4);
    }

    @Test
    void aFailingFrameLenDropsEverythingHeld() throws Exception {
        Framer f = new Framer(64);
        feed(f, "7e 05 01");
        assertThatThrownBy(() -> feed(f, "02 03 04 05 7e ee 00"))
                .isInstanceOf(DriverException.class);
        // The frame before the bad one was taken; the bad one and what follows it are dropped.
        assertThat(frames).containsExactly("7e050102030405");
        assertThat(f.pending()).isZero();
        assertThat(f.dropped()).isEqualTo(3);
        feed(f, "7e 00");
        assertThat(frames).containsExactly("7e050102030405", "7e00");
    }

    @Test
    void resetDropsWhatIsPendingAndTakesTheNewCapacity() throws Exception {
        Framer f = new Framer(64);
        feed(f, "7e 05 01 02");
        f.reset(3);
        assertThat(f.dropped()).isEqualTo(4);
        feed(f, "7e 01 aa");
        assertThat(frames).containsExactly("7e01aa");
        assertThatThrownBy(() -> f.reset(0)).hasMessageContaining("rx capacity must be ≥ 1");
    }

    @Test
    void aHandOverKeepsThePartialFrameForTheNextVersion() throws Exception {
        Framer f = new Framer(64);
        feed(f, "7e 03 01");
        f.handOver(16);
        assertThat(f.dropped()).isZero();
        assertThat(f.pending()).isEqualTo(3);
        feed(f, "02 03");
        assertThat(frames).containsExactly("7e03010203");
        assertThatThrownBy(() -> f.handOver(0)).hasMessageContaining("rx capacity must be ≥ 1");
    }

    @Test
    void aHandOverToASmallerRxDropsWhatNoLongerFits() throws Exception {
        Framer f = new Framer(64);
        feed(f, "7e 05 01 02");
        f.handOver(4);
        assertThat(f.pending()).as("exactly the new capacity still fits").isEqualTo(4);
        f.handOver(3);
        assertThat(f.dropped()).isEqualTo(4);
        assertThat(f.pending()).isZero();
        feed(f, "7e 01 aa");
        assertThat(frames).containsExactly("7e01aa");
        assertThat(shown).as("the driver is shown at most the new capacity").allMatch(n -> n <= 4);
    }

    @Test
    void noHandOverInsideAFeed() throws Exception {
        Framer f = new Framer(64);
        byte[] b = hex("7e 00");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        f.feed(
                b,
                0,
                b.length,
                new Framer.Decoder() {
                    @Override
                    public FrameLength frameLen(byte[] x, int off, int len) {
                        return FrameLength.complete(2);
                    }

                    @Override
                    public boolean frame(byte[] x, int off, int len) {
                        try {
                            f.handOver(8);
                        } catch (IllegalStateException e) {
                            thrown.set(e);
                        }
                        return true;
                    }
                });
        assertThat(thrown.get()).hasMessage("a hand-over happens between feeds");
    }

    @Test
    void theReceivedArrayIsFramedInPlaceWhenNothingIsPending() throws Exception {
        Framer f = new Framer(64);
        byte[] b = hex("7e 01 aa");
        byte[][] seen = new byte[1][];
        f.feed(
                b,
                0,
                b.length,
                new Framer.Decoder() {
                    @Override
                    public FrameLength frameLen(byte[] x, int off, int len) throws DriverException {
                        seen[0] = x;
                        return decoder.frameLen(x, off, len);
                    }

                    @Override
                    public boolean frame(byte[] x, int off, int len) {
                        return true;
                    }
                });
        assertThat(seen[0]).as("no copy on the way in").isSameAs(b);
        assertThat(Arrays.equals(b, hex("7e01aa"))).isTrue();
    }

    // ---- line silence (ABI v1.1 §7.10) -------------------------------------------------------

    @Test
    void silenceEndsThePendingFrame() throws Exception {
        Framer f = new Framer(64);
        feed(f, "5a 07");
        assertThat(frames).isEmpty();
        assertThat(f.pending()).isEqualTo(2);
        f.frameEnd(decoder);
        assertThat(frames).containsExactly("5a07");
        assertThat(f.pending()).isZero();
        assertThat(f.dropped()).isZero();
    }

    @Test
    void afterASilentFrameFrameLenRunsOnTheRestAndFrameEndAgainIfItWaits() throws Exception {
        Framer f = new Framer(64);
        feed(f, "5a 01 7e 01 aa 5a 02");
        f.frameEnd(decoder);
        assertThat(frames).containsExactly("5a01", "7e01aa", "5a02");
        assertThat(ends).as("frame_end on 7 bytes, then on the 2 left").containsExactly(7, 2);
    }

    @Test
    void frameEndZeroDropsEverythingPending() throws Exception {
        Framer f = new Framer(64);
        feed(f, "5a");
        f.frameEnd(decoder);
        assertThat(frames).isEmpty();
        assertThat(f.pending()).isZero();
        assertThat(f.dropped()).isEqualTo(1);
    }

    @Test
    void frameEndResyncSkipsAndGoesOn() throws Exception {
        Framer f = new Framer(64);
        feed(f, "00 00 5a 03");
        f.frameEnd(decoder);
        assertThat(frames).containsExactly("5a03");
        assertThat(f.dropped()).isEqualTo(2);
    }

    @Test
    void frameEndUnsupportedKeepsTheBytes() throws Exception {
        Framer f = new Framer(64);
        feed(f, "dd 01 02");
        assertThatThrownBy(() -> f.frameEnd(decoder)).isInstanceOf(DriverException.class);
        assertThat(f.pending()).isEqualTo(3);
        assertThat(f.dropped()).isZero();
        // They still frame when more bytes come.
        feed(f, "");
        assertThat(f.pending()).isEqualTo(3);
    }

    @Test
    void frameEndErrorDropsEverythingPending() throws Exception {
        Framer f = new Framer(64);
        feed(f, "ef 01 02");
        assertThatThrownBy(() -> f.frameEnd(decoder)).hasMessageContaining("bad frame");
        assertThat(f.pending()).isZero();
        assertThat(f.dropped()).isEqualTo(3);
    }

    @Test
    void nothingPendingMeansNoFrameEnd() throws Exception {
        Framer f = new Framer(64);
        feed(f, "7e 01 aa");
        f.frameEnd(decoder);
        assertThat(ends).isEmpty();
    }
}
