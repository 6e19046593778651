package io.weir.host.points;

import java.util.Objects;

/**
 * One decoded value of one device, with its name resolved from the device's point map. This is what
 * flows from a session to the outbox and the uplink.
 *
 * @param device the device name from the host configuration
 * @param point the point name from the device's point map (or the driver's own name in discovery
 *     mode, such as {@code holding/100})
 * @param value the typed value; {@link Value#NULL} when there is none
 * @param quality the ABI quality code (ABI.md §6.1): top two bits give the class
 * @param tsMillis epoch milliseconds
 * @param error a human-readable reason for a bad or uncertain value, else {@code null}
 */
public record Point(
        String device, String point, Value value, int quality, long tsMillis, String error) {

    public Point {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(value, "value (use Value.NULL)");
        if (quality < 0 || quality > 0xFFFF) {
            throw new IllegalArgumentException("quality must be a u16, got " + quality);
        }
    }

    /**
     * The quality class as written in point lines: {@code good}, {@code uncertain} or {@code bad}.
     */
    public String qualityClass() {
        int cls = quality & 0xC000;
        return cls == 0 ? "good" : cls == 0x4000 ? "uncertain" : "bad";
    }
}
