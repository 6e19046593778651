package io.weir.host.poll;

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
    }

    private static final byte[] NONE = new byte[0];

    private int capacity;
    private byte[] pending = NONE;
    private int pendingLen;
    private long dropped;
    private boolean feeding;
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
        byte[] b;
        int o;
        int n;
        if (pendingLen == 0) {
            b = bytes;
            o = off;
            n = len;
        } else {
            ensure(pendingLen + len);
            System.arraycopy(bytes, off, pending, pendingLen, len);
            pendingLen += len;
            b = pending;
            o = 0;
            n = pendingLen;
        }
        feeding = true;
        boolean ok = false;
        try {
            while (n > 0 && !clearRequested) {
                int shown = Math.min(n, capacity);
                FrameLength f = decoder.frameLen(b, o, shown);
                if (f.kind() == FrameLength.Kind.COMPLETE) {
                    int frame = f.length();
                    boolean more = decoder.frame(b, o, frame);
                    o += frame;
                    n -= frame;
                    if (!more) {
                        break;
                    }
                } else if (f.kind() == FrameLength.Kind.RESYNC) {
                    dropped += f.skip();
                    o += f.skip();
                    n -= f.skip();
                } else if (shown == capacity) {
                    // NEED_MORE with a full rx: the frame can never fit.
                    dropped += shown;
                    o += shown;
                    n -= shown;
                } else {
                    break;
                }
            }
            ok = true;
        } finally {
            feeding = false;
            if (!ok || clearRequested) {
                clearRequested = false;
                dropped += n;
                pendingLen = 0;
            } else {
                keep(b, o, n);
            }
        }
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
