package io.weir.tools.replay;

import io.weir.tools.capture.CapturedFrame;
import io.weir.tools.capture.PacketDecoder;
import io.weir.tools.capture.TcpReassembler;
import io.weir.tools.capture.TcpReassembler.Connection;
import io.weir.tools.capture.TcpSegment;
import io.weir.tools.capture.TcpSegment.Endpoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the Modbus TCP traffic of a capture through a driver.
 *
 * <p>Each direction of each TCP connection to the server port is reassembled and framed by the
 * driver's own {@code weir_frame_len}. Requests are paired with responses by (connection,
 * transaction identifier, unit identifier, function code), first in first out, so a client that
 * reuses a transaction identifier is still paired in order. Each pair goes to a device opened in
 * discovery mode for its unit: {@code weir_observe(request)}, then {@code weir_on_frame(response)}.
 *
 * <p>Only the MBAP header is read here (Modbus Messaging on TCP/IP Implementation Guide v1.0b
 * §3.1.3: transaction id bytes 0-1, unit id byte 6, function code byte 7), to pair frames and to
 * say which request a report line is about; every value comes from the driver.
 */
public final class ModbusTcpReplay {
    /** IANA port for Modbus TCP (Implementation Guide §4.1.1). */
    public static final int MODBUS_PORT = 502;

    private static final int E_RESYNC = -10;
    private static final int E_UNSUPPORTED = -7;
    private static final int E_PROTO = -5;

    private final ReplayDriver driver;
    private final int serverPort;
    private final Consumer<ReplayLine> out;
    private final ReplaySummary summary = new ReplaySummary();
    private final Map<Connection, ConnectionState> states = new HashMap<>();
    private long[] frameNanos = new long[0];

    public ModbusTcpReplay(ReplayDriver driver, int serverPort, Consumer<ReplayLine> out) {
        this.driver = driver;
        this.serverPort = serverPort;
        this.out = out;
    }

    /** Replays every frame, then reports what stayed unpaired; returns the counts. */
    public ReplaySummary replay(List<CapturedFrame> frames) {
        frameNanos = new long[frames.size() + 2];
        TcpReassembler reassembler = new TcpReassembler(new StreamListener());
        for (CapturedFrame f : frames) {
            summary.frames++;
            if (f.number() < frameNanos.length) {
                frameNanos[f.number()] = f.epochNanos();
            }
            PacketDecoder.Result r = PacketDecoder.decode(f);
            if (r instanceof PacketDecoder.Segment s) {
                TcpSegment seg = s.segment();
                if (seg.srcPort() != serverPort && seg.dstPort() != serverPort) {
                    summary.otherTraffic++;
                    continue;
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
        reassembler.finish();
        for (Connection c : reassembler.connections()) {
            summary.connections++;
            summary.duplicateBytes += c.duplicateBytes();
            summary.outOfOrderSegments += c.outOfOrderSegments();
            ConnectionState st = states.get(c);
            if (st != null) {
                st.finish();
            }
        }
        return summary;
    }

    private long millis(int frame) {
        return frame > 0 && frame < frameNanos.length
                ? Math.floorDiv(frameNanos[frame], 1_000_000L)
                : 0;
    }

    private final class StreamListener implements TcpReassembler.Listener {
        @Override
        public void onData(Connection c, Endpoint from, byte[] data, int[] frames) {
            state(c).data(from, data, frames);
        }

        @Override
        public void onGap(Connection c, Endpoint from, long missing, int frame) {
            state(c).gap(from, missing, frame);
        }

        private ConnectionState state(Connection c) {
            return states.computeIfAbsent(c, ConnectionState::new);
        }
    }

    /** A frame cut out of one direction's stream. */
    private record Adu(byte[] bytes, int lastFrame, int transactionId, int unit, int functionCode) {
        boolean isException() {
            return (functionCode & 0x80) != 0;
        }

        int plainFunction() {
            return functionCode & 0x7F;
        }

        Integer exceptionCode() {
            return isException() && bytes.length > 8 ? bytes[8] & 0xFF : null;
        }

        static Adu of(byte[] b, int lastFrame) {
            int tid = b.length >= 2 ? ((b[0] & 0xFF) << 8) | (b[1] & 0xFF) : -1;
            int unit = b.length >= 7 ? b[6] & 0xFF : -1;
            int fc = b.length >= 8 ? b[7] & 0xFF : -1;
            return new Adu(b, lastFrame, tid, unit, fc);
        }
    }

    private record PairKey(int transactionId, int unit, int functionCode) {}

    /** Bytes of one direction not yet framed, with the frame number of every byte. */
    private static final class Stream {
        byte[] data = new byte[1024];
        int[] frames = new int[1024];
        int length;
        long garbage;
        int garbageFirstFrame;
        int garbageLastFrame;

        void append(byte[] d, int[] f) {
            if (length + d.length > data.length) {
                int cap = Math.max(data.length * 2, length + d.length);
                data = Arrays.copyOf(data, cap);
                frames = Arrays.copyOf(frames, cap);
            }
            System.arraycopy(d, 0, data, length, d.length);
            System.arraycopy(f, 0, frames, length, f.length);
            length += d.length;
        }

        void drop(int n) {
            System.arraycopy(data, n, data, 0, length - n);
            System.arraycopy(frames, n, frames, 0, length - n);
            length -= n;
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

        void data(Endpoint from, byte[] data, int[] frames) {
            boolean client = !from.equals(server);
            Stream s = client ? fromClient : fromServer;
            s.append(data, frames);
            frame(s, client);
        }

        void gap(Endpoint from, long missing, int frame) {
            boolean client = !from.equals(server);
            Stream s = client ? fromClient : fromServer;
            summary.gaps++;
            String partial =
                    s.length > 0 ? "; the " + s.length + " bytes before it are dropped" : "";
            streamLine(
                    ReplayLine.GAP,
                    frame,
                    missing,
                    missing
                            + " bytes from the "
                            + (client ? "client" : "server")
                            + " were not captured"
                            + partial);
            s.length = 0;
        }

        void frame(Stream s, boolean client) {
            while (s.length > 0) {
                ReplayDriver.Framing f = driver.frameLen(framing(), s.data, s.length);
                if (f.status() == 0) {
                    return;
                }
                if (f.status() == E_RESYNC) {
                    int skip = Math.max(1, Math.min(f.skip(), s.length));
                    if (s.garbage == 0) {
                        s.garbageFirstFrame = s.frames[0];
                    }
                    s.garbage += skip;
                    s.garbageLastFrame = s.frames[skip - 1];
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
                Adu adu = Adu.of(Arrays.copyOf(s.data, n), s.frames[n - 1]);
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
                    s.garbage,
                    "driver's framing skipped "
                            + s.garbage
                            + " bytes from the "
                            + (client ? "client" : "server")
                            + " that start no frame (frames "
                            + s.garbageFirstFrame
                            + ".."
                            + s.garbageLastFrame
                            + ")");
            s.garbage = 0;
        }

        /** Reports the bytes still buffered in {@code s} as garbage and empties it. */
        void dropBuffered(Stream s, String why) {
            garbage(s.frames[0], s.length, why);
            s.length = 0;
        }

        void garbage(int frame, long bytes, String why) {
            summary.garbageBytes += bytes;
            streamLine(ReplayLine.GARBAGE, frame, bytes, why);
        }

        /**
         * A line about {@code bytes} bytes of the stream rather than one ADU (garbage, gap), dated
         * by capture frame {@code frame}.
         */
        void streamLine(String kind, int frame, long bytes, String why) {
            out.accept(
                    ReplayLine.other(
                            kind,
                            device,
                            millis(frame),
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
        }

        void response(Adu resp) {
            summary.responses++;
            Deque<Adu> q =
                    outstanding.get(
                            new PairKey(resp.transactionId(), resp.unit(), resp.plainFunction()));
            Adu req = q == null ? null : q.pollFirst();
            if (req == null) {
                summary.unsolicited++;
                out.accept(
                        ReplayLine.other(
                                ReplayLine.UNSOLICITED,
                                device,
                                millis(resp.lastFrame()),
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
            summary.pairs++;
            exchange(req, resp);
        }

        void exchange(Adu req, Adu resp) {
            int dev = deviceFor(resp.unit());
            long ts = millis(resp.lastFrame());
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
                    driver.onFrame(dev, resp.bytes(), frameNanos[resp.lastFrame()] / 1000L);
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

        void finish() {
            reportGarbage(fromClient, true);
            reportGarbage(fromServer, false);
            for (Stream s : List.of(fromClient, fromServer)) {
                if (s.length > 0) {
                    dropBuffered(
                            s,
                            "capture ends inside a frame: "
                                    + s.length
                                    + " bytes from the "
                                    + (s == fromClient ? "client" : "server")
                                    + " never completed");
                }
            }
            List<Adu> left = new ArrayList<>();
            outstanding.values().forEach(left::addAll);
            left.sort((a, b) -> Integer.compare(a.lastFrame(), b.lastFrame()));
            for (Adu req : left) {
                summary.unanswered++;
                out.accept(
                        ReplayLine.other(
                                ReplayLine.UNANSWERED,
                                device,
                                millis(req.lastFrame()),
                                req.lastFrame(),
                                req.unit(),
                                req.transactionId(),
                                req.plainFunction(),
                                null,
                                (long) req.bytes().length,
                                "request without a response in the capture"));
            }
            outstanding.clear();
        }
    }

    /** ABI.md §6.1: the top two bits of the quality code give its class. */
    static String qualityClass(int quality) {
        int cls = quality & 0xC000;
        return cls == 0 ? "good" : cls == 0x4000 ? "uncertain" : "bad";
    }
}
