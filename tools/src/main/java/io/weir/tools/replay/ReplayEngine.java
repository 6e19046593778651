package io.weir.tools.replay;

import io.weir.abi.AbiError;
import io.weir.abi.FrameFlag;
import io.weir.abi.Quality;
import io.weir.abi.RecordFlag;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The protocol-neutral core of replay: pairs recorded requests with their responses by the driver's
 * correlation keys (ABI v1.1 §7.12) and decodes each pair through a device of the driver ({@code
 * weir_observe(request)}, then {@code weir_on_frame(response)}, §7.5). It never looks inside a
 * frame: framing is the driver's {@code weir_frame_len}, pairing its keys, every name and value its
 * records. The inputs (a TCP capture, a file of serial frames, a candump log) cut their traffic
 * into frames and hand them to a {@link Conversation}: one TCP connection, one serial line, one CAN
 * interface, each with its own device.
 *
 * <p>A response pairs with the oldest unanswered request of the same key in the same conversation;
 * a response without a key (0: the protocol has none there, or the driver agreed on ABI 1.0) with
 * the oldest unanswered request, and a keyed response that finds no request of its key with the
 * oldest unkeyed one (§7.12). A response with no request is decoded as a reading when the driver
 * takes unsolicited frames (§7.3), else reported; a response whose records the driver flags {@code
 * NOT_ANSWER} gives readings and leaves its request waiting. Nothing is dropped silently: every
 * frame ends in points or in a line that says why not.
 */
public final class ReplayEngine {
    /**
     * Requests waiting for their response, all conversations together. Past it the oldest is
     * reported unanswered at once: a response that late is no longer worth the memory.
     */
    public static final int MAX_OUTSTANDING = 65_536;

    private final ReplayDriver driver;
    private final String config;
    private final Consumer<ReplayLine> out;
    private final ReplaySummary summary;
    private final int maxOutstanding;
    // Every request waiting for a response, oldest first, with its conversation.
    private final LinkedHashMap<Framed, Conversation> waiting = new LinkedHashMap<>();
    private long serial;
    private ReplayVectors vectors;

    /**
     * @param driver the driver
     * @param config the device config text every conversation's device is opened with (ABI §5):
     *     {@code "device\n"} for discovery mode, or a point map
     * @param out where report lines go
     * @param summary the counts to add to
     * @param maxOutstanding requests waiting for a response before the oldest is given up
     */
    public ReplayEngine(
            ReplayDriver driver,
            String config,
            Consumer<ReplayLine> out,
            ReplaySummary summary,
            int maxOutstanding) {
        if (maxOutstanding < 1) {
            throw new IllegalArgumentException(
                    "at least one outstanding request must be allowed, got " + maxOutstanding);
        }
        if (config == null || !config.startsWith("device") || !config.endsWith("\n")) {
            throw new IllegalArgumentException(
                    "a device config text starts with a device line and ends with LF (ABI §5)");
        }
        this.driver = driver;
        this.config = config;
        this.out = out;
        this.summary = summary;
        this.maxOutstanding = maxOutstanding;
    }

    /** Also records every driver call of an exchange into {@code vectors} (--vectors). */
    public void vectors(ReplayVectors vectors) {
        this.vectors = vectors;
    }

    ReplayDriver driver() {
        return driver;
    }

    Consumer<ReplayLine> out() {
        return out;
    }

    /** Opens a conversation; {@code device} labels its lines (e.g. the server's ip:port). */
    public Conversation conversation(String device) {
        return new Conversation(device);
    }

    /**
     * A frame as the driver framed it: its bytes, the capture frame (or line) in which it ends, its
     * time, and its correlation key; {@code serial} tells apart two frames with the same bytes.
     *
     * @param ts epoch milliseconds, or null where the input has no time
     * @param nowUs the {@code now_us} given to the driver for it
     */
    public record Framed(long serial, byte[] bytes, int frame, Long ts, long nowUs, long key) {}

    /** Makes a {@link Framed} with the next serial number. */
    public Framed framed(byte[] bytes, int frame, Long ts, long nowUs, long key) {
        return new Framed(serial++, bytes, frame, ts, nowUs, key);
    }

    /** ABI.md §6.1: the top two bits of the quality code give its class. */
    static String qualityClass(int quality) {
        return Quality.classOf(quality).text();
    }

    /** One TCP connection, serial line or CAN interface: its device and its waiting requests. */
    public final class Conversation {
        private final String device;
        // Waiting requests by key, each queue oldest first; key 0 holds the unkeyed ones.
        private final Map<Long, Deque<Framed>> byKey = new HashMap<>();
        private Integer dev;
        private boolean closed;

        private Conversation(String device) {
            this.device = device;
        }

        public String device() {
            return device;
        }

        /** The device handle, opened on first use (ABI §7.2 needs one before a frame is known). */
        public int dev() {
            if (closed) {
                throw new IllegalStateException("conversation " + device + " is finished");
            }
            if (dev == null) {
                dev = driver.open(config);
            }
            return dev;
        }

        /** A request: waits for its response. */
        public void request(Framed req) {
            summary.requests++;
            byKey.computeIfAbsent(req.key(), k -> new ArrayDeque<>()).addLast(req);
            waiting.put(req, this);
            if (waiting.size() > maxOutstanding) {
                Iterator<Map.Entry<Framed, Conversation>> oldest = waiting.entrySet().iterator();
                Map.Entry<Framed, Conversation> e = oldest.next();
                oldest.remove();
                e.getValue().giveUp(e.getKey());
            }
        }

        private void giveUp(Framed req) {
            remove(req);
            unanswered(
                    req,
                    "no response while "
                            + maxOutstanding
                            + " later requests were waiting for theirs (the most replay keeps);"
                            + " given up");
        }

        private void remove(Framed req) {
            Deque<Framed> q = byKey.get(req.key());
            q.remove(req);
            if (q.isEmpty()) {
                byKey.remove(req.key());
            }
        }

        /**
         * The request a response of this key answers (§7.12), taken from the waiting ones; null if
         * none waits.
         */
        private Framed take(long key) {
            Framed best = null;
            if (key == 0) {
                for (Deque<Framed> q : byKey.values()) {
                    if (best == null || q.peekFirst().serial() < best.serial()) {
                        best = q.peekFirst();
                    }
                }
            } else {
                // The oldest request of the same key; only without one the oldest unkeyed one. A
                // keyless frame of the client's (a COTP segment that only starts a request) must
                // not take the answer of the keyed request behind it.
                Deque<Framed> same = byKey.get(key);
                Deque<Framed> unkeyed = byKey.get(0L);
                best =
                        same != null
                                ? same.peekFirst()
                                : unkeyed != null ? unkeyed.peekFirst() : null;
            }
            if (best != null) {
                remove(best);
                waiting.remove(best);
            }
            return best;
        }

        /** Whether a request waits for a response. */
        public boolean hasWaiting() {
            return !byKey.isEmpty();
        }

        /** The oldest waiting request, or null (without taking it). */
        public Framed oldestWaiting() {
            Framed best = null;
            for (Deque<Framed> q : byKey.values()) {
                if (best == null || q.peekFirst().serial() < best.serial()) {
                    best = q.peekFirst();
                }
            }
            return best;
        }

        /** Reports a waiting request as unanswered, for {@code why}, and forgets it. */
        public void giveUpOldest(String why) {
            Framed req = oldestWaiting();
            if (req != null) {
                remove(req);
                waiting.remove(req);
                unanswered(req, why);
            }
        }

        /** A response: paired with its request and decoded, or reported. */
        public void response(Framed resp) {
            summary.responses++;
            Framed req = take(resp.key());
            if (req == null) {
                if (driver.decodesUnsolicited()) {
                    unsolicitedReading(resp);
                    return;
                }
                summary.unsolicited++;
                out.accept(
                        ReplayLine.keyed(
                                ReplayLine.UNSOLICITED,
                                device,
                                resp.ts(),
                                resp.frame(),
                                resp.key(),
                                (long) resp.bytes().length,
                                "response without a request in the capture"
                                        + (resp.key() == 0
                                                ? ""
                                                : String.format(
                                                        " (correlation key 0x%08x)", resp.key()))));
                return;
            }
            summary.pairs++;
            exchange(req, resp);
        }

        /**
         * A frame of traffic nobody asked for (a CAN bus, device-initiated messages): decoded as
         * readings (§7.3).
         */
        public void unsolicitedReading(Framed frame) {
            ReplayDriver.Outcome decoded = driver.onFrame(dev(), frame.bytes(), frame.nowUs());
            if (vectors != null) {
                vectors.unsolicited(this, device, frame, decoded);
            }
            if (!decoded.ok()) {
                skipped(
                        frame,
                        "driver cannot decode the frame (weir_on_frame "
                                + errorName(decoded.status())
                                + ")",
                        decoded);
                return;
            }
            if (decoded.records().isEmpty()) {
                summary.framesWithoutPoints++;
                return;
            }
            points(frame, decoded);
        }

        private void exchange(Framed req, Framed resp) {
            int d = dev();
            ReplayDriver.Outcome observed = driver.observe(d, req.bytes());
            if (!observed.ok()) {
                if (vectors != null) {
                    vectors.observeRefused(this, device, req, observed.status());
                }
                String why =
                        observed.status() == AbiError.E_UNSUPPORTED.code()
                                ? "driver does not decode this request"
                                : observed.status() == AbiError.E_PROTO.code()
                                        ? "driver cannot parse the request"
                                        : "driver refused the request";
                skipped(
                        resp,
                        why
                                + " (weir_observe "
                                + errorName(observed.status())
                                + ", request frame "
                                + req.frame()
                                + ")",
                        observed);
                return;
            }
            ReplayDriver.Outcome decoded = driver.onFrame(d, resp.bytes(), resp.nowUs());
            if (vectors != null) {
                vectors.exchange(this, device, req, resp, decoded);
            }
            if (!decoded.ok()) {
                skipped(
                        resp,
                        "driver cannot decode the response (weir_on_frame "
                                + errorName(decoded.status())
                                + ")",
                        decoded);
                return;
            }
            if (FrameFlag.NOT_ANSWER.isSet(decoded.frameFlags())) {
                // §7.3: readings, and the request still waits for its answer.
                summary.pairs--;
                byKey.computeIfAbsent(req.key(), k -> new ArrayDeque<>()).addFirst(req);
                waiting.put(req, this);
                if (decoded.records().isEmpty()) {
                    summary.framesWithoutPoints++;
                } else {
                    points(resp, decoded);
                }
                return;
            }
            if (decoded.records().isEmpty()) {
                skipped(resp, "driver decoded no records from the response", decoded);
                return;
            }
            points(resp, decoded);
        }

        private void points(Framed resp, ReplayDriver.Outcome decoded) {
            for (ReplayDriver.Decoded r : decoded.records()) {
                String quality = qualityClass(r.quality());
                String kind = null;
                if (RecordFlag.DEVICE_STATUS.isSet(r.flags())) {
                    kind = ReplayLine.DEVICE_STATUS;
                    summary.deviceStatus++;
                } else if (RecordFlag.WRITE_RESULT.isSet(r.flags())) {
                    kind = ReplayLine.WRITE_RESULT;
                    summary.writeResults++;
                } else {
                    summary.points++;
                    if (!quality.equals("good")) {
                        summary.badPoints++;
                    }
                }
                out.accept(
                        ReplayLine.keyedPoint(
                                kind,
                                device,
                                kind == ReplayLine.DEVICE_STATUS ? null : r.point(),
                                r.value(),
                                quality,
                                // The device's own time where the record has one (§6.1 DEVICE_TS),
                                // else the frame's (none for a file of serial frames).
                                RecordFlag.DEVICE_TS.isSet(r.flags())
                                        ? Long.valueOf(r.deviceTsMillis())
                                        : resp.ts(),
                                resp.frame(),
                                resp.key(),
                                r.error()));
            }
        }

        private void skipped(Framed resp, String why, ReplayDriver.Outcome o) {
            summary.skipped++;
            String detail = o.error() == null || o.error().isEmpty() ? "" : ": " + o.error();
            out.accept(
                    ReplayLine.keyed(
                            ReplayLine.SKIPPED,
                            device,
                            resp.ts(),
                            resp.frame(),
                            resp.key(),
                            null,
                            why + detail));
        }

        private void unanswered(Framed req, String why) {
            summary.unanswered++;
            out.accept(
                    ReplayLine.keyed(
                            ReplayLine.UNANSWERED,
                            device,
                            req.ts(),
                            req.frame(),
                            req.key(),
                            (long) req.bytes().length,
                            why));
        }

        /**
         * Reports every request still waiting as unanswered for {@code why}, oldest first, and
         * closes the device.
         */
        public void finish(String why) {
            List<Framed> left = new ArrayList<>();
            byKey.values().forEach(left::addAll);
            left.sort((a, b) -> Long.compare(a.serial(), b.serial()));
            for (Framed req : left) {
                waiting.remove(req);
                unanswered(req, why);
            }
            byKey.clear();
            if (vectors != null) {
                vectors.finish(this);
            }
            if (dev != null) {
                driver.close(dev);
                dev = null;
            }
            closed = true;
        }
    }

    /** An ABI error code with its name, e.g. {@code -7 E_UNSUPPORTED}; the number if unknown. */
    static String errorName(int code) {
        for (AbiError e : AbiError.values()) {
            if (e.code() == code) {
                return code + " " + e.name();
            }
        }
        return Integer.toString(code);
    }
}
