package io.weir.tools.replay;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.FrameFlag;
import io.weir.abi.Quality;
import io.weir.abi.RecordFlag;
import io.weir.host.driver.DriverRecord;
import io.weir.host.points.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code weir replay --vectors}: the driver calls a replay made, written as a golden vector file
 * (driver-abi/VECTORS.md) that the same driver passes at once.
 *
 * <p>One vector per conversation (TCP connection, serial line, CAN interface), since the device
 * behind it keeps state from one exchange to the next (an S7 PDU size, a J1939 transfer): its steps
 * are the calls replay made on that device, in replay's order — {@code observe} with a request and
 * {@code frame} with its response, the records the driver gave as the expectation, or {@code
 * unsolicited} for a frame nobody asked for. A refusal becomes an {@code expect_error} step, as the
 * driver's answer is part of what the vector pins down. Frame steps carry {@code at_ms}, the
 * capture time since the conversation's first frame, so that a driver that keeps time sees the
 * capture's clock, to the millisecond.
 *
 * <p>What cannot be a step ends that conversation's vector where it is (its later steps would run
 * on a different device state): a trap (replay starts the device afresh, a vector cannot), a record
 * a vector file cannot state (a NaN or infinite f64, a quality without a name) and the cap of
 * {@code max} exchanges for the whole file. Those exchanges are counted in {@link #notWritten()},
 * the first reason kept in {@link #firstOmission()}.
 */
public final class ReplayVectors {
    private static final HexFormat HEX = HexFormat.of();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String driverName;
    private final int hostMinor;
    private final String config;
    private final String capture;
    private final int max;
    private final Map<Object, Conversation> open = new IdentityHashMap<>();
    private final List<ObjectNode> done = new ArrayList<>();
    private int exchanges;
    private long notWritten;
    private String firstOmission;
    private int conversations;

    /**
     * @param driverName the driver's manifest name (the file's {@code driver})
     * @param hostMinor the minor version of the host replay played (the vectors' {@code host_abi})
     * @param config the config text every device was given, host keys included (ABI §5.1)
     * @param capture the capture as the user named it, for each vector's {@code source}
     * @param max the most exchanges (request/response pairs and unsolicited frames) written
     */
    public ReplayVectors(String driverName, int hostMinor, String config, String capture, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one exchange must be written, got " + max);
        }
        this.driverName = driverName;
        this.hostMinor = hostMinor;
        this.config = config;
        this.capture = capture;
        this.max = max;
    }

    /** Exchanges written. */
    public int exchanges() {
        return exchanges;
    }

    /** Exchanges decoded but not written (cap, or a step a vector cannot state). */
    public long notWritten() {
        return notWritten;
    }

    /** Why the first exchange was not written, or null. */
    public String firstOmission() {
        return firstOmission;
    }

    /**
     * A request the driver refused in {@code weir_observe}: an observe step expecting the error.
     */
    void observeRefused(Object conversation, String device, ReplayEngine.Framed req, int status) {
        Conversation c = conversation(conversation, device);
        if (!c.admit()) {
            return;
        }
        String error = errorName(status);
        if (error == null) {
            c.stop("weir_observe returned " + status + ", which no ABI error name states (a trap)");
            return;
        }
        ObjectNode observe = c.step("observe");
        observe.put("hex", HEX.formatHex(req.bytes()));
        observe.put("expect_error", error);
        c.frames.add(Integer.toString(req.frame()));
        exchanges++;
    }

    /**
     * A request observed and its response decoded by {@code weir_on_frame} ({@code decoded} is its
     * outcome, a failure included).
     */
    void exchange(
            Object conversation,
            String device,
            ReplayEngine.Framed req,
            ReplayEngine.Framed resp,
            ReplayDriver.Outcome decoded) {
        Conversation c = conversation(conversation, device);
        if (!c.admit()) {
            return;
        }
        ObjectNode frame = c.frameStep("frame", resp, decoded);
        if (frame == null) {
            return;
        }
        c.step("observe").put("hex", HEX.formatHex(req.bytes()));
        c.steps.add(frame);
        c.frames.add(req.frame() + "-" + resp.frame());
        exchanges++;
    }

    /** A frame decoded with no request outstanding (ABI §7.3). */
    void unsolicited(
            Object conversation,
            String device,
            ReplayEngine.Framed frame,
            ReplayDriver.Outcome decoded) {
        Conversation c = conversation(conversation, device);
        if (!c.admit()) {
            return;
        }
        ObjectNode step = c.frameStep("unsolicited", frame, decoded);
        if (step == null) {
            return;
        }
        c.steps.add(step);
        c.frames.add(Integer.toString(frame.frame()));
        exchanges++;
    }

    /** The conversation ended: its vector is complete. */
    void finish(Object conversation) {
        Conversation c = open.remove(conversation);
        if (c != null && !c.steps.isEmpty()) {
            done.add(c.vector());
        }
    }

    /**
     * Writes the vector file, replacing {@code file} only once it is complete.
     *
     * @return the number of vectors written
     * @throws IOException if it cannot be written
     */
    public int write(Path file) throws IOException {
        List<ObjectNode> all = new ArrayList<>(done);
        for (Conversation c : open.values()) {
            if (!c.steps.isEmpty()) {
                all.add(c.vector());
            }
        }
        ObjectNode doc = NODES.objectNode();
        doc.put("driver", driverName);
        ArrayNode vectors = doc.putArray("vectors");
        all.forEach(vectors::add);
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(
                    tmp,
                    JsonMapper.builder()
                            .enable(SerializationFeature.INDENT_OUTPUT)
                            .build()
                            .writeValueAsBytes(doc));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return all.size();
    }

    private Conversation conversation(Object key, String device) {
        return open.computeIfAbsent(
                key, k -> new Conversation(device == null ? "line" : device, ++conversations));
    }

    private void omit(String why) {
        notWritten++;
        if (firstOmission == null) {
            firstOmission = why;
        }
    }

    /** The name of an ABI error code (§8), or null for a code no name states. */
    private static String errorName(int code) {
        for (AbiError e : AbiError.values()) {
            if (e.code() == code) {
                // E_INTERNAL is also what replay reports for a trap, which no step can expect.
                return e == AbiError.E_INTERNAL ? null : e.name();
            }
        }
        return null;
    }

    private final class Conversation {
        final String device;
        final int number;
        final List<ObjectNode> steps = new ArrayList<>();
        final List<String> frames = new ArrayList<>();
        Long firstNowUs;
        long lastAtMs;
        String stopped;

        Conversation(String device, int number) {
            this.device = device;
            this.number = number;
        }

        /** Whether the next exchange may be written; counts it as omitted if not. */
        boolean admit() {
            if (stopped != null) {
                omit(stopped);
                return false;
            }
            if (exchanges >= max) {
                stop("--vectors-max " + max + " exchanges written");
                return false;
            }
            return true;
        }

        void stop(String why) {
            stopped = why;
            omit(why);
        }

        ObjectNode step(String call) {
            ObjectNode s = NODES.objectNode();
            s.put("call", call);
            steps.add(s);
            return s;
        }

        /**
         * A {@code frame} or {@code unsolicited} step for {@code f} (not yet added), or null when
         * the outcome cannot be a step (the conversation then stops).
         */
        ObjectNode frameStep(String call, ReplayEngine.Framed f, ReplayDriver.Outcome decoded) {
            ObjectNode s = NODES.objectNode();
            s.put("call", call);
            s.put("hex", HEX.formatHex(f.bytes()));
            if (firstNowUs == null) {
                firstNowUs = f.nowUs();
            }
            long atMs = Math.max(lastAtMs, Math.floorDiv(f.nowUs() - firstNowUs, 1000L));
            if (atMs > 0) {
                s.put("at_ms", atMs);
            }
            lastAtMs = atMs;
            if (!decoded.ok()) {
                String error = errorName(decoded.status());
                if (error == null) {
                    stop(
                            "weir_on_frame of frame "
                                    + f.frame()
                                    + " returned "
                                    + decoded.status()
                                    + ", which no ABI error name states (a trap)");
                    return null;
                }
                s.put("expect_error", error);
                return s;
            }
            ArrayNode expect = NODES.arrayNode();
            for (ReplayDriver.Decoded d : decoded.records()) {
                ObjectNode r = record(d, f.frame());
                if (r == null) {
                    return null;
                }
                expect.add(r);
            }
            s.set("expect", expect);
            if (hostMinor >= Abi.MINOR_1_1 && decoded.frameFlags() != 0) {
                ArrayNode flags = s.putArray("expect_frame_flags");
                for (FrameFlag flag : FrameFlag.values()) {
                    if (flag.isSet(decoded.frameFlags())) {
                        flags.add(flag.name());
                    }
                }
            }
            return s;
        }

        /** The expected record of {@code d}, or null (and the conversation stops). */
        ObjectNode record(ReplayDriver.Decoded d, int frame) {
            DriverRecord raw = d.raw();
            if (raw == null) {
                throw new IllegalStateException("record without the driver's record: " + d);
            }
            Quality quality = Quality.ofCode(raw.quality());
            if (quality == null) {
                stop(
                        String.format(
                                "frame %d: quality 0x%04x has no name a vector could expect",
                                frame, raw.quality()));
                return null;
            }
            ObjectNode r = NODES.objectNode();
            if (RecordFlag.DEVICE_STATUS.isSet(raw.flags())) {
                r.put("device_status", true);
            } else if (raw.named()) {
                r.put("name", raw.name());
            } else {
                r.put("point", raw.point());
            }
            r.put("type", raw.value().type().name().toLowerCase(Locale.ROOT));
            Value v = raw.value();
            if (v instanceof Value.Null) {
                r.putNull("value");
            } else if (v instanceof Value.Bool b) {
                r.put("value", b.value());
            } else if (v instanceof Value.I64 i) {
                r.put("value", i.value());
            } else if (v instanceof Value.U64 u) {
                r.put("value", u.bigValue());
            } else if (v instanceof Value.F64 x) {
                if (!Double.isFinite(x.value())) {
                    stop("frame " + frame + ": f64 " + x.value() + " has no JSON number");
                    return null;
                }
                r.put("value", x.value());
            } else if (v instanceof Value.Str s) {
                r.put("value", s.value());
            } else if (v instanceof Value.Bytes b) {
                r.put("value", HEX.formatHex(b.value()));
            }
            r.put("quality", quality.name());
            if (raw.deviceTs()) {
                r.put("ts_us", raw.tsUs());
            }
            if (RecordFlag.WRITE_RESULT.isSet(raw.flags())) {
                r.put("write_result", true);
            }
            return r;
        }

        ObjectNode vector() {
            ObjectNode v = NODES.objectNode();
            String where = String.join(", ", frames);
            String last = frames.get(frames.size() - 1);
            v.put(
                    "name",
                    "replay "
                            + number
                            + ": "
                            + device
                            + " frames "
                            + frames.get(0).replaceFirst("-.*", "")
                            + ".."
                            + last.substring(last.indexOf('-') + 1));
            v.put(
                    "source",
                    "weir replay of "
                            + capture
                            + " frames "
                            + where
                            + " (a-b: a request and its response; device "
                            + device
                            + ")"
                            + (stopped == null ? "" : "; ends early: " + stopped));
            v.put("config", config);
            if (hostMinor >= Abi.MINOR_1_1) {
                // A replay calls nothing of 1.2 (it pairs frames by weir_frame_len's key before
                // decoding them, ABI §7.13), so its vectors are 1.1 ones, which every runner
                // plays; the AssemblyScript SDK's runner knows no 1.2.
                v.put("host_abi", "1." + Math.min(hostMinor, Abi.MINOR_1_1));
            }
            ArrayNode s = v.putArray("steps");
            steps.forEach(s::add);
            return v;
        }
    }
}
