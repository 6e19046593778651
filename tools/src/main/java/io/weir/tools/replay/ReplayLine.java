package io.weir.tools.replay;

import io.weir.host.points.Value;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of replay output. A point line ({@code kind == null}) is a record the driver decoded;
 * every other kind reports traffic that produced no point, with the reason in {@code error}.
 *
 * @param kind null for a point, else one of {@link #SKIPPED}, {@link #GARBAGE}, {@link
 *     #UNANSWERED}, {@link #UNSOLICITED}, {@link #GAP}, {@link #UNREADABLE}, {@link #TRUNCATED},
 *     {@link #ERROR_FRAME}, {@link #DEVICE_STATUS}, {@link #WRITE_RESULT}
 * @param device the server side of the connection, {@code ip:port}; null for Modbus RTU
 * @param point the point name (point lines only)
 * @param value the value (point lines only)
 * @param quality {@code good}, {@code uncertain} or {@code bad} (point lines only)
 * @param ts epoch milliseconds of the frame the line is about; null where the input has no time
 *     (Modbus RTU text files)
 * @param frame 1-based capture frame number (for a response: the frame in which it ends); for
 *     Modbus RTU the 1-based line number of the file
 * @param bytes number of bytes concerned (garbage, gap; for truncated, the bytes of the cut record
 *     that the file holds)
 * @param error why the line is bad or why nothing was decoded
 * @param key the driver's correlation key of the exchange or frame (ABI v1.1 §7.12: for a point or
 *     an unsolicited frame the response's, else the request's), if the driver gives one
 */
public record ReplayLine(
        String kind,
        String device,
        String point,
        Value value,
        String quality,
        Long ts,
        Integer frame,
        Long bytes,
        String error,
        Long key) {

    /** A request (and its response) the driver refused or could not decode. */
    public static final String SKIPPED = "skipped";

    /** Bytes the driver's framing rejected (E_RESYNC). */
    public static final String GARBAGE = "garbage";

    /** A request with no response in the capture. */
    public static final String UNANSWERED = "unanswered";

    /** A response with no request in the capture. */
    public static final String UNSOLICITED = "unsolicited";

    /** Bytes of the stream that the capture missed. */
    public static final String GAP = "gap";

    /** A frame that could not be read down to TCP (truncated, IP fragment, unknown link type). */
    public static final String UNREADABLE = "unreadable";

    /** The capture file ends inside a record: everything before it was replayed. */
    public static final String TRUNCATED = "truncated";

    /**
     * A record that describes the device or its link rather than a point (ABI §6.3 {@code
     * DEVICE_STATUS}), e.g. a connection set up; it has a value and a quality but no point.
     */
    public static final String DEVICE_STATUS = "device_status";

    /**
     * The outcome of a recorded write (ABI §6.3 {@code WRITE_RESULT}): the written point, the value
     * the device confirmed and a quality; not a reading.
     */
    public static final String WRITE_RESULT = "write_result";

    /** A CAN error frame of a candump log (the identifier has CAN_ERR_FLAG): no data to decode. */
    public static final String ERROR_FRAME = "error_frame";

    /**
     * A decoded record of a frame the driver keyed with {@code key} (0: none); {@code kind} is null
     * for a reading, else {@link #DEVICE_STATUS} or {@link #WRITE_RESULT}.
     */
    static ReplayLine keyedPoint(
            String kind,
            String device,
            String point,
            Value value,
            String quality,
            Long ts,
            int frame,
            long key,
            String error) {
        return new ReplayLine(
                kind, device, point, value, quality, ts, frame, null, error, key == 0 ? null : key);
    }

    /** A line about traffic that gave no point, of a frame keyed with {@code key} (0: none). */
    static ReplayLine keyed(
            String kind,
            String device,
            Long ts,
            Integer frame,
            long key,
            Long bytes,
            String error) {
        return new ReplayLine(
                kind, device, null, null, null, ts, frame, bytes, error, key == 0 ? null : key);
    }

    public boolean isPoint() {
        return kind == null;
    }

    static ReplayLine other(
            String kind, String device, Long ts, Integer frame, Long bytes, String error) {
        return new ReplayLine(kind, device, null, null, null, ts, frame, bytes, error, null);
    }

    /** The line as an ordered map for JSON output; absent fields are left out. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (kind != null) {
            m.put("kind", kind);
        }
        put(m, "device", device);
        if (kind == null || value != null) {
            put(m, "point", point);
            m.put("value", value == null ? null : value.json());
            m.put("quality", quality);
        }
        put(m, "ts", ts);
        put(m, "frame", frame);
        put(m, "key", key);
        put(m, "bytes", bytes);
        put(m, "error", error);
        return m;
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
