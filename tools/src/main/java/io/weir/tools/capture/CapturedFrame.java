package io.weir.tools.capture;

import java.util.Objects;

/**
 * One packet of a capture file, as Wireshark numbers it.
 *
 * @param number 1-based frame number over the whole file (every packet block of every pcapng
 *     section counts, as in Wireshark)
 * @param epochNanos capture timestamp in nanoseconds since the Unix epoch; 0 when the file gives
 *     none (pcapng Simple Packet Block)
 * @param linkType the LINKTYPE_* value of the interface the packet was captured on
 * @param data the captured bytes (possibly shorter than on the wire if the snapshot length cut it)
 * @param originalLength the packet's length on the wire
 */
public record CapturedFrame(
        int number, long epochNanos, int linkType, byte[] data, int originalLength) {
    public CapturedFrame {
        if (number < 1) {
            throw new IllegalArgumentException("frame numbers start at 1, got " + number);
        }
        Objects.requireNonNull(data, "data");
    }

    public long epochMillis() {
        return Math.floorDiv(epochNanos, 1_000_000L);
    }
}
