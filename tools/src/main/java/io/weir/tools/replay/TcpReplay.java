package io.weir.tools.replay;

import io.weir.abi.AbiError;
import io.weir.tools.capture.CaptureReader;
import io.weir.tools.capture.CapturedFrame;
import io.weir.tools.capture.PacketDecoder;
import io.weir.tools.capture.TcpReassembler;
import io.weir.tools.capture.TcpReassembler.Connection;
import io.weir.tools.capture.TcpSegment;
import io.weir.tools.capture.TcpSegment.Endpoint;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the TCP traffic of a capture through a driver, one frame at a time: memory is bounded by the
 * reassembly limits and {@link ReplayEngine#MAX_OUTSTANDING}, not by the length of the capture.
 *
 * <p>Each direction of each TCP connection to the server port is reassembled and framed by the
 * driver's own {@code weir_frame_len}, which gives each frame its correlation key (ABI v1.1 §7.12);
 * frames from the client are requests, frames from the server responses, and {@link ReplayEngine}
 * pairs and decodes them on one device per connection. When a connection ends its device is closed
 * and what it left (unanswered requests, bytes that never completed a frame) is reported. Nothing
 * here knows the protocol: a driver of any TCP protocol replays the same way.
 */
public final class TcpReplay {
    /** Bytes one direction may buffer while the driver's framing still asks for more. */
    static final int MAX_UNFRAMED = 1 << 20;

    private static final int E_RESYNC = AbiError.E_RESYNC.code();

    private final ReplayDriver driver;
    private final int serverPort;
    private final Consumer<ReplayLine> out;
    private final TcpReassembler.Limits limits;
    private final ReplaySummary summary = new ReplaySummary();
    private final ReplayEngine engine;
    private final Map<Connection, ConnectionState> states = new HashMap<>();

    /** Discovery mode: every device is opened with {@code "device\n"}. */
    public TcpReplay(ReplayDriver driver, int serverPort, Consumer<ReplayLine> out) {
        this(
                driver,
                serverPort,
                out,
                TcpReassembler.Limits.DEFAULT,
                ReplayEngine.MAX_OUTSTANDING,
                "device\n");
    }

    /**
     * @param limits what TCP reassembly may hold
     * @param maxOutstanding requests waiting for a response before the oldest is given up
     * @param config the device config every connection's device is opened with (ABI §5)
     */
    public TcpReplay(
            ReplayDriver driver,
            int serverPort,
            Consumer<ReplayLine> out,
            TcpReassembler.Limits limits,
            int maxOutstanding,
            String config) {
        if (serverPort < 1 || serverPort > 65535) {
            throw new IllegalArgumentException(
                    "server port " + serverPort + " is not a TCP port (1..65535)");
        }
        this.driver = driver;
        this.serverPort = serverPort;
        this.out = out;
        this.limits = limits;
        this.engine = new ReplayEngine(driver, config, out, summary, maxOutstanding);
    }

    /** Also writes what the driver decoded as golden vectors (--vectors). */
    public TcpReplay vectors(ReplayVectors vectors) {
        engine.vectors(vectors);
        return this;
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
        final ReplayEngine.Conversation conversation;

        ConnectionState(Connection c) {
            this.connection = c;
            this.server = c.server(serverPort);
            this.device = server.toString();
            this.conversation = engine.conversation(device);
        }

        int framing() {
            return conversation.dev();
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
                ReplayEngine.Framed frame =
                        engine.framed(
                                s.take(n),
                                last.frame(),
                                millis(last.nanos()),
                                last.nanos() / 1000L,
                                f.corr());
                s.drop(n);
                if (client) {
                    conversation.request(frame);
                } else {
                    conversation.response(frame);
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
            out.accept(ReplayLine.other(kind, device, millis(nanos), frame, bytes, why));
        }

        /** Reports what the connection left and closes its device. */
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
            conversation.finish(unanswered);
        }

        String idleLimit() {
            return " (idle longest while more than "
                    + limits.maxConnections()
                    + " connections were open, the most replay tracks)";
        }
    }
}
