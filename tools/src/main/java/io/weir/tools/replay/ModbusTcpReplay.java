package io.weir.tools.replay;

import io.weir.tools.capture.CaptureReader;
import io.weir.tools.capture.CapturedFrame;
import io.weir.tools.capture.PacketDecoder;
import io.weir.tools.capture.TcpReassembler;
import io.weir.tools.capture.TcpReassembler.Connection;
import io.weir.tools.capture.TcpSegment;
import io.weir.tools.capture.TcpSegment.Endpoint;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the Modbus TCP traffic of a capture through a driver, one frame at a time: memory is bounded
 * by the reassembly limits and {@link #MAX_OUTSTANDING}, not by the length of the capture.
 *
 * <p>Each direction of each TCP connection to the server port is reassembled and framed by the
 * driver's own {@code weir_frame_len}. Requests are paired with responses by (connection,
 * transaction identifier, unit identifier, function code), first in first out, so a client that
 * reuses a transaction identifier is still paired in order. Each pair goes to a device opened in
 * discovery mode for its unit: {@code weir_observe(request)}, then {@code weir_on_frame(response)}.
 * When a connection ends its devices are closed and what it left (unanswered requests, bytes that
 * never completed a frame) is reported.
 *
 * <p>Only the MBAP header is read here (Modbus Messaging on TCP/IP Implementation Guide v1.0b
 * §3.1.3: transaction id bytes 0-1, unit id byte 6, function code byte 7), to pair frames and to
 * say which request a report line is about; every value comes from the driver.
 */
public final class ModbusTcpReplay {
    /** IANA port for Modbus TCP (Implementation Guide §4.1.1). */
    public static final int MODBUS_PORT = 502;

    /**
     * Requests waiting for their response, all connections together. Past it the oldest is reported
     * unanswered at once: a response that late is no longer worth the memory.
     */
    public static final int MAX_OUTSTANDING = 65_536;

    /** Bytes one direction may buffer while the driver's framing still asks for more. */
    static final int MAX_UNFRAMED = 1 << 20;

    private static final int E_RESYNC = -10;
    private static final int E_UNSUPPORTED = -7;
    private static final int E_PROTO = -5;

    private final ReplayDriver driver;
    private final int serverPort;
    private final Consumer<ReplayLine> out;
    private final TcpReassembler.Limits limits;
    private final int maxOutstanding;
    private final ReplaySummary summary = new ReplaySummary();
    private final Map<Connection, ConnectionState> states = new HashMap<>();
    // Every request waiting for a response, oldest first, with the connection it belongs to.
    private final LinkedHashMap<Adu, ConnectionState> waiting = new LinkedHashMap<>();
    private long serial;

    public ModbusTcpReplay(ReplayDriver driver, int serverPort, Consumer<ReplayLine> out) {
        this(driver, serverPort, out, TcpReassembler.Limits.DEFAULT, MAX_OUTSTANDING);
    }

    /**
     * @param limits what TCP reassembly may hold
     * @param maxOutstanding requests waiting for a response before the oldest is given up
     */
    public ModbusTcpReplay(
            ReplayDriver driver,
            int serverPort,
            Consumer<ReplayLine> out,
            TcpReassembler.Limits limits,
            int maxOutstanding) {
        if (serverPort < 1 || serverPort > 65535) {
            throw new IllegalArgumentException(
                    "server port " + serverPort + " is not a TCP port (1..65535)");
        }
        if (maxOutstanding < 1) {
            throw new IllegalArgumentException(
                    "at least one outstanding request must be allowed, got " + maxOutstanding);
        }
        this.driver = driver;
        this.serverPort = serverPort;
        this.out = out;
        this.limits = limits;
        this.maxOutstanding = maxOutstanding;
    }

    /**
     * Replays every frame of {@code capture} as it is read; a file cut inside its last record is
     * replayed up to the cut, which gets one {@link ReplayLine#TRUNCATED} line. Then reports what
     * stayed unpaired and returns the counts. A damaged record or a read error stops the reading,
     * not the report: what was read is finished and counted, and the error is in {@link
     * ReplaySummary#failure()}.
     */
    public ReplaySummary replay(CaptureReader capture) {
        TcpReassembler reassembler = new TcpReassembler(new StreamListener(), limits);
        try {
            for (CapturedFrame f = capture.next(); f != null; f = capture.next()) {
                accept(reassembler, f);
            }
        } catch (IOException e) {
            summary.failure = e;
            reassembler.finish();
            return summary;
        }
        CaptureReader.Cut cut = capture.cut();
        if (cut != null) {
            summary.truncatedBytes = cut.present();
            out.accept(
                    ReplayLine.other(
                            ReplayLine.TRUNCATED,
                            null,
                            null,
                            cut.frame() > 0 ? cut.frame() : null,
                            null,
                            null,
                            null,
                            null,
                            cut.present(),
                            cut.describe()));
        }
        reassembler.finish();
        return summary;
    }

    /** Replays frames built in memory (tests), then reports what stayed unpaired. */
    public ReplaySummary replay(List<CapturedFrame> frames) {
        TcpReassembler reassembler = new TcpReassembler(new StreamListener(), limits);
        for (CapturedFrame f : frames) {
            accept(reassembler, f);
        }
        reassembler.finish();
        return summary;
    }

    private void accept(TcpReassembler reassembler, CapturedFrame f) {
        summary.frames++;
        PacketDecoder.Result r = PacketDecoder.decode(f);
        if (r instanceof PacketDecoder.Segment s) {
            TcpSegment seg = s.segment();
            if (seg.srcPort() != serverPort && seg.dstPort() != serverPort) {
                summary.otherTraffic++;
                return;
            }
            summary.tcpSegments++;
            reassembler.accept(seg);
        } else if (r instanceof PacketDecoder.NotTcp n) {
            if (n.problem()) {
                summary.unreadable++;
                out.accept(
                        ReplayLine.other(
                                ReplayLine.UNREADABLE,
                                null,
                                f.epochMillis(),
                                f.number(),
                                null,
                                null,
                                null,
                                null,
                                (long) f.data().length,
                                "frame " + f.number() + " not read: " + n.reason()));
            } else {
                summary.otherTraffic++;
            }
        }
    }

    private static long millis(long epochNanos) {
        return Math.floorDiv(epochNanos, 1_000_000L);
    }

    private final class StreamListener implements TcpReassembler.Listener {
        @Override
        public void onData(
                Connection c, Endpoint from, byte[] data, int off, int len, int frame, long nanos) {
            state(c).data(from, data, off, len, frame, nanos);
        }

        @Override
        public void onGap(Connection c, Endpoint from, TcpReassembler.Gap gap) {
            state(c).gap(from, gap);
        }

        @Override
        public void onEnd(Connection c, TcpReassembler.End why) {
            summary.connections++;
            summary.duplicateBytes += c.duplicateBytes();
            summary.outOfOrderSegments += c.outOfOrderSegments();
            ConnectionState st = states.remove(c);
            if (st != null) {
                st.finish(why);
            }
        }

        private ConnectionState state(Connection c) {
            return states.computeIfAbsent(c, ConnectionState::new);
        }
    }

    /**
     * A frame cut out of one direction's stream; {@code serial} tells apart two frames with the
     * same bytes.
     */
    private record Adu(
            long serial,
            byte[] bytes,
            int lastFrame,
            long lastNanos,
            int transactionId,
            int unit,
            int functionCode) {
        boolean isException() {
            return (functionCode & 0x80) != 0;
        }

        int plainFunction() {
            return functionCode & 0x7F;
        }

        Integer exceptionCode() {
            return isException() && bytes.length > 8 ? bytes[8] & 0xFF : null;
        }

        static Adu of(long serial, byte[] b, int lastFrame, long lastNanos) {
            int tid = b.length >= 2 ? ((b[0] & 0xFF) << 8) | (b[1] & 0xFF) : -1;
            int unit = b.length >= 7 ? b[6] & 0xFF : -1;
            int fc = b.length >= 8 ? b[7] & 0xFF : -1;
            return new Adu(serial, b, lastFrame, lastNanos, tid, unit, fc);
        }
    }

    private record PairKey(int transactionId, int unit, int functionCode) {}

    /** The capture frame (and its time) that delivered stream bytes up to {@code end}. */
    private record Run(long end, int frame, long nanos) {}

    /**
     * Bytes of one direction not yet framed: {@code data[start..start+length)}, stream positions
     * {@code base..}, with the runs of bytes each capture frame delivered.
     */
    private static final class Stream {
        private static final byte[] EMPTY = new byte[0];
        byte[] data = EMPTY;
        int start;
        int length;
        long base;
        final ArrayDeque<Run> runs = new ArrayDeque<>();
        long garbage;
        int garbageFirstFrame;
        int garbageLastFrame;
        long garbageLastNanos;

        void append(byte[] d, int off, int len, int frame, long nanos) {
            if (start + length + len > data.length) {
                if (length + len <= data.length) {
                    System.arraycopy(data, start, data, 0, length);
                } else {
                    data =
                            Arrays.copyOfRange(
                                    data,
                                    start,
                                    start + Math.max(Math.max(data.length * 2, 64), length + len));
                }
                start = 0;
            }
            System.arraycopy(d, off, data, start + length, len);
            length += len;
            Run last = runs.peekLast();
            if (last != null && last.frame() == frame && last.nanos() == nanos) {
                runs.pollLast();
            }
            runs.addLast(new Run(base + length, frame, nanos));
        }

        /** The run holding the byte at index {@code i} of the buffered bytes. */
        Run runAt(int i) {
            long pos = base + i;
            for (Run r : runs) {
                if (r.end() > pos) {
                    return r;
                }
            }
            throw new IllegalStateException("byte " + i + " of " + length + " buffered");
        }

        byte[] take(int n) {
            return Arrays.copyOfRange(data, start, start + n);
        }

        void drop(int n) {
            start += n;
            length -= n;
            base += n;
            while (!runs.isEmpty() && runs.peekFirst().end() <= base) {
                runs.pollFirst();
            }
            if (length == 0) {
                start = 0;
            }
        }

        void clear() {
            drop(length);
        }

        /**
         * Gives back the buffer when it is empty (a direction usually is, between frames) or a
         * burst made it large: thousands of idle connections then cost no buffer.
         */
        void trim() {
            if (length == 0) {
                data = EMPTY;
                start = 0;
            } else if (data.length > 4096 && length < data.length / 4) {
                data = Arrays.copyOfRange(data, start, start + length * 2);
                start = 0;
            }
        }
    }

    private final class ConnectionState {
        final Connection connection;
        final Endpoint server;
        final String device;
        final Stream fromClient = new Stream();
        final Stream fromServer = new Stream();
        final Map<PairKey, Deque<Adu>> outstanding = new HashMap<>();
        final Map<Integer, Integer> devices = new HashMap<>();
        Integer framingDevice;

        ConnectionState(Connection c) {
            this.connection = c;
            this.server = c.server(serverPort);
            this.device = server.toString();
        }

        /** The device handle for a unit: discovery mode, one per (connection, unit). */
        int deviceFor(int unit) {
            return devices.computeIfAbsent(unit, u -> driver.open("device unit=" + u + "\n"));
        }

        int framing() {
            // Framing needs a device handle (ABI.md §7.2) before the unit is known.
            if (framingDevice == null) {
                framingDevice =
                        devices.isEmpty() ? deviceFor(1) : devices.values().iterator().next();
            }
            return framingDevice;
        }

        String side(boolean client) {
            return client ? "client" : "server";
        }

        void data(Endpoint from, byte[] data, int off, int len, int frame, long nanos) {
            boolean client = !from.equals(server);
            Stream s = client ? fromClient : fromServer;
            s.append(data, off, len, frame, nanos);
            frame(s, client);
            s.trim();
        }

        void gap(Endpoint from, TcpReassembler.Gap gap) {
            boolean client = !from.equals(server);
            Stream s = client ? fromClient : fromServer;
            summary.gaps++;
            String partial =
                    s.length > 0 ? "; the " + s.length + " bytes before it are dropped" : "";
            String why =
                    gap.overLimit()
                            ? " are missing; given up because more data waited behind them than"
                                    + " reassembly holds ("
                                    + limits.maxHeldPerDirection()
                                    + " bytes per direction, "
                                    + limits.maxHeldTotal()
                                    + " in all)"
                            : " were not captured";
            streamLine(
                    ReplayLine.GAP,
                    gap.frame(),
                    gap.epochNanos(),
                    gap.missing(),
                    gap.missing() + " bytes from the " + side(client) + why + partial);
            s.clear();
        }

        void frame(Stream s, boolean client) {
            while (s.length > 0) {
                ReplayDriver.Framing f = driver.frameLen(framing(), s.data, s.start, s.length);
                if (f.status() == 0) {
                    if (s.length > MAX_UNFRAMED) {
                        // The driver would buffer without end; its rx region normally stops this.
                        reportGarbage(s, client);
                        dropBuffered(
                                s,
                                "driver's weir_frame_len still needs more after "
                                        + s.length
                                        + " buffered bytes; dropped them");
                    }
                    return;
                }
                if (f.status() == E_RESYNC) {
                    int skip = Math.max(1, Math.min(f.skip(), s.length));
                    if (s.garbage == 0) {
                        s.garbageFirstFrame = s.runAt(0).frame();
                    }
                    s.garbage += skip;
                    Run last = s.runAt(skip - 1);
                    s.garbageLastFrame = last.frame();
                    s.garbageLastNanos = last.nanos();
                    s.drop(skip);
                    continue;
                }
                if (f.status() < 0 || f.status() > s.length) {
                    // Not a framing answer the ABI allows: report the bytes and start afresh.
                    reportGarbage(s, client);
                    dropBuffered(
                            s,
                            "driver's weir_frame_len returned "
                                    + f.status()
                                    + " for "
                                    + s.length
                                    + " buffered bytes; dropped them");
                    return;
                }
                reportGarbage(s, client);
                int n = f.status();
                Run last = s.runAt(n - 1);
                Adu adu = Adu.of(serial++, s.take(n), last.frame(), last.nanos());
                s.drop(n);
                if (client) {
                    request(adu);
                } else {
                    response(adu);
                }
            }
        }

        void reportGarbage(Stream s, boolean client) {
            if (s.garbage == 0) {
                return;
            }
            garbage(
                    s.garbageLastFrame,
                    s.garbageLastNanos,
                    s.garbage,
                    "driver's framing skipped "
                            + s.garbage
                            + " bytes from the "
                            + side(client)
                            + " that start no frame (frames "
                            + s.garbageFirstFrame
                            + ".."
                            + s.garbageLastFrame
                            + ")");
            s.garbage = 0;
        }

        /** Reports the bytes still buffered in {@code s} as garbage and empties it. */
        void dropBuffered(Stream s, String why) {
            Run first = s.runAt(0);
            garbage(first.frame(), first.nanos(), s.length, why);
            s.clear();
        }

        void garbage(int frame, long nanos, long bytes, String why) {
            summary.garbageBytes += bytes;
            streamLine(ReplayLine.GARBAGE, frame, nanos, bytes, why);
        }

        /**
         * A line about {@code bytes} bytes of the stream rather than one ADU (garbage, gap), dated
         * by capture frame {@code frame}.
         */
        void streamLine(String kind, int frame, long nanos, long bytes, String why) {
            out.accept(
                    ReplayLine.other(
                            kind,
                            device,
                            millis(nanos),
                            frame,
                            null,
                            null,
                            null,
                            null,
                            bytes,
                            why));
        }

        void request(Adu req) {
            summary.requests++;
            outstanding
                    .computeIfAbsent(
                            new PairKey(req.transactionId(), req.unit(), req.plainFunction()),
                            k -> new ArrayDeque<>())
                    .addLast(req);
            waiting.put(req, this);
            if (waiting.size() > maxOutstanding) {
                Iterator<Map.Entry<Adu, ConnectionState>> oldest = waiting.entrySet().iterator();
                Map.Entry<Adu, ConnectionState> e = oldest.next();
                oldest.remove();
                e.getValue().giveUp(e.getKey());
            }
        }

        /** Reports a request that waited while {@link #maxOutstanding} later ones came. */
        void giveUp(Adu req) {
            PairKey key = new PairKey(req.transactionId(), req.unit(), req.plainFunction());
            Deque<Adu> q = outstanding.get(key);
            q.remove(req);
            if (q.isEmpty()) {
                outstanding.remove(key);
            }
            unanswered(
                    req,
                    "no response while "
                            + maxOutstanding
                            + " later requests were waiting for theirs (the most replay keeps);"
                            + " given up");
        }

        void unanswered(Adu req, String why) {
            summary.unanswered++;
            out.accept(
                    ReplayLine.other(
                            ReplayLine.UNANSWERED,
                            device,
                            millis(req.lastNanos()),
                            req.lastFrame(),
                            req.unit(),
                            req.transactionId(),
                            req.plainFunction(),
                            null,
                            (long) req.bytes().length,
                            why));
        }

        void response(Adu resp) {
            summary.responses++;
            PairKey key = new PairKey(resp.transactionId(), resp.unit(), resp.plainFunction());
            Deque<Adu> q = outstanding.get(key);
            Adu req = q == null ? null : q.pollFirst();
            if (req == null) {
                summary.unsolicited++;
                out.accept(
                        ReplayLine.other(
                                ReplayLine.UNSOLICITED,
                                device,
                                millis(resp.lastNanos()),
                                resp.lastFrame(),
                                resp.unit(),
                                resp.transactionId(),
                                resp.plainFunction(),
                                resp.exceptionCode(),
                                (long) resp.bytes().length,
                                "response without a request in the capture (transaction "
                                        + resp.transactionId()
                                        + ", function code "
                                        + resp.plainFunction()
                                        + ")"));
                return;
            }
            if (q.isEmpty()) {
                outstanding.remove(key);
            }
            waiting.remove(req);
            summary.pairs++;
            exchange(req, resp);
        }

        void exchange(Adu req, Adu resp) {
            int dev = deviceFor(resp.unit());
            long ts = millis(resp.lastNanos());
            ReplayDriver.Outcome observed = driver.observe(dev, req.bytes());
            if (!observed.ok()) {
                String why =
                        observed.status() == E_UNSUPPORTED
                                ? "driver does not decode this request"
                                : observed.status() == E_PROTO
                                        ? "driver cannot parse the request"
                                        : "driver refused the request";
                skipped(req, resp, ts, why + " (weir_observe " + observed.status() + ")", observed);
                return;
            }
            ReplayDriver.Outcome decoded =
                    driver.onFrame(dev, resp.bytes(), resp.lastNanos() / 1000L);
            if (!decoded.ok()) {
                skipped(
                        req,
                        resp,
                        ts,
                        "driver cannot decode the response (weir_on_frame "
                                + decoded.status()
                                + ")",
                        decoded);
                return;
            }
            if (decoded.records().isEmpty()) {
                skipped(req, resp, ts, "driver decoded no records from the response", decoded);
                return;
            }
            for (ReplayDriver.Decoded d : decoded.records()) {
                String quality = qualityClass(d.quality());
                summary.points++;
                if (!quality.equals("good")) {
                    summary.badPoints++;
                }
                out.accept(
                        ReplayLine.point(
                                device,
                                d.point(),
                                d.value(),
                                quality,
                                d.deviceTsMillis() >= 0 ? d.deviceTsMillis() : ts,
                                resp.lastFrame(),
                                resp.unit(),
                                d.error()));
            }
        }

        void skipped(Adu req, Adu resp, long ts, String why, ReplayDriver.Outcome o) {
            summary.skipped++;
            String detail = o.error() == null || o.error().isEmpty() ? "" : ": " + o.error();
            out.accept(
                    ReplayLine.other(
                            ReplayLine.SKIPPED,
                            device,
                            ts,
                            resp.lastFrame(),
                            resp.unit(),
                            resp.transactionId(),
                            resp.plainFunction(),
                            resp.exceptionCode(),
                            null,
                            why + detail));
        }

        /** Reports what the connection left and closes its devices. */
        void finish(TcpReassembler.End why) {
            reportGarbage(fromClient, true);
            reportGarbage(fromServer, false);
            String ends =
                    switch (why) {
                        case CAPTURE_END -> "capture ends inside a frame";
                        case PORTS_REUSED ->
                                "connection ends inside a frame (a new connection reuses its"
                                        + " ports)";
                        case CLOSED -> "connection closed inside a frame";
                        case IDLE_LIMIT -> "connection dropped inside a frame" + idleLimit();
                    };
            for (Stream s : List.of(fromClient, fromServer)) {
                if (s.length > 0) {
                    dropBuffered(
                            s,
                            ends
                                    + ": "
                                    + s.length
                                    + " bytes from the "
                                    + side(s == fromClient)
                                    + " never completed");
                }
            }
            String unanswered =
                    switch (why) {
                        case CAPTURE_END -> "request without a response in the capture";
                        case PORTS_REUSED ->
                                "request without a response before a new connection reused the"
                                        + " ports";
                        case CLOSED -> "request without a response before the connection closed";
                        case IDLE_LIMIT ->
                                "request without a response before the connection was dropped"
                                        + idleLimit();
                    };
            List<Adu> left = new ArrayList<>();
            outstanding.values().forEach(left::addAll);
            left.sort((a, b) -> Integer.compare(a.lastFrame(), b.lastFrame()));
            for (Adu req : left) {
                waiting.remove(req);
                unanswered(req, unanswered);
            }
            outstanding.clear();
            for (int dev : devices.values()) {
                driver.close(dev);
            }
            devices.clear();
        }

        String idleLimit() {
            return " (idle longest while more than "
                    + limits.maxConnections()
                    + " connections were open, the most replay tracks)";
        }
    }

    /** ABI.md §6.1: the top two bits of the quality code give its class. */
    static String qualityClass(int quality) {
        int cls = quality & 0xC000;
        return cls == 0 ? "good" : cls == 0x4000 ? "uncertain" : "bad";
    }
}
