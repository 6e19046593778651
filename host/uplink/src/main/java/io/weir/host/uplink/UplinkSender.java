package io.weir.host.uplink;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Sends outbox batches over mutual TLS in sealing order with at most {@code window} batches
 * unacknowledged, deletes them on ACK, quarantines refused ones, and reconnects with exponential
 * backoff and jitter (UPLINK.md §7.2). Every (re)connection resends from the head of the outbox:
 * the same stored bytes, never re-encrypted.
 */
final class UplinkSender implements Runnable {
    private static final System.Logger LOG = System.getLogger("weir.uplink.sender");
    private static final Object WAKE = new Object();
    private static final Object CLOSED = new Object();

    private final UplinkConfig config;
    private final Outbox outbox;
    private final UplinkTls tls;
    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final ArrayDeque<Outbox.Row> inflight = new ArrayDeque<>();
    private final ArrayDeque<Long> sentAt = new ArrayDeque<>();

    /**
     * Batches sent and not yet settled, published after each settled ACK's counters are updated, so
     * whoever sees 0 here also sees those counters (for {@link Uplink#awaitDrained}).
     */
    private volatile int unsettled;

    private volatile boolean stopping;
    private volatile Channel channel;
    private long lastSentId;
    private long backoffMs;

    final AtomicLong ackedBatches = new AtomicLong();
    final AtomicLong ackedPoints = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong connects = new AtomicLong();
    volatile String lastError;

    /**
     * Send-to-ACK latency in µs, recorded by this sender's thread without locks; read as interval
     * histograms and summed into {@link #latencySinceReset} (3 significant digits, auto-resizing).
     */
    private final Recorder latency = new Recorder(3);

    private final Histogram latencySinceReset = new Histogram(3);
    private Histogram latencyInterval;

    UplinkSender(UplinkConfig config, Outbox outbox, UplinkTls tls) {
        this.config = config;
        this.outbox = outbox;
        this.tls = tls;
        this.backoffMs = config.backoff().min().toMillis();
    }

    void wakeup() {
        events.offer(WAKE);
    }

    /** Batches on the wire without a settled ACK. */
    int unsettled() {
        return unsettled;
    }

    boolean connected() {
        Channel c = channel;
        return c != null && c.isActive();
    }

    /** Send-to-ACK latencies in µs of every batch settled since start or the last reset. */
    synchronized Histogram latencies() {
        latencyInterval = latency.getIntervalHistogram(latencyInterval);
        latencySinceReset.add(latencyInterval);
        return latencySinceReset.copy();
    }

    synchronized void resetLatencies() {
        latency.reset();
        latencySinceReset.reset();
    }

    @Override
    public void run() {
        while (!stopping) {
            try {
                if (!connected()) {
                    if (channel != null) {
                        // A connection dropped: back off before the next one too, or a receiver
                        // that refuses us after the handshake would be hammered.
                        channel = null;
                        sleepBackoff();
                        continue;
                    }
                    if (!connect()) {
                        sleepBackoff();
                        continue;
                    }
                }
                fillWindow();
                Object ev = events.poll(inflight.isEmpty() ? 100 : 20, TimeUnit.MILLISECONDS);
                while (ev != null) {
                    handle(ev);
                    ev = events.poll();
                }
                unsettled = inflight.size();
                checkAckTimeout();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (stopping) {
                    return;
                }
                lastError = e.toString();
                LOG.log(Level.WARNING, "uplink sender error, reconnecting: {0}", e.toString());
                closeChannel();
                if (channel == null) {
                    sleepBackoff();
                }
            }
        }
    }

    private boolean connect() throws InterruptedException {
        inflight.clear();
        unsettled = 0;
        sentAt.clear();
        lastSentId = 0;
        events.clear();
        Bootstrap b =
                new Bootstrap()
                        .group(group)
                        .channel(NioSocketChannel.class)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .handler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        ch.pipeline()
                                                .addLast(
                                                        "tls",
                                                        tls.newHandler(
                                                                ch.alloc(),
                                                                config.host(),
                                                                config.port()))
                                                .addLast(UplinkFrame.decoder())
                                                .addLast(new AckHandler());
                                    }
                                });
        ChannelFuture f = b.connect(config.host(), config.port());
        if (!f.await(15, TimeUnit.SECONDS) || !f.isSuccess()) {
            fail("cannot connect to " + config.host() + ":" + config.port(), f.cause());
            return false;
        }
        Channel ch = f.channel();
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        var hs = ssl.handshakeFuture();
        if (!hs.await(20, TimeUnit.SECONDS) || !hs.isSuccess()) {
            fail(
                    "TLS handshake with " + config.host() + ":" + config.port() + " failed",
                    hs.cause());
            ch.close();
            return false;
        }
        channel = ch;
        connects.incrementAndGet();
        // The backoff resets on the first ACK, not here: with TLS 1.3 the client finishes its
        // handshake before the receiver has checked the client certificate.
        LOG.log(
                Level.INFO,
                "uplink connected to {0}:{1} ({2}, {3})",
                config.host(),
                String.valueOf(config.port()),
                ssl.engine().getSession().getProtocol(),
                ssl.engine().getSession().getCipherSuite());
        return true;
    }

    private void fail(String what, Throwable cause) {
        String why = cause == null ? "timed out" : UplinkTls.causeChain(cause);
        lastError = what + ": " + why;
        LOG.log(Level.WARNING, "{0}; retrying in {1} ms; outbox kept", lastError, backoffMs);
    }

    private void sleepBackoff() {
        if (stopping) {
            return;
        }
        long waitMs = waitMillis(backoffMs, ThreadLocalRandom.current());
        try {
            // Only stop() ends the wait early; new batches do not, the receiver is still away.
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
            while (!stopping && System.nanoTime() < until) {
                events.poll(until - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
        backoffMs = grow(backoffMs, config.backoff().max().toMillis());
    }

    /**
     * The wait before the next attempt: half the backoff plus a random part of up to the other
     * half, so gateways that lost the receiver together do not all come back at the same moment.
     */
    static long waitMillis(long backoffMs, RandomGenerator random) {
        return backoffMs / 2 + random.nextLong(backoffMs / 2 + 1);
    }

    /** The backoff after a failed attempt: doubled, at least 1 ms, at most {@code maxMs}. */
    static long grow(long backoffMs, long maxMs) {
        return Math.min(maxMs, Math.max(1, backoffMs * 2));
    }

    private void fillWindow() throws Exception {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return;
        }
        int room = config.batching().window() - inflight.size();
        if (room <= 0) {
            return;
        }
        List<Outbox.Row> rows = outbox.after(lastSentId, room);
        if (rows.isEmpty()) {
            return;
        }
        for (Outbox.Row r : rows) {
            ch.write(UplinkFrame.batch(ch.alloc(), r.envelope()));
            inflight.addLast(r);
            sentAt.addLast(System.nanoTime());
            lastSentId = r.id();
        }
        unsettled = inflight.size();
        ch.flush();
    }

    private void handle(Object ev) throws Exception {
        if (ev == WAKE) {
            return;
        }
        if (ev == CLOSED) {
            return; // the loop notices the inactive channel and reconnects
        }
        UplinkFrame.Ack ack = (UplinkFrame.Ack) ev;
        if (ack.status() != UplinkFrame.Status.RETRY_LATER) {
            // The receiver took the batch (or refused it for good): it is up, start again from the
            // shortest wait. RETRY_LATER means it cannot store now, so the backoff keeps growing.
            backoffMs = config.backoff().min().toMillis();
        }
        Outbox.Row row = null;
        long sent = 0;
        Iterator<Outbox.Row> it = inflight.iterator();
        Iterator<Long> st = sentAt.iterator();
        while (it.hasNext()) {
            Outbox.Row r = it.next();
            long t = st.next();
            if (r.epoch() == ack.epoch() && r.seq() == ack.seq()) {
                row = r;
                sent = t;
                it.remove();
                st.remove();
                break;
            }
        }
        if (row == null && ack.epoch() == 0 && ack.seq() == 0 && !inflight.isEmpty()) {
            // REJECTED for an envelope whose header did not parse: ACKs come in sending order.
            row = inflight.pollFirst();
            sent = sentAt.pollFirst();
        }
        if (row != null) {
            recordLatency((System.nanoTime() - sent) / 1000);
        }
        switch (ack.status()) {
            case STORED, DUPLICATE -> {
                if (outbox.remove(ack.epoch(), ack.seq())) {
                    ackedBatches.incrementAndGet();
                    ackedPoints.addAndGet(row == null ? 0 : row.points());
                }
                if (ack.status() == UplinkFrame.Status.DUPLICATE) {
                    duplicates.incrementAndGet();
                }
            }
            case REJECTED -> {
                rejected.incrementAndGet();
                String reason =
                        EnvelopeRejected.Reason.ofCode(ack.reason())
                                + ": "
                                + Envelope.printable(ack.message());
                lastError = "receiver refused batch " + ack.seq() + ": " + reason;
                if (row != null) {
                    outbox.quarantine(row, reason);
                }
            }
            case RETRY_LATER -> {
                // The batches behind it on this connection come back RETRY_LATER too: the first
                // one gives the reason, closes, and is the only one logged.
                if (connected()) {
                    lastError =
                            "receiver asked to retry later: " + Envelope.printable(ack.message());
                    LOG.log(Level.WARNING, "{0}", lastError);
                    closeChannel();
                }
            }
        }
    }

    private void recordLatency(long micros) {
        latency.recordValue(Math.max(0, micros));
    }

    private void checkAckTimeout() {
        Long first = sentAt.peekFirst();
        if (first != null && System.nanoTime() - first > config.backoff().ackTimeout().toNanos()) {
            lastError =
                    "no ACK within "
                            + config.backoff().ackTimeout().toMillis()
                            + " ms; reconnecting";
            LOG.log(Level.WARNING, "{0}", lastError);
            closeChannel();
        }
    }

    /** Closes the connection; the run loop backs off and reconnects. */
    private void closeChannel() {
        Channel ch = channel;
        if (ch != null) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    void stop() {
        stopping = true;
        events.offer(WAKE);
    }

    void shutdown() {
        closeChannel();
        channel = null;
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private final class AckHandler extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            int type = frame.readUnsignedByte();
            if (type != UplinkFrame.TYPE_ACK) {
                lastError = "receiver sent frame type " + type + ", expected ACK (2)";
                ctx.close();
                return;
            }
            try {
                events.offer(UplinkFrame.readAck(frame));
            } catch (IllegalArgumentException e) {
                lastError = "malformed ACK from receiver: " + e.getMessage();
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.offer(CLOSED);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String why = UplinkTls.causeChain(cause);
            if (why.contains("AlertReceived") || why.contains("Received fatal alert")) {
                lastError = "the receiver refused the TLS session (e.g. our certificate): " + why;
            } else if (why.contains("SSLException") || why.contains("SSLHandshakeException")) {
                lastError = "TLS failure: " + why;
            } else {
                lastError = "connection error: " + why;
            }
            LOG.log(Level.WARNING, "uplink {0}", lastError);
            ctx.close();
        }
    }
}
