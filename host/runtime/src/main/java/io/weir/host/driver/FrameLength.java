package io.weir.host.driver;

/**
 * The answer of {@code weir_frame_len} (ABI §7.2) or {@code weir_frame_end} (§7.10).
 *
 * @param kind complete frame, more bytes needed, or resync. For {@code weir_frame_end}, {@link
 *     Kind#NEED_MORE} is its answer 0: the pending bytes are no frame, and since the line is silent
 *     there is nothing more to wait for, so the host drops them.
 * @param length for {@link Kind#COMPLETE}: the frame length
 * @param need for {@link Kind#NEED_MORE}: total bytes needed if known, else 0
 * @param skip for {@link Kind#RESYNC}: leading bytes to discard, ≥ 1
 * @param corr for {@link Kind#COMPLETE} with agreed version 1.1: the frame's correlation key {@code
 *     meta.corr} as a u32 (§7.12), 0 when the protocol has none or with agreed version 1.0
 */
public record FrameLength(Kind kind, int length, int need, int skip, long corr) {

    public enum Kind {
        COMPLETE,
        NEED_MORE,
        RESYNC
    }

    public FrameLength {
        if (corr < 0 || corr > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("a correlation key is a u32, got " + corr);
        }
    }

    public static FrameLength complete(int length) {
        return complete(length, 0);
    }

    /** A complete frame with its correlation key (ABI v1.1 §7.12). */
    public static FrameLength complete(int length, long corr) {
        return new FrameLength(Kind.COMPLETE, length, 0, 0, corr);
    }

    public static FrameLength needMore(int need) {
        return new FrameLength(Kind.NEED_MORE, 0, need, 0, 0);
    }

    public static FrameLength resync(int skip) {
        return new FrameLength(Kind.RESYNC, 0, 0, skip, 0);
    }
}
