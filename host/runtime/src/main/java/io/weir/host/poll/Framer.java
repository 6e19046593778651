package io.weir.host.poll;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.FrameLength;

/**
 * Cuts a device's received byte stream into frames with the driver's {@code weir_frame_len} (ABI
 * §7.2), the way a Netty frame decoder cuts a channel's: bytes arrive in arbitrary slices, frames
 * leave whole, garbage is skipped and counted. No I/O and no driver of its own: the {@link Decoder}
 * it is given asks the driver and takes each frame.
 *
 * <p>Bytes are not copied on the way in when nothing is pending: the {@link Decoder} sees the
 * received array itself (and copies it once, into the driver's {@code rx}). Only a partial frame
 * left at the end of a slice is kept, in the framer's own buffer.
 */
public final class Framer {

    /** What the framer asks and tells. */
    public interface Decoder {
        /** {@code weir_frame_len} over {@code bytes[off .. off+len]}. */
        FrameLength frameLen(byte[] bytes, int off, int len) throws DriverException;

        /**
         * A complete frame {@code bytes[off .. off+len]}.
         *
         * @return whether to go on framing the bytes after it (false when nobody listens any more,
         *     e.g. the request was answered and none is outstanding)
         */
        boolean frame(byte[] bytes, int off, int len);

        /**
         * {@code weir_frame_end} over {@code bytes[off .. off+len]} (ABI v1.1 §7.10); a decoder
         * whose driver does not frame by silence answers {@code E_UNSUPPORTED}.
         */
        default FrameLength frameEnd(byte[] bytes, int off, int len) throws DriverException {
            throw new DriverException(
                    Abi.Export.FRAME_END.exportName(), AbiError.E_UNSUPPORTED.code(), "");
        }
    }

    private static final byte[] NONE = new byte[0];

    private int capacity;
    private byte[] pending = NONE;
    private int pendingLen;
    private long dropped;
    private boolean feeding;

    /** During a feed: the bytes being framed, from {@link #at}, {@link #left} of them. */
    private byte[] buf = NONE;

    private int at;
    private int left;
    private boolean clearRequested;

    /**
     * @param capacity the most bytes {@code weir_frame_len} may be shown at once: the driver's
     *     {@code rx} capacity
     */
    public Framer(int capacity) {
        reset(capacity);
    }

    /** Drops what is pending (counted) and takes a new capacity, for a new driver instance. */
    public void reset(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("rx capacity must be ≥ 1, got " + capacity);
        }
        clear();
        this.capacity = capacity;
    }

    /**
     * Takes a new capacity and keeps what is pending, for the next version of the same driver after
     * a hot swap (ABI §7.7): the start of a frame the line has begun to carry belongs to the new
     * version. Pending bytes more than the new capacity are dropped (counted).
     */
    public void handOver(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("rx capacity must be ≥ 1, got " + capacity);
        }
        if (feeding) {
            throw new IllegalStateException("a hand-over happens between feeds");
        }
        if (pendingLen > capacity) {
            clear();
        }
        this.capacity = capacity;
    }

    /**
     * Frames {@code bytes[off .. off+len]} after what is pending. A frame longer than the capacity
     * that the driver still wants more of is dropped: §7.2 says it must resync instead, and waiting
     * would stall the device.
     *
     * @throws DriverException from {@code weir_frame_len}; everything pending is dropped
     */
    public void feed(byte[] bytes, int off, int len, Decoder decoder) throws DriverException {
        if (len == 0) {
            return;
        }
        if (pendingLen == 0) {
            buf = bytes;
            at = off;
            left = len;
        } else {
            ensure(pendingLen + len);
            System.arraycopy(bytes, off, pending, pendingLen, len);
            pendingLen += len;
            buf = pending;
            at = 0;
            left = pendingLen;
        }
        feeding = true;
        boolean ok = false;
        try {
            frameLenRounds(decoder);
            ok = true;
        } finally {
            finish(ok);
        }
    }

    /**
     * The line fell silent with bytes pending that {@code weir_frame_len} has not completed (ABI
     * v1.1 §7.10): {@code weir_frame_end} over them. A frame it finds is decoded like any other,
     * then {@code weir_frame_len} runs on what remains and {@code weir_frame_end} again at once if
     * that wants more; its answer 0 drops the pending bytes, {@code E_RESYNC} drops {@code skip} of
     * them (all counted as garbage). Each round drops at least one byte, so it ends.
     *
     * @throws DriverException from {@code weir_frame_end} or {@code weir_frame_len}: {@code
     *     E_UNSUPPORTED} from {@code weir_frame_end} keeps the bytes (they wait, as without it);
     *     any other error drops everything pending
     */
    public void frameEnd(Decoder decoder) throws DriverException {
        if (pendingLen == 0 || feeding) {
            return;
        }
        buf = pending;
        at = 0;
        left = pendingLen;
        feeding = true;
        boolean ok = false;
        try {
            while (left > 0 && !clearRequested) {
                FrameLength f;
                try {
                    f = decoder.frameEnd(buf, at, Math.min(left, capacity));
                } catch (DriverException e) {
                    ok = e.error() == AbiError.E_UNSUPPORTED;
                    throw e;
                }
                if (f.kind() == FrameLength.Kind.COMPLETE) {
                    int frame = f.length();
                    boolean more = decoder.frame(buf, at, frame);
                    at += frame;
                    left -= frame;
                    if (!more || !frameLenRounds(decoder)) {
                        break;
                    }
                } else if (f.kind() == FrameLength.Kind.RESYNC) {
                    drop(f.skip());
                    if (!frameLenRounds(decoder)) {
                        break;
                    }
                } else {
                    // 0: the bytes are no frame (noise, a frame cut short), and none will follow.
                    drop(left);
                }
            }
            ok = true;
        } finally {
            finish(ok);
        }
    }

    /**
     * {@code weir_frame_len} rounds over {@code buf[at .. at+left]} until it wants more bytes.
     *
     * @return false if the decoder said to stop framing after a frame
     */
    private boolean frameLenRounds(Decoder decoder) throws DriverException {
        while (left > 0 && !clearRequested) {
            int shown = Math.min(left, capacity);
            FrameLength f = decoder.frameLen(buf, at, shown);
            if (f.kind() == FrameLength.Kind.COMPLETE) {
                int frame = f.length();
                boolean more = decoder.frame(buf, at, frame);
                at += frame;
                left -= frame;
                if (!more) {
                    return false;
                }
            } else if (f.kind() == FrameLength.Kind.RESYNC) {
                drop(f.skip());
            } else if (shown == capacity) {
                // NEED_MORE with a full rx: the frame can never fit.
                drop(shown);
            } else {
                return true;
            }
        }
        return true;
    }

    private void drop(int n) {
        dropped += n;
        at += n;
        left -= n;
    }

    /** Ends a feed: keeps what is left (or drops it after an error or a clear). */
    private void finish(boolean ok) {
        feeding = false;
        byte[] b = buf;
        buf = NONE;
        if (!ok || clearRequested) {
            clearRequested = false;
            dropped += left;
            pendingLen = 0;
        } else {
            keep(b, at, left);
        }
        left = 0;
    }

    private void keep(byte[] b, int o, int n) {
        if (b == pending) {
            System.arraycopy(pending, o, pending, 0, n);
        } else {
            ensure(n);
            System.arraycopy(b, o, pending, 0, n);
        }
        pendingLen = n;
        if (n == 0 && pending.length > capacity) {
            pending = NONE; // a burst grew the buffer; do not keep it
        }
    }

    private void ensure(int n) {
        if (pending.length < n) {
            pending = java.util.Arrays.copyOf(pending, Math.max(n, Math.min(capacity, 2 * n)));
        }
    }

    /** Bytes waiting for the rest of their frame. */
    public int pending() {
        return pendingLen;
    }

    /**
     * Drops what is pending and counts it. Safe to call from inside {@link Decoder#frame}: the
     * bytes after the current frame are then dropped too, when the feed returns.
     *
     * @return the bytes dropped now (0 when called during a feed: they are counted as it ends)
     */
    public int clear() {
        if (feeding) {
            clearRequested = true;
            return 0;
        }
        int n = pendingLen;
        dropped += n;
        pendingLen = 0;
        return n;
    }

    /** All bytes dropped so far: resync skips, frames too long for rx, cleared leftovers. */
    public long dropped() {
        return dropped;
    }
}
