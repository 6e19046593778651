package io.weir.host.uplink;

import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import java.lang.System.Logger.Level;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The gateway side of the uplink: a {@link PointSink} that batches points, seals each batch once
 * into an SME1 envelope, stores it in the H2 outbox, and sends the outbox over mutual TLS to a
 * {@link Receiver} (UPLINK.md). Start with {@link #start}, hand {@link #sink()} to the sessions,
 * {@link #stop()} on shutdown.
 *
 * <p>A point is <em>accepted</em> — guaranteed to reach the receiver exactly once, whatever happens
 * to this process (UPLINK.md §7.3) — once its batch is committed to the outbox: after {@link
 * #flush()} returns, or when {@link Status#committedPoints()} has counted it. Points still in the
 * current in-memory batch (at most {@code batchMaxPoints}, at most {@code linger} old) are lost if
 * the process dies.
 */
public final class Uplink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weir.uplink");
    private static final List<Point> FLUSH = new ArrayList<>();

    /** A snapshot for health checks and the CLI. */
    public record Status(
            String gatewayId,
            String epoch,
            boolean connected,
            long acceptedPoints,
            long committedPoints,
            long sealedBatches,
            long ackedBatches,
            long ackedPoints,
            long duplicateAcks,
            long rejectedBatches,
            long connects,
            Outbox.Stats outbox,
            String lastError,
            long sealedBytes,
            long encodeNanos,
            long deflateNanos,
            long sealNanos,
            long appendNanos) {}

    private final UplinkConfig config;
    private final String gatewayId;
    private final Outbox outbox;
    private final EnvelopeSealer sealer;
    private final UplinkSender sender;
    private final BlockingQueue<List<Point>> sealQueue = new ArrayBlockingQueue<>(8);
    private final Object batchLock = new Object();
    private List<Point> current;
    private long currentSince;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong sealed = new AtomicLong();
    private final AtomicLong sealedBytes = new AtomicLong();
    private final AtomicLong encodeNanos = new AtomicLong();
    private final AtomicLong deflateNanos = new AtomicLong();
    private final AtomicLong sealNanos = new AtomicLong();
    private final AtomicLong appendNanos = new AtomicLong();
    private final Thread sealerThread;
    private final Thread senderThread;
    private final Thread lingerThread;
    private volatile boolean stopping;
    private volatile Throwable sealerFailure;
    private long seq;
    private long epochStartedMs;
    private final Object flushLock = new Object();
    private long flushRequested;
    private long flushDone;

    private Uplink(UplinkConfig config) throws Exception {
        this.config = config;
        List<X509Certificate> chain = UplinkPki.readCertificates(config.tls().certificate());
        PrivateKey key = UplinkPki.readPrivateKey(config.tls().privateKey());
        PublicKey receiverKey = UplinkPki.readPublicKey(config.receiverEnvelopeKey());
        this.gatewayId = UplinkPki.commonName(chain.get(0));
        this.outbox =
                Outbox.open(
                        config.outbox().url(),
                        config.outbox().maxBytes(),
                        config.outbox().overflowPolicy(),
                        config.outbox().durability());
        this.sealer =
                new EnvelopeSealer(
                        gatewayId,
                        receiverKey,
                        config.sealing().signEpochs() ? key : null,
                        new SecureRandom());
        this.epochStartedMs = System.currentTimeMillis();
        UplinkTls tls =
                UplinkTls.create(
                        config.tls().mode(),
                        false,
                        config.tls().allowTls12(),
                        chain,
                        key,
                        UplinkPki.readCertificates(config.tls().caCert()));
        this.sender = new UplinkSender(config, outbox, tls);
        this.current = new ArrayList<>(config.batching().maxPoints());
        this.sealerThread = new Thread(this::sealLoop, "uplink-sealer");
        this.senderThread = new Thread(sender, "uplink-sender");
        this.lingerThread = new Thread(this::lingerLoop, "uplink-linger");
        for (Thread t : List.of(sealerThread, senderThread, lingerThread)) {
            t.setDaemon(true);
        }
    }

    /** Opens the outbox, draws a fresh epoch and DEK, and starts sealing and sending. */
    public static Uplink start(UplinkConfig config) throws Exception {
        Uplink u = new Uplink(config);
        u.sealerThread.start();
        u.senderThread.start();
        u.lingerThread.start();
        Outbox.Stats s = u.outbox.stats();
        LOG.log(
                Level.INFO,
                "uplink for gateway {0} started: epoch {1}, {2} batches ({3} points) waiting in the"
                        + " outbox, receiver {4}:{5} ({6} TLS)",
                u.gatewayId,
                Long.toUnsignedString(u.sealer.epoch(), 16),
                s.batches(),
                s.points(),
                config.host(),
                String.valueOf(config.port()),
                config.tls().mode());
        return u;
    }

    /** Where sessions deliver points. Blocks under the BLOCK policy when the outbox is full. */
    public PointSink sink() {
        return this::accept;
    }

    private void accept(List<Point> batch) {
        if (stopping) {
            throw new IllegalStateException("uplink stopped; points not accepted");
        }
        Throwable f = sealerFailure;
        if (f != null) {
            throw new IllegalStateException("uplink outbox failed: " + f.getMessage(), f);
        }
        List<Point> full = null;
        synchronized (batchLock) {
            for (Point p : batch) {
                if (current.isEmpty()) {
                    currentSince = System.nanoTime();
                }
                current.add(p);
                if (current.size() >= config.batching().maxPoints()) {
                    if (full == null) {
                        full = current;
                    } else {
                        handOff(full);
                        full = current;
                    }
                    current = new ArrayList<>(config.batching().maxPoints());
                }
            }
            accepted.addAndGet(batch.size());
            if (full != null) {
                handOff(full);
            }
        }
    }

    private void handOff(List<Point> points) {
        try {
            sealQueue.put(points);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the outbox was full", e);
        }
    }

    private void lingerLoop() {
        long lingerNs = config.batching().linger().toNanos();
        while (!stopping) {
            try {
                Thread.sleep(Math.max(5, config.batching().linger().toMillis() / 2));
            } catch (InterruptedException e) {
                return;
            }
            synchronized (batchLock) {
                if (!current.isEmpty() && System.nanoTime() - currentSince >= lingerNs) {
                    List<Point> b = current;
                    current = new ArrayList<>(config.batching().maxPoints());
                    handOff(b);
                }
            }
        }
    }

    /** Seals and commits everything accepted so far; returns when it is durable in the outbox. */
    public void flush() throws InterruptedException {
        long ticket;
        synchronized (flushLock) {
            ticket = ++flushRequested;
        }
        synchronized (batchLock) {
            List<Point> b = current;
            current = new ArrayList<>(config.batching().maxPoints());
            if (!b.isEmpty()) {
                handOff(b);
            }
            handOff(FLUSH);
        }
        synchronized (flushLock) {
            while (flushDone < ticket) {
                if (sealerFailure != null) {
                    throw new IllegalStateException("uplink outbox failed", sealerFailure);
                }
                flushLock.wait(100);
            }
        }
    }

    private void sealLoop() {
        List<List<Point>> group = new ArrayList<>();
        while (true) {
            List<Point> first;
            try {
                first = sealQueue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                if (stopping) {
                    return;
                }
                continue;
            }
            // Group commit: seal and store whatever is queued, then one sync for all of it.
            group.clear();
            group.add(first);
            sealQueue.drainTo(group);
            try {
                long pts = 0;
                long flushes = 0;
                for (List<Point> points : group) {
                    if (points == FLUSH) {
                        flushes++;
                    } else {
                        seal(points);
                        pts += points.size();
                    }
                }
                long t0 = System.nanoTime();
                outbox.sync();
                appendNanos.addAndGet(System.nanoTime() - t0);
                committed.addAndGet(pts);
                sender.wakeup();
                if (flushes > 0) {
                    synchronized (flushLock) {
                        flushDone += flushes;
                        flushLock.notifyAll();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                sealerFailure = e;
                LOG.log(
                        Level.ERROR,
                        "uplink cannot store sealed batches; collection stops: {0}",
                        e.toString());
                return;
            }
        }
    }

    private void seal(List<Point> points) throws Exception {
        long now = System.currentTimeMillis();
        if (sealer.batchesInEpoch() >= config.sealing().rotateAfterBatches()
                || now - epochStartedMs >= config.sealing().rotateAfter().toMillis()) {
            sealer.newEpoch();
            seq = 0;
            epochStartedMs = now;
            LOG.log(
                    Level.INFO,
                    "uplink rotated to epoch {0}",
                    Long.toUnsignedString(sealer.epoch(), 16));
        }
        long t0 = System.nanoTime();
        byte[] plain = PointBatch.encode(points);
        long t1 = System.nanoTime();
        boolean deflate = config.sealing().deflateLevel() > 0;
        byte[] payload =
                deflate ? PointBatch.deflate(plain, config.sealing().deflateLevel()) : plain;
        long t2 = System.nanoTime();
        long s = ++seq;
        byte[] env = sealer.seal(s, now, payload, deflate);
        long t3 = System.nanoTime();
        outbox.append(sealer.epoch(), s, points.size(), now, env);
        long t4 = System.nanoTime();
        encodeNanos.addAndGet(t1 - t0);
        deflateNanos.addAndGet(t2 - t1);
        sealNanos.addAndGet(t3 - t2);
        appendNanos.addAndGet(t4 - t3);
        sealedBytes.addAndGet(env.length);
        sealed.incrementAndGet();
    }

    /** The outbox (e.g. for operators to inspect quarantined batches). */
    public Outbox outbox() {
        return outbox;
    }

    public String gatewayId() {
        return gatewayId;
    }

    public Status status() {
        Outbox.Stats s;
        try {
            s = outbox.stats();
        } catch (Exception e) {
            s = null;
        }
        return new Status(
                gatewayId,
                Long.toUnsignedString(sealer.epoch(), 16),
                sender.connected(),
                accepted.get(),
                committed.get(),
                sealed.get(),
                sender.ackedBatches.get(),
                sender.ackedPoints.get(),
                sender.duplicates.get(),
                sender.rejected.get(),
                sender.connects.get(),
                s,
                sealerFailure != null ? sealerFailure.toString() : sender.lastError,
                sealedBytes.get(),
                encodeNanos.get(),
                deflateNanos.get(),
                sealNanos.get(),
                appendNanos.get());
    }

    /**
     * Send-to-ACK latency of every batch acknowledged or refused since start or the last {@link
     * #resetLatencies()}, in microseconds: a copy, so percentiles come from {@code
     * getValueAtPercentile(99.0)} and friends (HdrHistogram, 3 significant digits).
     */
    public Histogram ackLatencyMicros() {
        return sender.latencies();
    }

    /** Forgets recorded ACK latencies (the benchmark calls it after warm-up). */
    public void resetLatencies() {
        sender.resetLatencies();
    }

    /**
     * Waits until every point accepted so far has been sealed, stored and acknowledged (or its
     * batch quarantined); the in-memory batch goes out after at most {@code linger}.
     */
    public boolean awaitDrained(java.time.Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            // Everything accepted is committed (nothing in memory or mid-seal) and nothing is left
            // in the outbox (acknowledged, or quarantined after a refusal).
            if (committed.get() == accepted.get()
                    && outbox.stats().batches() == 0
                    && sender.unsettled() == 0) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * Flushes the current batch to the outbox, stops sending and closes the outbox. Unsent batches
     * stay in the outbox for the next start.
     */
    public void stop() {
        if (stopping) {
            return;
        }
        if (sealerFailure == null) {
            // Under BLOCK with a full outbox and no receiver, a flush can wait forever: give it
            // ten seconds, then say exactly what is lost.
            Thread flusher =
                    new Thread(
                            () -> {
                                try {
                                    flush();
                                } catch (Exception e) {
                                    LOG.log(
                                            Level.WARNING,
                                            "uplink stop: final flush failed: {0}",
                                            e.toString());
                                }
                            },
                            "uplink-final-flush");
            flusher.setDaemon(true);
            flusher.start();
            try {
                flusher.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (flusher.isAlive()) {
                LOG.log(
                        Level.ERROR,
                        "uplink stop: the outbox stayed full for 10 s (BLOCK policy, receiver"
                                + " unreachable); {0} accepted points not yet committed are lost",
                        accepted.get() - committed.get());
            }
        }
        stopping = true;
        sender.stop();
        lingerThread.interrupt();
        try {
            sealerThread.join(5000);
            senderThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.shutdown();
        try {
            outbox.close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "uplink stop: closing the outbox failed: {0}", e.toString());
        }
    }

    @Override
    public void close() {
        stop();
    }
}
