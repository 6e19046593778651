package io.weir.host.can;

import io.weir.abi.CanFrame;
import io.weir.host.io.LinkAddress;
import io.weir.host.serial.BurstLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A CAN bus served by socketcand ({@link Socketcand}) over TCP: connect, read {@code < hi >}, open
 * the bus, switch to raw mode; then every frame of the bus arrives as a {@code < frame … >}. A
 * refused bus, a connection that fails or a server that goes silent in the handshake is reported
 * down once per outage, and the channel connects again with exponential back-off.
 */
final class SocketcandChannel implements CanChannel {

    private static final Logger LOG = System.getLogger("io.weir.can");

    /** socketcand's default port. */
    static final int DEFAULT_PORT = 29536;

    /**
     * A {@code socketcand://host:port/bus} address.
     *
     * @param bus the server's CAN interface, at most 16 characters (socketcand's limit)
     * @param connect how long one connect attempt may take
     * @param handshake how long the server may take to greet and to answer {@code open} and {@code
     *     rawmode}
     * @param backoff the wait before the first reconnect; doubled after each failure
     * @param backoffMax the longest wait between attempts
     * @param keepalive after this long without a byte from the server, the channel sends {@code <
     *     echo >}; after as long again without an answer the connection counts as dead (a server or
     *     network that vanished without closing the connection)
     */
    record Settings(
            String host,
            int port,
            String bus,
            Duration connect,
            Duration handshake,
            Duration backoff,
            Duration backoffMax,
            Duration keepalive) {

        static final List<String> PARAMETERS =
                List.of("connect", "handshake", "backoff", "backoffmax", "keepalive");

        static Settings parse(LinkAddress a) {
            String where = "socketcand address \"" + a + "\"";
            if (a.host() == null) {
                throw new IllegalArgumentException(where + ": write socketcand://host:29536/can0");
            }
            String bus = a.path().startsWith("/") ? a.path().substring(1) : a.path();
            if (!bus.matches("[A-Za-z0-9_.-]{1,16}")) {
                throw new IllegalArgumentException(
                        where
                                + ": the bus (the path, e.g. /can0) must be 1 to 16 of A-Z a-z 0-9 _ . -,"
                                + " got \""
                                + bus
                                + "\"");
            }
            Map<String, String> p = CanTransport.params(a, PARAMETERS, where);
            try {
                Duration backoff = CanTransport.duration(p, "backoff", Duration.ofMillis(200), 10);
                Duration max = CanTransport.duration(p, "backoffmax", Duration.ofSeconds(10), 10);
                if (max.compareTo(backoff) < 0) {
                    throw new IllegalArgumentException("backoffmax must be at least backoff");
                }
                return new Settings(
                        a.host(),
                        a.port() < 0 ? DEFAULT_PORT : a.port(),
                        bus,
                        CanTransport.duration(p, "connect", Duration.ofSeconds(3), 10),
                        CanTransport.duration(p, "handshake", Duration.ofSeconds(5), 10),
                        backoff,
                        max,
                        CanTransport.duration(p, "keepalive", Duration.ofSeconds(10), 100));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
    }

    private final Settings settings;
    private final Object writeLock = new Object();
    private Events events;
    private Thread thread;
    private volatile boolean closed;
    private volatile boolean up;
    private volatile Socket socket;
    private volatile OutputStream out;
    private volatile String downReason = "not connected yet";
    private boolean reportedDown;
    private long outageStart;
    private int failedAttempts;

    private long framesReceived;
    private long framesSent;
    private long garbage;
    private long errorFrames;
    private long refused;

    private final BurstLog garbageLog = new BurstLog(LOG, Level.WARNING);
    private final BurstLog refusedLog = new BurstLog(LOG, Level.WARNING);

    SocketcandChannel(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Settings settings() {
        return settings;
    }

    @Override
    public void start(Events events) {
        this.events = events;
        thread = new Thread(this::run, "weir-" + describe().replace(' ', '-'));
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long backoff = settings.backoff().toNanos();
        while (!closed) {
            String reason;
            Socket s = new Socket();
            try {
                socket = s;
                s.connect(
                        new InetSocketAddress(settings.host(), settings.port()),
                        (int) settings.connect().toMillis());
                s.setTcpNoDelay(true);
                s.setSoTimeout((int) settings.handshake().toMillis());
                InputStream in = s.getInputStream();
                OutputStream o = s.getOutputStream();
                Socketcand.Decoder decoder = new Socketcand.Decoder();
                ArrayDeque<String> pending = new ArrayDeque<>();
                expect(in, decoder, pending, "hi", "the greeting < hi >");
                write(o, "< open " + settings.bus() + " >");
                expect(in, decoder, pending, "ok", "< ok > to < open " + settings.bus() + " >");
                write(o, "< rawmode >");
                expect(in, decoder, pending, "ok", "< ok > to < rawmode >");
                s.setSoTimeout((int) settings.keepalive().toMillis());
                synchronized (writeLock) {
                    out = o;
                }
                up = true;
                downReason = null;
                backoff = settings.backoff().toNanos();
                recovered();
                events.up();
                reason = read(in, decoder, pending);
            } catch (Refused e) {
                reason = e.getMessage();
            } catch (SocketTimeoutException e) {
                reason =
                        where()
                                + " did not complete the handshake within "
                                + settings.handshake().toMillis()
                                + " ms";
            } catch (IOException e) {
                reason =
                        closed
                                ? "closed by the host"
                                : (up ? "connection to " : "cannot connect to ")
                                        + where()
                                        + ": "
                                        + e.getMessage();
            }
            up = false;
            synchronized (writeLock) {
                out = null;
            }
            try {
                s.close();
            } catch (IOException e) {
                // Closing a broken socket.
            }
            if (closed) {
                return;
            }
            downReason = reason;
            failed(reason);
            try {
                Thread.sleep(backoff / 1_000_000, (int) (backoff % 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(backoff * 2, settings.backoffMax().toNanos());
        }
    }

    private String where() {
        return "socketcand " + settings.host() + ":" + settings.port();
    }

    private synchronized void failed(String reason) {
        failedAttempts++;
        if (reportedDown) {
            return;
        }
        reportedDown = true;
        outageStart = System.nanoTime();
        LOG.log(
                Level.WARNING,
                "{0}: down: {1}; connecting again with back-off up to {2} ms",
                describe(),
                reason,
                settings.backoffMax().toMillis());
        events.down(reason);
    }

    private synchronized void recovered() {
        if (reportedDown) {
            LOG.log(
                    Level.INFO,
                    "{0}: up again after {1} s ({2} attempts failed)",
                    describe(),
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - outageStart) / 1e9),
                    failedAttempts);
        }
        reportedDown = false;
        failedAttempts = 0;
        garbageLog.reset();
        refusedLog.reset();
    }

    /** A refusal of the server in the handshake. */
    private static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private void expect(
            InputStream in,
            Socketcand.Decoder decoder,
            ArrayDeque<String> pending,
            String want,
            String what)
            throws IOException {
        byte[] buf = new byte[512];
        while (true) {
            while (!pending.isEmpty()) {
                String e = pending.poll();
                Socketcand.Message m = Socketcand.parse(e);
                if (m instanceof Socketcand.ErrorText err) {
                    throw new Refused(
                            where()
                                    + " refused bus "
                                    + settings.bus()
                                    + ": "
                                    + Text.escape(err.text()));
                }
                if (e.trim().equals(want)) {
                    return;
                }
                // Anything else before the answer (an echo, a frame of a server that starts early)
                // is not what the handshake waits for.
                synchronized (this) {
                    garbage += e.length() + 2;
                }
            }
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException(
                        where() + " closed the connection while we waited for " + what);
            }
            pending.addAll(decoder.feed(buf, 0, n));
        }
    }

    private String read(InputStream in, Socketcand.Decoder decoder, ArrayDeque<String> pending)
            throws IOException {
        byte[] buf = new byte[8192];
        List<String> elements = new ArrayList<>(pending);
        pending.clear();
        long garbageSeen = decoder.garbage();
        echoSent = false;
        while (true) {
            List<CanFrame> frames = new ArrayList<>();
            synchronized (this) {
                for (String e : elements) {
                    Socketcand.Message m = Socketcand.parse(e);
                    if (m instanceof Socketcand.Frame f) {
                        framesReceived++;
                        frames.add(f.frame());
                    } else if (m instanceof Socketcand.ErrorFrame) {
                        errorFrames++;
                    } else if (m instanceof Socketcand.ErrorText t) {
                        refused++;
                        refusedLog.event(
                                1,
                                () ->
                                        describe()
                                                + ": the server answered < error "
                                                + Text.escape(t.text())
                                                + " >");
                    } else if (m instanceof Socketcand.Other o) {
                        garbage += e.length() + 2;
                        garbageLog.event(
                                e.length() + 2,
                                () ->
                                        describe()
                                                + ": dropped < "
                                                + Text.escape(e.trim())
                                                + " > ("
                                                + o.why()
                                                + "); more are counted, not logged, until 10 s pass"
                                                + " without any");
                    }
                }
                long g = decoder.garbage();
                if (g > garbageSeen) {
                    long more = g - garbageSeen;
                    garbage += more;
                    garbageSeen = g;
                    garbageLog.event(
                            more,
                            () ->
                                    describe()
                                            + ": dropped "
                                            + more
                                            + " bytes outside < … >; more are counted, not logged,"
                                            + " until 10 s pass without any");
                }
            }
            for (CanFrame f : frames) {
                events.frame(f);
            }
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException quiet) {
                // A quiet bus, or a server that is gone without closing the connection: ask.
                if (echoSent) {
                    return where()
                            + " did not answer < echo > within "
                            + settings.keepalive().toMillis()
                            + " ms";
                }
                echoSent = true;
                synchronized (writeLock) {
                    if (out != null) {
                        write(out, "< echo >");
                    }
                }
                elements = List.of();
                continue;
            }
            if (n < 0) {
                return where() + " closed the connection";
            }
            echoSent = false;
            elements = decoder.feed(buf, 0, n);
        }
    }

    /** An echo is out and nothing has come back since. Only the reader thread touches it. */
    private boolean echoSent;

    private void write(OutputStream o, String element) throws IOException {
        o.write(element.getBytes(StandardCharsets.US_ASCII));
        o.flush();
    }

    @Override
    public boolean send(List<CanFrame> frames) {
        StringBuilder b = new StringBuilder();
        for (CanFrame f : frames) {
            b.append(Socketcand.encode(f));
        }
        synchronized (writeLock) {
            OutputStream o = out;
            if (o == null || !up) {
                return false;
            }
            try {
                write(o, b.toString());
            } catch (IOException e) {
                Socket s = socket;
                try {
                    if (s != null) {
                        s.close();
                    }
                } catch (IOException ignored) {
                    // The reader reports the loss.
                }
                return false;
            }
        }
        synchronized (this) {
            framesSent += frames.size();
        }
        return true;
    }

    @Override
    public boolean connected() {
        return up;
    }

    @Override
    public String downReason() {
        return up ? null : closed ? "closed by the host" : downReason;
    }

    @Override
    public String describe() {
        return "socketcand " + settings.host() + ":" + settings.port() + "/" + settings.bus();
    }

    @Override
    public synchronized CanStats stats() {
        return new CanStats(framesReceived, framesSent, garbage, errorFrames, refused, 0);
    }

    @Override
    public void close() {
        closed = true;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // Closing.
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
