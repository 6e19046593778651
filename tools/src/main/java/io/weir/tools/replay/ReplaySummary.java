package io.weir.tools.replay;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Counts over one replayed capture (TCP), file of frames (Modbus RTU) or candump log (CAN). */
public final class ReplaySummary {
    /** What was replayed: the counts that apply differ. */
    enum Input {
        TCP,
        RTU,
        CAN
    }

    private final Input input;

    long frames;
    long tcpSegments;
    long otherTraffic;
    long connections;
    long requests;
    long responses;
    long pairs;
    long points;
    long badPoints;
    long skipped;
    long unanswered;
    long unsolicited;
    long garbageBytes;
    long gaps;
    long unreadable;
    long duplicateBytes;
    long outOfOrderSegments;
    long truncatedBytes;
    long framesWithoutPoints;
    long deviceStatus;
    long writeResults;
    long errorFrames;
    IOException failure;

    /** Counts for a capture of TCP traffic. */
    public ReplaySummary() {
        this(Input.TCP);
    }

    private ReplaySummary(Input input) {
        this.input = input;
    }

    /** Counts for a file of Modbus RTU frames, one per line. */
    static ReplaySummary rtu() {
        return new ReplaySummary(Input.RTU);
    }

    /** Counts for a candump log. */
    static ReplaySummary can() {
        return new ReplaySummary(Input.CAN);
    }

    /**
     * Frames the driver decoded without a point (a CAN frame of no configured signal, a reading the
     * driver flagged as not the answer and that gave no record).
     */
    public long framesWithoutPoints() {
        return framesWithoutPoints;
    }

    /** Device-status records (ABI §6.3), not counted as points. */
    public long deviceStatus() {
        return deviceStatus;
    }

    /** Write results of recorded writes (ABI §6.3), not counted as points. */
    public long writeResults() {
        return writeResults;
    }

    /** CAN error frames of a candump log. */
    public long errorFrames() {
        return errorFrames;
    }

    public long frames() {
        return frames;
    }

    public long pairs() {
        return pairs;
    }

    public long points() {
        return points;
    }

    public long badPoints() {
        return badPoints;
    }

    public long skipped() {
        return skipped;
    }

    public long unanswered() {
        return unanswered;
    }

    public long unsolicited() {
        return unsolicited;
    }

    public long garbageBytes() {
        return garbageBytes;
    }

    public long connections() {
        return connections;
    }

    public long gaps() {
        return gaps;
    }

    public long duplicateBytes() {
        return duplicateBytes;
    }

    public long outOfOrderSegments() {
        return outOfOrderSegments;
    }

    /** Bytes of a record the capture file ends inside (0 if the file is complete). */
    public long truncatedBytes() {
        return truncatedBytes;
    }

    /**
     * The error that stopped reading the capture before its end (a damaged record, a read error),
     * or null; the counts cover what was read before it.
     */
    public IOException failure() {
        return failure;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "summary");
        if (input == Input.CAN) {
            m.put("frames", frames);
            m.put("points", points);
            m.put("bad_points", badPoints);
            m.put("frames_without_points", framesWithoutPoints);
            m.put("skipped", skipped);
            m.put("error_frames", errorFrames);
            m.put("garbage_bytes", garbageBytes);
            putIfAny(m);
            return m;
        }
        if (input == Input.RTU) {
            m.put("frames", frames);
            m.put("requests", requests);
            m.put("responses", responses);
            m.put("pairs", pairs);
            m.put("points", points);
            m.put("bad_points", badPoints);
            m.put("skipped", skipped);
            m.put("unanswered", unanswered);
            m.put("unsolicited", unsolicited);
            m.put("garbage_bytes", garbageBytes);
            putIfAny(m);
            return m;
        }
        m.put("frames", frames);
        m.put("tcp_segments", tcpSegments);
        m.put("other_traffic_frames", otherTraffic);
        m.put("connections", connections);
        m.put("requests", requests);
        m.put("responses", responses);
        m.put("pairs", pairs);
        m.put("points", points);
        m.put("bad_points", badPoints);
        m.put("skipped", skipped);
        m.put("unanswered", unanswered);
        m.put("unsolicited", unsolicited);
        m.put("garbage_bytes", garbageBytes);
        m.put("gaps", gaps);
        m.put("unreadable_frames", unreadable);
        m.put("retransmitted_bytes", duplicateBytes);
        m.put("out_of_order_segments", outOfOrderSegments);
        m.put("truncated_bytes", truncatedBytes);
        putIfAny(m);
        return m;
    }

    /** Counts that only some drivers give: in the summary when they occurred. */
    private void putIfAny(Map<String, Object> m) {
        if (writeResults > 0) {
            m.put("write_results", writeResults);
        }
        if (deviceStatus > 0) {
            m.put("device_status", deviceStatus);
        }
    }
}
