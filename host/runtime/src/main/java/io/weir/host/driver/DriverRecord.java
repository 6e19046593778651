package io.weir.host.driver;

import io.weir.abi.Quality;
import io.weir.abi.RecordFlag;
import io.weir.host.points.Value;

/**
 * A point record (ABI §6) as the host understands it: value typed, name resolved for named records,
 * timestamp filled in. Sessions take records straight from {@link DriverInstance.RecordSink} into
 * points; this form is for replay and conformance checks.
 *
 * @param point the point index, or -1 for a named record
 * @param name the driver's name for a named record (§6.2), else {@code null}
 * @param value the typed value; {@link Value#NULL} for a type this host does not know (§3.3)
 * @param quality the u16 quality code
 * @param tsUs the device timestamp (flag {@code DEVICE_TS}) or the {@code now_us} of the call
 * @param flags the u8 flags byte exactly as the driver wrote it (§6.1). The host itself treats
 *     unknown bits as zero (§3.3); they are kept so that conformance checks can see them.
 */
public record DriverRecord(int point, String name, Value value, int quality, long tsUs, int flags) {

    public DriverRecord {
        if (value == null) {
            throw new IllegalArgumentException("a record value is never null; use Value.NULL");
        }
    }

    /**
     * A record stamped with the host's {@code now_us}: flag {@code NAMED} if it has a name, no
     * other.
     */
    public DriverRecord(int point, String name, Value value, int quality, long tsUs) {
        this(point, name, value, quality, tsUs, name == null ? 0 : RecordFlag.NAMED.mask());
    }

    public boolean named() {
        return name != null;
    }

    /** Whether {@link #tsUs} came from the device (flag {@code DEVICE_TS}), not the host clock. */
    public boolean deviceTs() {
        return RecordFlag.DEVICE_TS.isSet(flags);
    }

    public Quality.QualityClass qualityClass() {
        return Quality.classOf(quality);
    }

    public boolean good() {
        return qualityClass() == Quality.QualityClass.GOOD;
    }
}
