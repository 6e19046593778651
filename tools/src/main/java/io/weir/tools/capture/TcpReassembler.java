package io.weir.tools.capture;

import io.weir.tools.capture.TcpSegment.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds the two byte streams of every TCP connection from captured segments, in capture order.
 *
 * <p>Per direction it follows the sequence number (RFC 9293 §3.4): retransmitted and overlapping
 * bytes are delivered once (the first copy wins, as in Wireshark), segments that arrive ahead of a
 * hole are held until the hole is filled. Every delivered byte carries the 1-based frame number it
 * arrived in. A hole that the capture never fills (the segment was lost by the capturing host, not
 * by the peer) is given up when the peer acknowledges past it, or at {@link #finish()}; the
 * listener hears of it as a gap.
 */
public final class TcpReassembler {

    /** Receives the reassembled streams. */
    public interface Listener {
        /** New in-order bytes from {@code from} to the connection's other side. */
        void onData(Connection connection, Endpoint from, byte[] data, int[] frames);

        /**
         * {@code missing} bytes from {@code from} were never captured; the stream resumes after.
         */
        void onGap(Connection connection, Endpoint from, long missing, int frame);
    }

    /**
     * One TCP connection.
     *
     * @param id 0-based, in order of first appearance (like Wireshark's {@code tcp.stream})
     */
    public static final class Connection {
        private final int id;
        private final Endpoint first;
        private final Endpoint second;
        private final Direction fromFirst = new Direction();
        private final Direction fromSecond = new Direction();
        private Endpoint synSender;
        private Endpoint firstDataSender;

        Connection(int id, Endpoint first, Endpoint second) {
            this.id = id;
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

        @Override
        public String toString() {
            return "tcp stream " + id + " " + first + " <-> " + second;
        }
    }

    private record Pending(byte[] data, int frame) {}

    private static final class Direction {
        boolean started;
        boolean finished;
        long nextSeq;
        long delivered;
        final TreeMap<Long, List<Pending>> ahead = new TreeMap<>();
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
            int c = java.util.Arrays.compareUnsigned(x.address(), y.address());
            return c != 0 ? c : Integer.compare(x.port(), y.port());
        }
    }

    private final Listener listener;
    private final Map<FourTuple, Connection> open = new HashMap<>();
    private final List<Connection> all = new ArrayList<>();

    public TcpReassembler(Listener listener) {
        this.listener = listener;
    }

    public List<Connection> connections() {
        return List.copyOf(all);
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
                finish(c);
                c = null;
            }
        }
        if (c == null) {
            c = new Connection(all.size(), from, to);
            all.add(c);
            open.put(key, c);
        }
        if (opening) {
            c.synSender = from;
        }
        if (s.has(TcpSegment.ACK)) {
            acknowledged(c, to, s.ack(), s.frame());
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
            data(c, from, d, seq, s.payload(), s.frame());
        }
        if (s.has(TcpSegment.FIN) || s.has(TcpSegment.RST)) {
            d.finished = true;
        }
    }

    /** Gives up every hole still open and delivers what was held behind it. */
    public void finish() {
        for (Connection c : all) {
            finish(c);
        }
        open.clear();
    }

    private void finish(Connection c) {
        flush(c, c.first, c.fromFirst, Long.MAX_VALUE, 0);
        flush(c, c.second, c.fromSecond, Long.MAX_VALUE, 0);
    }

    private void acknowledged(Connection c, Endpoint sender, long ack, int frame) {
        Direction d = c.direction(sender);
        if (!d.started || d.ahead.isEmpty()) {
            return;
        }
        int beyond = (int) (ack - d.nextSeq);
        if (beyond > 0) {
            // The peer has bytes the capture never saw: waiting longer cannot fill the hole.
            flush(c, sender, d, d.delivered + beyond, frame);
        }
    }

    /** Skips holes and delivers held data whose offset is below {@code upTo}. */
    private void flush(Connection c, Endpoint from, Direction d, long upTo, int frame) {
        while (!d.ahead.isEmpty() && d.ahead.firstKey() < upTo) {
            long offset = d.ahead.firstKey();
            if (offset > d.delivered) {
                long missing = offset - d.delivered;
                int at = frame > 0 ? frame : d.ahead.firstEntry().getValue().get(0).frame();
                listener.onGap(c, from, missing, at);
                d.nextSeq = (d.nextSeq + missing) & 0xFFFFFFFFL;
                d.delivered = offset;
            }
            drain(c, from, d);
        }
    }

    private void data(
            Connection c, Endpoint from, Direction d, long seq, byte[] payload, int frame) {
        int ahead = (int) (seq - d.nextSeq);
        long offset = d.delivered + ahead;
        if (offset > d.delivered) {
            d.outOfOrderSegments++;
            d.ahead
                    .computeIfAbsent(offset, k -> new ArrayList<>(1))
                    .add(new Pending(payload, frame));
            return;
        }
        deliver(c, from, d, offset, payload, frame);
        drain(c, from, d);
    }

    private void drain(Connection c, Endpoint from, Direction d) {
        while (!d.ahead.isEmpty() && d.ahead.firstKey() <= d.delivered) {
            Map.Entry<Long, List<Pending>> e = d.ahead.pollFirstEntry();
            for (Pending p : e.getValue()) {
                deliver(c, from, d, e.getKey(), p.data(), p.frame());
            }
        }
    }

    /** Delivers the part of a segment at stream offset {@code offset} not delivered before. */
    private void deliver(
            Connection c, Endpoint from, Direction d, long offset, byte[] payload, int frame) {
        long skip = d.delivered - offset;
        if (skip >= payload.length) {
            d.duplicateBytes += payload.length;
            return;
        }
        d.duplicateBytes += skip;
        int n = payload.length - (int) skip;
        byte[] fresh = new byte[n];
        System.arraycopy(payload, (int) skip, fresh, 0, n);
        int[] frames = new int[n];
        java.util.Arrays.fill(frames, frame);
        d.delivered += n;
        d.nextSeq = (d.nextSeq + n) & 0xFFFFFFFFL;
        listener.onData(c, from, fresh, frames);
    }
}
