package io.weir.host.driver;

/**
 * The answer of {@code weir_frame_len} (ABI §7.2).
 *
 * @param kind complete frame, more bytes needed, or resync
 * @param length for {@link Kind#COMPLETE}: the frame length
 * @param need for {@link Kind#NEED_MORE}: total bytes needed if known, else 0
 * @param skip for {@link Kind#RESYNC}: leading bytes to discard, ≥ 1
 */
public record FrameLength(Kind kind, int length, int need, int skip) {

    public enum Kind {
        COMPLETE,
        NEED_MORE,
        RESYNC
    }

    public static FrameLength complete(int length) {
        return new FrameLength(Kind.COMPLETE, length, 0, 0);
    }

    public static FrameLength needMore(int need) {
        return new FrameLength(Kind.NEED_MORE, 0, need, 0);
    }

    public static FrameLength resync(int skip) {
        return new FrameLength(Kind.RESYNC, 0, 0, skip);
    }
}
