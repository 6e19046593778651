package io.weir.host.driver;

/**
 * The answer of {@code weir_on_bytes} (ABI v1.2 §7.13): framing and decoding in one call.
 *
 * @param framing {@link FrameLength.Kind#COMPLETE} when a frame of {@code framing.length()} bytes
 *     started at {@code rx[0]} and was decoded (or refused, see {@code refused}), with its
 *     correlation key; {@link FrameLength.Kind#NEED_MORE} for {@code E_PARTIAL} with {@code
 *     meta.need}; {@link FrameLength.Kind#RESYNC} with {@code meta.skip}
 * @param records the records handed to the sink, for a decoded frame
 * @param refused for a complete frame whose decoding failed: the error, as {@code weir_on_frame}
 *     would have returned it (the frame is dropped, the request stays outstanding); else {@code
 *     null}
 */
public record OnBytes(FrameLength framing, int records, DriverException refused) {

    public OnBytes {
        if (framing == null) {
            throw new IllegalArgumentException("weir_on_bytes always answers a framing");
        }
        if (framing.kind() != FrameLength.Kind.COMPLETE && (records != 0 || refused != null)) {
            throw new IllegalArgumentException(
                    "only a complete frame is decoded, not " + framing.kind());
        }
        if (records < 0 || (refused != null && records != 0)) {
            throw new IllegalArgumentException(
                    "a refused frame has no records, got " + records + " records");
        }
    }

    /** Whether a frame was found (decoded or refused): its bytes are to be dropped. */
    public boolean complete() {
        return framing.kind() == FrameLength.Kind.COMPLETE;
    }
}
