package io.weir.host.points;

import java.util.Objects;

/**
 * The status of a device or its link, not of a point (ABI v1.1 §6.3): the host sets it at link
 * events ({@code BAD_COMM} with the reason when the link goes down, {@code GOOD} when it comes up),
 * and a driver's {@code DEVICE_STATUS} record replaces it until the next link event. A device
 * without configured points (passive, or in discovery mode) still shows through it when its link is
 * down or its peer went silent.
 *
 * @param device the device name from the host configuration
 * @param quality the ABI quality code (ABI.md §6.1): {@code GOOD}, {@code BAD_COMM}, {@code
 *     BAD_DEVICE} …
 * @param value what the driver attached ({@link Value#NULL}, a fault code as {@code U64}, a text as
 *     {@code STR})
 * @param text a human-readable reason, or {@code null} when there is nothing to say
 * @param tsMillis epoch milliseconds
 * @param fromDriver whether a driver's record set it (else the host, at a link event or a fault)
 */
public record DeviceStatus(
        String device, int quality, Value value, String text, long tsMillis, boolean fromDriver) {

    public DeviceStatus {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(value, "value (use Value.NULL)");
        if (quality < 0 || quality > 0xFFFF) {
            throw new IllegalArgumentException("quality must be a u16, got " + quality);
        }
    }

    /** The quality class: {@code good}, {@code uncertain} or {@code bad}. */
    public String qualityClass() {
        int cls = quality & 0xC000;
        return cls == 0 ? "good" : cls == 0x4000 ? "uncertain" : "bad";
    }
}
