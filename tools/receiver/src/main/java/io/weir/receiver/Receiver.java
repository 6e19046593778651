package io.weir.receiver;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.uplink.Envelope;
import io.weir.host.uplink.EnvelopeRejected;
import io.weir.host.uplink.EnvelopeRejected.Reason;
import io.weir.host.uplink.ShangMi;
import io.weir.host.uplink.UplinkFrame;
import io.weir.host.uplink.UplinkPki;
import io.weir.host.uplink.UplinkTls;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cloud side of the uplink (UPLINK.md §8): terminates mutual TLS, takes the gateway id from the
 * client certificate's CN, opens envelopes, stores each batch and claims its (gateway, epoch, seq)
 * in one database transaction, then ACKs. Rejections are logged with their reason and ACKed as
 * REJECTED so the gateway quarantines the batch. Holds no dedupe state in memory: several receivers
 * can share one database behind a TCP load balancer.
 */
public final class Receiver implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weir.uplink.receiver");

    /**
     * Receiver settings.
     *
     * @param workers threads that open and store batches
     * @param idleTimeout an authenticated session that sends no batch for this long, with none
     *     waiting for its ACK, is closed (UPLINK.md §8.3); the gateway reconnects when it has data
     */
    public record Config(
            String host,
            int port,
            UplinkTls.Settings tls,
            EnvelopeKeys envelopeKeys,
            String dbUrl,
            Path out,
            boolean requireSignature,
            int workers,
            Duration idleTimeout) {

        /** The default {@link #idleTimeout}. */
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

        public Config {
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException(
                        "idle timeout must be positive, got " + idleTimeout);
            }
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be >= 1, got " + workers);
            }
        }

        /** Receiver identity and envelope key from a `weir pki init` directory. */
        public static Config fromPki(UplinkPki pki, String host, int port, String dbUrl, Path out)
                throws IOException {
            return new Config(
                    host,
                    port,
                    UplinkTls.Settings.fromPki(pki, pki.receiverCert(), pki.receiverKey()),
                    new EnvelopeKeys(
                            List.of(pki.envelopePrivateKey()), List.of(pki.envelopePublicKey())),
                    dbUrl,
                    out,
                    false,
                    2,
                    DEFAULT_IDLE_TIMEOUT);
        }

        public Config withRequireSignature(boolean require) {
            return new Config(
                    host, port, tls, envelopeKeys, dbUrl, out, require, workers, idleTimeout);
        }

        public Config withPort(int p) {
            return new Config(
                    host, p, tls, envelopeKeys, dbUrl, out, requireSignature, workers, idleTimeout);
        }

        public Config withDbUrl(String url) {
            return new Config(
                    host,
                    port,
                    tls,
                    envelopeKeys,
                    url,
                    out,
                    requireSignature,
                    workers,
                    idleTimeout);
        }

        public Config withIdleTimeout(Duration d) {
            return new Config(
                    host, port, tls, envelopeKeys, dbUrl, out, requireSignature, workers, d);
        }

        public Config withTls12(boolean allow) {
            return new Config(
                    host,
                    port,
                    tls.withAllowTls12(allow),
                    envelopeKeys,
                    dbUrl,
                    out,
                    requireSignature,
                    workers,
                    idleTimeout);
        }
    }

    /**
     * The receiver's envelope key pairs (PEM), private and public at the same index: the current
     * one and any retired ones still held (UPLINK.md §4.1); an envelope names its key by kid.
     */
    public record EnvelopeKeys(List<Path> privateKeys, List<Path> publicKeys) {}

    /** Counters since start. */
    public record Stats(
            long connections,
            long tlsFailures,
            long storedBatches,
            long storedPoints,
            long duplicates,
            long rejected,
            Map<Reason, Long> rejectedByReason,
            String lastRejection,
            String lastTlsFailure,
            long openNanos,
            long storeNanos,
            long seqGaps,
            long idleClosed) {}

    private final Config config;
    private final EnvelopeOpener opener;
    private final IngestStore store;
    private final UplinkTls tls;
    private final EventLoopGroup boss;
    private final EventLoopGroup ioGroup;
    private final EventExecutorGroup workers;
    private final Writer outWriter;
    private final JsonGenerator json;
    private Channel server;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong tlsFailures = new AtomicLong();
    private final AtomicLong storedBatches = new AtomicLong();
    private final AtomicLong storedPoints = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong openNanos = new AtomicLong();
    private final AtomicLong seqGaps = new AtomicLong();
    private final AtomicLong idleClosed = new AtomicLong();
    private final AtomicLong storeNanos = new AtomicLong();
    private final Map<Reason, AtomicLong> rejected = new ConcurrentHashMap<>();
    private volatile String lastRejection;
    private volatile String lastTlsFailure;
    private volatile java.util.function.BiConsumer<String, List<Point>> listener;
    private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile boolean closed;

    private Receiver(Config config, ReceiverFiles files, IngestStore store, UplinkTls tls)
            throws IOException {
        this.config = config;
        this.opener =
                new EnvelopeOpener(
                        files.envelopePrivateKeys(),
                        files.envelopePublicKeys(),
                        config.requireSignature());
        this.store = store;
        this.tls = tls;
        if (config.out() != null) {
            this.outWriter =
                    new BufferedWriter(
                            Files.newBufferedWriter(
                                    config.out(),
                                    StandardCharsets.UTF_8,
                                    StandardOpenOption.CREATE,
                                    StandardOpenOption.APPEND),
                            1 << 16);
            this.json = new JsonFactory().createGenerator(outWriter);
            this.json.setRootValueSeparator(null);
        } else {
            this.outWriter = null;
            this.json = null;
        }
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.ioGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new DefaultEventExecutorGroup(config.workers());
    }

    /**
     * Reads and cross-checks the PKI files {@code config} names, as {@link #start} does first;
     * throws an {@link IOException} whose message is one line naming the file and the problem.
     */
    public static void checkFiles(Config config) throws IOException {
        ReceiverFiles.load(config);
    }

    /**
     * Checks the PKI files, opens the ingest database and the {@code --out} file, binds and starts
     * accepting gateways. Anything unusable is refused here, before listening, with an exception
     * whose message is one line naming the file, database or address and the problem.
     */
    public static Receiver start(Config config) throws Exception {
        ReceiverFiles files = ReceiverFiles.load(config);
        UplinkTls tls =
                UplinkTls.create(
                        config.tls().mode(),
                        true,
                        config.tls().allowTls12(),
                        files.tlsChain(),
                        files.tlsKey(),
                        files.caCerts());
        IngestStore store = IngestStore.open(config.dbUrl());
        Receiver r;
        try {
            r = new Receiver(config, files, store, tls);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            r.bind();
        } catch (Exception e) {
            r.close();
            throw e;
        }
        return r;
    }

    private void bind() throws IOException, InterruptedException {
        ServerBootstrap b =
                new ServerBootstrap()
                        .group(boss, ioGroup)
                        .channel(NioServerSocketChannel.class)
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        ch.pipeline()
                                                .addLast("tls", tls.newHandler(ch.alloc(), null, 0))
                                                .addLast(UplinkFrame.decoder())
                                                .addLast(
                                                        new IdleStateHandler(
                                                                config.idleTimeout().toMillis(),
                                                                0,
                                                                0,
                                                                TimeUnit.MILLISECONDS))
                                                .addLast(new BatchHandler());
                                    }
                                });
        ChannelFuture bound = b.bind(config.host(), config.port()).await();
        if (!bound.isSuccess()) {
            throw new IOException(
                    "cannot listen on "
                            + config.host()
                            + ":"
                            + config.port()
                            + ": "
                            + bound.cause().getMessage(),
                    bound.cause());
        }
        server = bound.channel();
        LOG.log(
                Level.INFO,
                "receiver listening on {0} ({1} TLS, store {2}, out {3})",
                server.localAddress(),
                config.tls().mode(),
                config.dbUrl(),
                config.out());
    }

    /**
     * Called on the receiver's worker thread with (gateway, points) after each newly stored batch
     * is committed (duplicates are not reported). For demos and monitoring; keep it quick.
     */
    public void onStored(java.util.function.BiConsumer<String, List<Point>> l) {
        this.listener = l;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public IngestStore store() {
        return store;
    }

    public Stats stats() {
        Map<Reason, Long> by = new EnumMap<>(Reason.class);
        long total = 0;
        for (Map.Entry<Reason, AtomicLong> e : rejected.entrySet()) {
            by.put(e.getKey(), e.getValue().get());
            total += e.getValue().get();
        }
        return new Stats(
                connections.get(),
                tlsFailures.get(),
                storedBatches.get(),
                storedPoints.get(),
                duplicates.get(),
                total,
                by,
                lastRejection,
                lastTlsFailure,
                openNanos.get(),
                storeNanos.get(),
                seqGaps.get(),
                idleClosed.get());
    }

    private void reject(Reason reason, String message) {
        rejected.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
        lastRejection = reason + ": " + message;
    }

    private final class BatchHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private volatile String gateway;
        private volatile PublicKey gatewayKey;
        private volatile String remote;

        /** Database work runs here, off the I/O thread, in arrival order for this connection. */
        private EventExecutor exec;

        private final List<UplinkFrame.Ack> pending = new ArrayList<>();
        private boolean syncScheduled;

        /**
         * Why this connection answered RETRY_LATER, or null: after one, nothing more from it is
         * stored, or a later batch would be stored ahead of the one the gateway must resend. Only
         * touched on {@link #exec}.
         */
        private String mustRetry;

        /** Batches read and not yet answered: a session waiting for its ACKs is not idle. */
        private final AtomicInteger unanswered = new AtomicInteger();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            remote = String.valueOf(ctx.channel().remoteAddress());
            exec = workers.next();
            children.add(ctx.channel());
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            ssl.handshakeFuture()
                    .addListener(
                            f -> {
                                if (!f.isSuccess()) {
                                    tlsFailures.incrementAndGet();
                                    lastTlsFailure = UplinkTls.causeChain(f.cause());
                                    LOG.log(
                                            Level.WARNING,
                                            "refused TLS connection from {0}: {1}",
                                            remote,
                                            lastTlsFailure);
                                    return;
                                }
                                Certificate[] peer =
                                        ssl.engine().getSession().getPeerCertificates();
                                X509Certificate leaf = (X509Certificate) peer[0];
                                gateway = UplinkPki.commonName(leaf);
                                gatewayKey = leaf.getPublicKey();
                                connections.incrementAndGet();
                                LOG.log(
                                        Level.INFO,
                                        "gateway {0} connected from {1} ({2}, {3})",
                                        gateway,
                                        remote,
                                        ssl.engine().getSession().getProtocol(),
                                        ssl.engine().getSession().getCipherSuite());
                            });
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            int type = frame.readUnsignedByte();
            if (type != UplinkFrame.TYPE_BATCH) {
                LOG.log(
                        Level.WARNING,
                        "closing {0}: frame type {1}, expected BATCH (1)",
                        remote,
                        type);
                ctx.close();
                return;
            }
            if (gateway == null) {
                LOG.log(
                        Level.WARNING,
                        "closing {0}: data before the TLS handshake completed",
                        remote);
                ctx.close();
                return;
            }
            byte[] bytes = ByteBufUtil.getBytes(frame);
            unanswered.incrementAndGet();
            exec.execute(
                    () -> {
                        UplinkFrame.Ack a = mustRetry == null ? ingest(bytes) : behind(bytes);
                        if (a.status() == UplinkFrame.Status.RETRY_LATER && mustRetry == null) {
                            mustRetry = "batch " + a.seq() + " must be retried: " + a.message();
                        }
                        pending.add(a);
                        // Queue the sync behind the batches already waiting on this executor, so a
                        // burst of batches shares one fsync; no ACK leaves before its fsync.
                        if (!syncScheduled) {
                            syncScheduled = true;
                            exec.execute(() -> syncAndAck(ctx));
                        }
                    });
        }

        /** RETRY_LATER, unopened and unstored, for a batch behind one that must be resent. */
        private UplinkFrame.Ack behind(byte[] bytes) {
            long epoch = 0;
            long seq = 0;
            try {
                Envelope h = Envelope.parse(bytes);
                epoch = h.epoch();
                seq = h.seq();
            } catch (EnvelopeRejected unparsable) {
                // 0/0: the gateway closes on the first RETRY_LATER anyway
            }
            return new UplinkFrame.Ack(
                    UplinkFrame.Status.RETRY_LATER,
                    epoch,
                    seq,
                    Reason.STORE_FAILED.code,
                    "not stored, behind " + mustRetry);
        }

        private void syncAndAck(ChannelHandlerContext ctx) {
            syncScheduled = false;
            if (pending.isEmpty()) {
                return;
            }
            try {
                long t0 = System.nanoTime();
                store.sync();
                storeNanos.addAndGet(System.nanoTime() - t0);
            } catch (Exception e) {
                LOG.log(
                        Level.ERROR,
                        "cannot sync the ingest database: {0}; asking {1} to retry",
                        e.toString(),
                        gateway);
                for (int i = 0; i < pending.size(); i++) {
                    UplinkFrame.Ack a = pending.get(i);
                    if (a.status() == UplinkFrame.Status.STORED) {
                        if (mustRetry == null) {
                            mustRetry = "batch " + a.seq() + " must be retried: sync failed";
                        }
                        // Stored but maybe not durable: the resend will be a DUPLICATE if it was.
                        pending.set(
                                i,
                                new UplinkFrame.Ack(
                                        UplinkFrame.Status.RETRY_LATER,
                                        a.epoch(),
                                        a.seq(),
                                        Reason.STORE_FAILED.code,
                                        "database sync failed: " + e));
                    }
                }
            }
            for (UplinkFrame.Ack a : pending) {
                ctx.write(UplinkFrame.ack(ctx.alloc(), a));
            }
            unanswered.addAndGet(-pending.size());
            pending.clear();
            ctx.flush();
        }

        private UplinkFrame.Ack ingest(byte[] bytes) {
            long epoch = 0;
            long seq = 0;
            try {
                long t0 = System.nanoTime();
                EnvelopeOpener.Opened o = open(bytes);
                long t1 = System.nanoTime();
                openNanos.addAndGet(t1 - t0);
                Envelope e = o.envelope();
                epoch = e.epoch();
                seq = e.seq();
                byte[] sm3 = ShangMi.sm3(bytes);
                IngestStore.Outcome outcome =
                        store.store(
                                gateway,
                                e.epoch(),
                                e.seq(),
                                sm3,
                                o.points().size(),
                                e.createdMs(),
                                (e.flags() & Envelope.FLAG_DEFLATE) != 0,
                                o.plaintext(),
                                () -> writeLines(e, o.points()));
                storeNanos.addAndGet(System.nanoTime() - t1);
                switch (outcome) {
                    case STORED -> {
                        noteGap(e);
                        storedBatches.incrementAndGet();
                        storedPoints.addAndGet(o.points().size());
                        var l = listener;
                        if (l != null) {
                            try {
                                l.accept(gateway, o.points());
                            } catch (RuntimeException ex) {
                                LOG.log(
                                        Level.WARNING,
                                        "onStored listener failed: {0}",
                                        ex.toString());
                            }
                        }
                        return new UplinkFrame.Ack(UplinkFrame.Status.STORED, epoch, seq, 0, "");
                    }
                    case DUPLICATE -> {
                        duplicates.incrementAndGet();
                        LOG.log(
                                Level.INFO,
                                "duplicate batch {0} (same bytes already stored): not stored again,"
                                        + " re-acknowledged",
                                e.key());
                        return new UplinkFrame.Ack(UplinkFrame.Status.DUPLICATE, epoch, seq, 0, "");
                    }
                    default ->
                            throw new EnvelopeRejected(
                                    Reason.REPLAY_CONFLICT,
                                    "batch "
                                            + e.key()
                                            + " was already stored with DIFFERENT bytes: replayed key with"
                                            + " forged or reused content");
                }
            } catch (EnvelopeRejected r) {
                try {
                    Envelope h = Envelope.parse(bytes);
                    epoch = h.epoch();
                    seq = h.seq();
                } catch (EnvelopeRejected unparsable) {
                    // keep 0/0: the gateway matches the ACK to its oldest batch in flight
                }
                reject(r.reason(), r.getMessage());
                LOG.log(
                        Level.WARNING,
                        "rejected batch from gateway {0} ({1}) epoch={2} seq={3}: {4}",
                        gateway,
                        remote,
                        Long.toUnsignedString(epoch, 16),
                        seq,
                        r.getMessage());
                return new UplinkFrame.Ack(
                        UplinkFrame.Status.REJECTED, epoch, seq, r.reason().code, r.detail());
            } catch (Exception ex) {
                LOG.log(
                        Level.ERROR,
                        "cannot store batch from {0} seq={1}: {2}; asking it to retry",
                        gateway,
                        seq,
                        ex.toString());
                return new UplinkFrame.Ack(
                        UplinkFrame.Status.RETRY_LATER,
                        epoch,
                        seq,
                        Reason.STORE_FAILED.code,
                        ex.toString());
            }
        }

        /**
         * Opens an envelope. Whatever goes wrong while opening is a property of these bytes and
         * would go wrong again on every resend, so it is a rejection, never a RETRY_LATER: an
         * unexpected exception (a receiver bug) is logged with its stack trace and answered
         * MALFORMED, so the gateway quarantines the batch instead of resending it forever.
         */
        private EnvelopeOpener.Opened open(byte[] bytes) throws EnvelopeRejected {
            try {
                return opener.open(bytes, gateway, gatewayKey);
            } catch (RuntimeException bug) {
                LOG.log(
                        Level.ERROR,
                        "receiver failed to open a batch from gateway "
                                + gateway
                                + "; rejecting it",
                        bug);
                throw new EnvelopeRejected(
                        Reason.MALFORMED, "the receiver could not open this envelope: " + bug);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent idle
                    && idle.state() == IdleState.READER_IDLE
                    && unanswered.get() == 0) {
                idleClosed.incrementAndGet();
                LOG.log(
                        Level.INFO,
                        "closing idle session of {0} from {1}: no batch for {2} s (idle timeout)",
                        gateway == null ? "an unauthenticated peer" : "gateway " + gateway,
                        remote,
                        config.idleTimeout().toSeconds());
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!ctx.channel().isActive() && !ctx.executor().isShuttingDown()) {
                return;
            }
            LOG.log(
                    Level.WARNING,
                    "closing connection from {0} ({1}): {2}",
                    remote,
                    gateway == null ? "unauthenticated" : gateway,
                    UplinkTls.causeChain(cause));
            ctx.close();
        }
    }

    /**
     * Sequence numbers are gap-free within an epoch unless the gateway dropped batches
     * (DROP_OLDEST) or quarantined refused ones: say so, once per gap.
     */
    private void noteGap(Envelope e) {
        if (e.seq() <= 1) {
            return;
        }
        try {
            long below = store.highestSeqBelow(e.gatewayId(), e.epoch(), e.seq());
            if (below < e.seq() - 1) {
                seqGaps.incrementAndGet();
                LOG.log(
                        Level.WARNING,
                        "gateway {0} epoch {1}: batches {2}..{3} never arrived before seq {4}"
                                + " (dropped by its DROP_OLDEST policy or quarantined by it)",
                        e.gatewayId(),
                        Long.toUnsignedString(e.epoch(), 16),
                        below + 1,
                        e.seq() - 1,
                        e.seq());
            }
        } catch (SQLException ex) {
            LOG.log(Level.WARNING, "gap check failed: {0}", ex.toString());
        }
    }

    /** One JSON object per point per line (UPLINK.md §8.3), flushed before the commit. */
    private void writeLines(Envelope e, List<Point> points) throws IOException {
        if (json == null) {
            return;
        }
        synchronized (json) {
            for (Point p : points) {
                json.writeStartObject();
                json.writeStringField("gateway", e.gatewayId());
                json.writeStringField("device", p.device());
                json.writeStringField("point", p.point());
                json.writeFieldName("value");
                writeValue(json, p.value());
                json.writeStringField("quality", p.qualityClass());
                json.writeNumberField("quality_code", p.quality());
                json.writeNumberField("ts", p.tsMillis());
                if (p.error() != null) {
                    json.writeStringField("error", p.error());
                }
                json.writeStringField("epoch", Long.toUnsignedString(e.epoch(), 16));
                json.writeNumberField("seq", e.seq());
                json.writeEndObject();
                json.writeRaw('\n');
            }
            json.flush();
        }
    }

    /** A value as {@link Value#json()} gives it: u64 above 2^63−1 as a plain JSON number. */
    static void writeValue(JsonGenerator json, Value value) throws IOException {
        Object v = value.json();
        if (v == null) {
            json.writeNull();
        } else if (v instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (v instanceof Long l) {
            json.writeNumber(l);
        } else if (v instanceof BigInteger big) {
            json.writeNumber(big);
        } else if (v instanceof Double d) {
            json.writeNumber(d);
        } else {
            json.writeString(v.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (server != null) {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        children.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (json != null) {
            try {
                json.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "closing {0}: {1}", config.out(), e.toString());
            }
        }
        store.close();
    }
}
