package io.weir.tools.replay;

import io.weir.host.driver.DriverRecord;
import io.weir.host.points.Value;
import java.util.List;

/**
 * The driver calls that replay needs (ABI.md §3.2 weir_open and weir_close, §7.2, §7.3, §7.5,
 * §7.8), on one driver loaded by the host runtime. Device handles are the driver's {@code dev}.
 */
public interface ReplayDriver extends AutoCloseable {

    /**
     * The answer of {@code weir_frame_len}: {@code status} is its return, {@code skip} meta.skip,
     * {@code corr} the frame's correlation key meta.corr (ABI v1.1 §7.12) when {@code status > 0},
     * 0 when the protocol has none or the driver agreed on 1.0.
     */
    record Framing(int status, int skip, long corr) {
        public Framing(int status, int skip) {
            this(status, skip, 0);
        }
    }

    /**
     * One decoded record, its name resolved (named record in discovery mode).
     *
     * @param point the record's name, e.g. {@code holding/100}
     * @param value the typed value
     * @param quality the ABI quality code
     * @param deviceTsMillis the device timestamp, or -1 when the record carries none
     * @param error the driver's explanation for a bad or uncertain record, else null
     * @param flags the record's flags (ABI §6.1; WRITE_RESULT and DEVICE_STATUS of §6.3)
     * @param raw the record as the driver wrote it (index or name, {@code ts_us}), which {@code
     *     --vectors} turns into an expectation; null where no driver produced it (tests)
     */
    record Decoded(
            String point,
            Value value,
            int quality,
            long deviceTsMillis,
            String error,
            int flags,
            DriverRecord raw) {
        public Decoded(
                String point,
                Value value,
                int quality,
                long deviceTsMillis,
                String error,
                int flags) {
            this(point, value, quality, deviceTsMillis, error, flags, null);
        }

        public Decoded(String point, Value value, int quality, long deviceTsMillis, String error) {
            this(point, value, quality, deviceTsMillis, error, 0, null);
        }
    }

    /**
     * The result of a data-plane call: a non-negative status with its records, or an error code;
     * {@code frameFlags} is meta.frame_flags of a successful {@code weir_on_frame} (ABI v1.1 §7.3,
     * 0 otherwise), {@code corr} the request's correlation key meta.corr of a successful {@code
     * weir_observe} (§7.12, 0 otherwise).
     */
    record Outcome(int status, List<Decoded> records, String error, int frameFlags, long corr) {
        public Outcome(int status, List<Decoded> records, String error) {
            this(status, records, error, 0, 0);
        }

        public Outcome(int status, List<Decoded> records, String error, int frameFlags) {
            this(status, records, error, frameFlags, 0);
        }

        public boolean ok() {
            return status >= 0;
        }
    }

    /** Opens a device with the config text (ABI.md §5); returns its handle. */
    int open(String config);

    /** {@code weir_frame_len} over {@code rx[off..off+len]}. */
    Framing frameLen(int dev, byte[] rx, int off, int len);

    /**
     * {@code weir_frame_end} (ABI v1.1 §7.10) over all of {@code rx}: the line fell silent with
     * these bytes pending. {@code status} is a frame length, 0 (no frame: drop them), {@code
     * E_RESYNC} with {@code skip}, or another error code; {@code E_UNSUPPORTED} for a driver that
     * does not frame by silence or was agreed on ABI 1.0.
     */
    default Framing frameEnd(int dev, byte[] rx) {
        return new Framing(-7, 0);
    }

    Outcome observe(int dev, byte[] request);

    Outcome onFrame(int dev, byte[] response, long nowUs);

    /**
     * Whether the driver decodes frames that arrive with no request outstanding (ABI §7.3: a
     * passive driver, or with agreed version 1.1 a manifest with {@code unsolicited} true).
     */
    default boolean decodesUnsolicited() {
        return false;
    }

    /** Forgets a device opened by {@link #open} (ABI.md §3.2 {@code weir_close}). */
    void close(int dev);

    @Override
    void close();
}
