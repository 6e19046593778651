package io.weir.tools.capture;

import io.weir.tools.capture.TcpSegment.Endpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds the two byte streams of every TCP connection from captured segments, in capture order,
 * in bounded memory.
 *
 * <p>Per direction it follows the sequence number (RFC 9293 §3.4): retransmitted and overlapping
 * bytes are delivered once (the first copy wins, as in Wireshark), segments that arrive ahead of a
 * hole are held until the hole is filled. A hole that the capture never fills (the segment was lost
 * by the capturing host, not by the peer) is given up when the peer acknowledges past it, when the
 * bytes held behind it pass {@link Limits#maxHeldPerDirection()} (or all directions together pass
 * {@link Limits#maxHeldTotal()}), or when the connection ends; the listener hears of it as a gap
 * and the held bytes follow.
 *
 * <p>A connection ends when a new SYN reuses its ports, when more than {@link
 * Limits#maxConnections()} are open and it is the one idle longest, or at {@link #finish()}; the
 * listener hears {@link Listener#onEnd} and the reassembler forgets it. Memory is therefore bounded
 * by the limits, not by the length of the capture. A FIN or RST does not end a connection at once:
 * the last ACK and late retransmissions still find it instead of opening a phantom one.
 */
public final class TcpReassembler {

    /** Receives the reassembled streams. */
    public interface Listener {
        /**
         * New in-order bytes {@code data[off..off+len]} from {@code from} to the connection's other
         * side, all from capture frame {@code frame} (captured at {@code epochNanos}). The array is
         * the segment's own: copy what you keep.
         */
        void onData(
                Connection connection,
                Endpoint from,
                byte[] data,
                int off,
                int len,
                int frame,
                long epochNanos);

        /** Bytes from {@code from} that the stream skips; it resumes after them. */
        void onGap(Connection connection, Endpoint from, Gap gap);

        /** The connection is over for the reassembler: no more data or gaps will come for it. */
        void onEnd(Connection connection, End why);
    }

    /** Why a connection ended. */
    public enum End {
        /** The capture ended ({@link #finish()}). */
        CAPTURE_END,
        /** A SYN with a new initial sequence number reused its address and ports. */
        PORTS_REUSED,
        /**
         * More than {@link Limits#maxConnections()} were open and it was idle longest, after a FIN
         * from both sides or a RST: its data was complete.
         */
        CLOSED,
        /**
         * More than {@link Limits#maxConnections()} were open and it was idle longest, still open:
         * more of it may follow in the capture (it would count as a new connection).
         */
        IDLE_LIMIT
    }

    /**
     * A hole given up.
     *
     * @param missing how many bytes the stream skips
     * @param frame the capture frame at which the hole was given up (the acknowledgement past it,
     *     or the first segment held behind it)
     * @param epochNanos that frame's capture time
     * @param overLimit true if it was given up because too many bytes were held behind it, false if
     *     the capture cannot fill it (acknowledged by the peer, or the connection ended)
     */
    public record Gap(long missing, int frame, long epochNanos, boolean overLimit) {}

    /**
     * What the reassembler may hold.
     *
     * @param maxConnections connections tracked at once; the one idle longest ends beyond that
     * @param maxHeldPerDirection bytes held behind holes in one direction of one connection
     * @param maxHeldTotal bytes held behind holes in all directions together
     */
    public record Limits(int maxConnections, int maxHeldPerDirection, long maxHeldTotal) {
        /**
         * 4096 connections; 256 KiB per direction (four windows of 64 KiB, far more than an
         * industrial protocol keeps in flight); 16 MiB in all.
         */
        public static final Limits DEFAULT = new Limits(4096, 256 * 1024, 16L * 1024 * 1024);

        public Limits {
            if (maxConnections < 1 || maxHeldPerDirection < 1 || maxHeldTotal < 1) {
                throw new IllegalArgumentException(
                        "reassembly limits must be positive: "
                                + maxConnections
                                + " connections, "
                                + maxHeldPerDirection
                                + " bytes per direction, "
                                + maxHeldTotal
                                + " bytes in all");
            }
        }
    }

    /**
     * One TCP connection.
     *
     * <p>{@code id} is 0-based, in order of first appearance (like Wireshark's {@code tcp.stream}).
     */
    public static final class Connection {
        private final int id;
        private final FourTuple key;
        private final Endpoint first;
        private final Endpoint second;
        private final Direction fromFirst = new Direction();
        private final Direction fromSecond = new Direction();
        private Endpoint synSender;
        private Endpoint firstDataSender;
        private boolean reset;

        Connection(int id, FourTuple key, Endpoint first, Endpoint second) {
            this.id = id;
            this.key = key;
            this.first = first;
            this.second = second;
        }

        public int id() {
            return id;
        }

        /**
         * The server side: the endpoint on {@code serverPort} if exactly one side uses it, else the
         * side that received the opening SYN, else the side that did not speak first.
         */
        public Endpoint server(int serverPort) {
            if (first.port() == serverPort && second.port() != serverPort) {
                return first;
            }
            if (second.port() == serverPort && first.port() != serverPort) {
                return second;
            }
            if (synSender != null) {
                return peerOf(synSender);
            }
            if (firstDataSender != null) {
                return peerOf(firstDataSender);
            }
            return second;
        }

        public Endpoint peerOf(Endpoint e) {
            return e.equals(first) ? second : first;
        }

        public long duplicateBytes() {
            return fromFirst.duplicateBytes + fromSecond.duplicateBytes;
        }

        public int outOfOrderSegments() {
            return fromFirst.outOfOrderSegments + fromSecond.outOfOrderSegments;
        }

        Direction direction(Endpoint from) {
            return from.equals(first) ? fromFirst : fromSecond;
        }

        /** Both sides sent FIN, or one sent RST: no new data can follow. */
        boolean closed() {
            return reset || (fromFirst.finished && fromSecond.finished);
        }

        @Override
        public String toString() {
            return "tcp stream " + id + " " + first + " <-> " + second;
        }
    }

    private record Pending(byte[] data, int frame, long epochNanos) {}

    private static final class Direction {
        boolean started;
        boolean finished;
        long nextSeq;
        long delivered;
        final TreeMap<Long, List<Pending>> ahead = new TreeMap<>();
        long held;
        long duplicateBytes;
        int outOfOrderSegments;
    }

    private record FourTuple(Endpoint a, Endpoint b) {
        static FourTuple of(Endpoint x, Endpoint y) {
            // Canonical order so both directions find the same connection.
            int c = compare(x, y);
            return c <= 0 ? new FourTuple(x, y) : new FourTuple(y, x);
        }

        private static int compare(Endpoint x, Endpoint y) {
            int c = Arrays.compareUnsigned(x.address(), y.address());
            return c != 0 ? c : Integer.compare(x.port(), y.port());
        }
    }

    private final Listener listener;
    private final Limits limits;
    // Access order: the first entry is the connection idle longest, the one to end first.
    private final Map<FourTuple, Connection> open = new LinkedHashMap<>(64, 0.75f, true);
    private int connections;
    private long held;

    public TcpReassembler(Listener listener) {
        this(listener, Limits.DEFAULT);
    }

    public TcpReassembler(Listener listener, Limits limits) {
        this.listener = listener;
        this.limits = limits;
    }

    /** Connections seen so far, ended or not. */
    public int connectionCount() {
        return connections;
    }

    /** Connections open now (not yet ended). */
    public int openConnections() {
        return open.size();
    }

    /** Bytes held behind holes now, all directions together. */
    public long heldBytes() {
        return held;
    }

    public void accept(TcpSegment s) {
        Endpoint from = s.source();
        Endpoint to = s.destination();
        FourTuple key = FourTuple.of(from, to);
        Connection c = open.get(key);
        boolean opening = s.has(TcpSegment.SYN) && !s.has(TcpSegment.ACK);
        if (c != null && opening) {
            Direction d = c.direction(from);
            // A fresh SYN with another initial sequence number on a known 4-tuple is a new
            // connection reusing the ports; a SYN at the known ISN is a retransmitted SYN.
            if (d.started && d.nextSeq != ((s.seq() + 1) & 0xFFFFFFFFL)) {
                end(c, End.PORTS_REUSED);
                c = null;
            }
        }
        if (c == null) {
            if (connections == Integer.MAX_VALUE) {
                throw new IllegalStateException(
                        "more than " + Integer.MAX_VALUE + " TCP connections in one capture");
            }
            c = new Connection(connections++, key, from, to);
            open.put(key, c);
            if (open.size() > limits.maxConnections()) {
                Connection idle = open.values().iterator().next();
                end(idle, idle.closed() ? End.CLOSED : End.IDLE_LIMIT);
            }
        }
        if (opening) {
            c.synSender = from;
        }
        if (s.has(TcpSegment.ACK)) {
            acknowledged(c, to, s.ack(), s.frame(), s.epochNanos());
        }
        Direction d = c.direction(from);
        long seq = s.seq();
        if (s.has(TcpSegment.SYN)) {
            // The SYN occupies one sequence number; data (if any) follows it.
            if (!d.started) {
                d.started = true;
                d.nextSeq = (seq + 1) & 0xFFFFFFFFL;
            }
            seq = (seq + 1) & 0xFFFFFFFFL;
        }
        if (s.payload().length > 0) {
            if (c.firstDataSender == null) {
                c.firstDataSender = from;
            }
            if (!d.started) {
                // Capture began mid-connection: the first data seen defines the stream start.
                d.started = true;
                d.nextSeq = seq;
            }
            data(c, from, d, seq, s);
        }
        if (s.has(TcpSegment.FIN)) {
            d.finished = true;
        }
        if (s.has(TcpSegment.RST)) {
            c.reset = true;
        }
    }

    /** Ends every open connection, oldest first: holes are given up, held data delivered. */
    public void finish() {
        List<Connection> left = new ArrayList<>(open.values());
        left.sort(Comparator.comparingInt(Connection::id));
        for (Connection c : left) {
            end(c, End.CAPTURE_END);
        }
    }

    private void end(Connection c, End why) {
        flush(c, c.first, c.fromFirst, Long.MAX_VALUE, 0, 0, false);
        flush(c, c.second, c.fromSecond, Long.MAX_VALUE, 0, 0, false);
        open.remove(c.key, c);
        listener.onEnd(c, why);
    }

    private void acknowledged(Connection c, Endpoint sender, long ack, int frame, long nanos) {
        Direction d = c.direction(sender);
        if (!d.started || d.ahead.isEmpty()) {
            return;
        }
        int beyond = (int) (ack - d.nextSeq);
        if (beyond > 0) {
            // The peer has bytes the capture never saw: waiting longer cannot fill the hole.
            flush(c, sender, d, d.delivered + beyond, frame, nanos, false);
        }
    }

    /**
     * Skips holes and delivers held data whose offset is below {@code upTo}; a gap is dated by
     * {@code frame} if given, else by the first segment held behind it.
     */
    private void flush(
            Connection c,
            Endpoint from,
            Direction d,
            long upTo,
            int frame,
            long nanos,
            boolean overLimit) {
        while (!d.ahead.isEmpty() && d.ahead.firstKey() < upTo) {
            long offset = d.ahead.firstKey();
            if (offset > d.delivered) {
                long missing = offset - d.delivered;
                Pending first = d.ahead.firstEntry().getValue().get(0);
                listener.onGap(
                        c,
                        from,
                        new Gap(
                                missing,
                                frame > 0 ? frame : first.frame(),
                                frame > 0 ? nanos : first.epochNanos(),
                                overLimit));
                d.nextSeq = (d.nextSeq + missing) & 0xFFFFFFFFL;
                d.delivered = offset;
            }
            drain(c, from, d);
        }
    }

    private void data(Connection c, Endpoint from, Direction d, long seq, TcpSegment s) {
        int ahead = (int) (seq - d.nextSeq);
        long offset = d.delivered + ahead;
        if (offset > d.delivered) {
            d.outOfOrderSegments++;
            d.ahead
                    .computeIfAbsent(offset, k -> new ArrayList<>(1))
                    .add(new Pending(s.payload(), s.frame(), s.epochNanos()));
            d.held += s.payload().length;
            held += s.payload().length;
            // Past a bound, waiting for the hole costs more than the hole is worth: give it up.
            while ((d.held > limits.maxHeldPerDirection() || held > limits.maxHeldTotal())
                    && !d.ahead.isEmpty()) {
                flush(c, from, d, d.ahead.firstKey() + 1, 0, 0, true);
            }
            return;
        }
        deliver(c, from, d, offset, s.payload(), s.frame(), s.epochNanos());
        drain(c, from, d);
    }

    private void drain(Connection c, Endpoint from, Direction d) {
        while (!d.ahead.isEmpty() && d.ahead.firstKey() <= d.delivered) {
            Map.Entry<Long, List<Pending>> e = d.ahead.pollFirstEntry();
            for (Pending p : e.getValue()) {
                d.held -= p.data().length;
                held -= p.data().length;
                deliver(c, from, d, e.getKey(), p.data(), p.frame(), p.epochNanos());
            }
        }
    }

    /** Delivers the part of a segment at stream offset {@code offset} not delivered before. */
    private void deliver(
            Connection c,
            Endpoint from,
            Direction d,
            long offset,
            byte[] payload,
            int frame,
            long nanos) {
        long skip = d.delivered - offset;
        if (skip >= payload.length) {
            d.duplicateBytes += payload.length;
            return;
        }
        d.duplicateBytes += skip;
        int n = payload.length - (int) skip;
        d.delivered += n;
        d.nextSeq = (d.nextSeq + n) & 0xFFFFFFFFL;
        listener.onData(c, from, payload, (int) skip, n, frame, nanos);
    }
}
