package io.weir.host.uplink;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.receiver.IngestStore;
import io.weir.receiver.PkiIssuer;
import io.weir.receiver.Receiver;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link UplinkSender} against the real receiver in this JVM over loopback TLS, with the outbox
 * filled directly (sealed batches of {@link #POINTS} numbered points each): what arrives, in which
 * order, what leaves the outbox and when, and what the sender does when the receiver refuses a
 * batch, asks to retry, goes silent or goes away. Each test waits for a state, never for a time.
 */
class UplinkSenderTest {
    static final int POINTS = 100;
    static final long WAIT_SECONDS = 60;

    @TempDir Path tmp;
    UplinkPki pki;
    String rxDb;
    EnvelopeSealer sealer;
    Outbox outbox;
    long seq;
    final List<AutoCloseable> toClose = new ArrayList<>();

    /** The sender's log lines (System.Logger goes to java.util.logging here), formatted. */
    final List<String> log = new CopyOnWriteArrayList<>();

    private final java.util.logging.Logger senderLog =
            java.util.logging.Logger.getLogger("weir.uplink.sender");
    private final Handler capture =
            new Handler() {
                private final SimpleFormatter f = new SimpleFormatter();

                @Override
                public void publish(LogRecord r) {
                    log.add(r.getLevel() + " " + f.formatMessage(r));
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };

    List<String> logLines(String containing) {
        return log.stream().filter(l -> l.contains(containing)).toList();
    }

    @BeforeEach
    void setUp() throws Exception {
        senderLog.addHandler(capture);
        pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.ECDSA, "gw-01");
        rxDb = "jdbc:h2:file:" + tmp.resolve("ingest");
        sealer =
                new EnvelopeSealer(
                        "gw-01",
                        UplinkPki.readPublicKey(pki.envelopePublicKey()),
                        UplinkPki.readPrivateKey(pki.gatewayKey("gw-01")),
                        new SecureRandom());
        outbox =
                Outbox.open(
                        "jdbc:h2:file:" + tmp.resolve("outbox"),
                        1L << 30,
                        Outbox.OverflowPolicy.BLOCK,
                        Outbox.Durability.PROCESS_CRASH);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        outbox.close();
        senderLog.removeHandler(capture);
    }

    Receiver receiver(int port) throws Exception {
        Receiver rx = Receiver.start(Receiver.Config.fromPki(pki, "127.0.0.1", port, rxDb, null));
        toClose.add(rx);
        return rx;
    }

    UplinkConfig config(int port, int window, Duration min, Duration max, Duration ackTimeout)
            throws Exception {
        return UplinkConfig.forGateway(
                        pki, "gw-01", "127.0.0.1", port, "jdbc:h2:file:" + tmp.resolve("outbox"))
                .withBatching(new UplinkConfig.Batching(POINTS, Duration.ofMillis(50), window))
                .withBackoff(new UplinkConfig.Backoff(min, max, ackTimeout));
    }

    UplinkConfig config(int port, int window) throws Exception {
        return config(port, window, Duration.ofMillis(50), Duration.ofSeconds(1), ACK_TIMEOUT);
    }

    static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    /** A sender on its own thread, as {@link Uplink} runs it; closing stops it and checks that. */
    final class Running implements AutoCloseable {
        final UplinkSender sender;
        final Thread thread;
        private boolean closed;

        Running(UplinkConfig cfg) throws Exception {
            UplinkTls tls =
                    UplinkTls.create(
                            cfg.tls().mode(),
                            false,
                            cfg.tls().allowTls12(),
                            UplinkPki.readCertificates(cfg.tls().certificate()),
                            UplinkPki.readPrivateKey(cfg.tls().privateKey()),
                            UplinkPki.readCertificates(cfg.tls().caCert()));
            sender = new UplinkSender(cfg, outbox, tls);
            thread = new Thread(sender, "uplink-sender-test");
            thread.setDaemon(true);
            thread.start();
            toClose.add(this);
        }

        /** Stops the sender as {@link Uplink#stop()} does; true if its thread ended. */
        boolean stop() throws InterruptedException {
            if (closed) {
                return true;
            }
            closed = true;
            sender.stop();
            thread.join(10_000);
            sender.shutdown();
            return !thread.isAlive();
        }

        @Override
        public void close() throws Exception {
            stop();
        }
    }

    static List<Point> numbered(long from, int n) {
        List<Point> ps = new ArrayList<>(n);
        for (long i = from; i < from + n; i++) {
            ps.add(new Point("plc", "counter", Value.i64(i), 0, 1_700_000_000_000L + i, null));
        }
        return ps;
    }

    /** Seals and stores batches {@code from} .. {@code from + n - 1}: points from*POINTS on. */
    void append(int from, int n) throws Exception {
        for (int b = from; b < from + n; b++) {
            byte[] plain = PointBatch.encode(numbered((long) b * POINTS, POINTS));
            long s = ++seq;
            long now = System.currentTimeMillis();
            outbox.append(sealer.epoch(), s, POINTS, now, sealer.seal(s, now, plain, false));
        }
        outbox.sync();
    }

    /** Every stored point's value, in the receiver's storing order. */
    static List<Long> stored(Receiver rx) throws Exception {
        List<Long> out = new ArrayList<>();
        for (IngestStore.Batch b : rx.store().batches("gw-01")) {
            byte[] plain = b.deflated() ? PointBatch.inflate(b.payload()) : b.payload();
            for (Point p : PointBatch.decode(plain)) {
                out.add(((Value.I64) p.value()).value());
            }
        }
        return out;
    }

    /** 0, 1, … n-1 except the points of the batches listed (1-based seq). */
    static List<Long> expected(int batches, int... missing) {
        List<Long> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            final int s = b + 1;
            if (Arrays.stream(missing).anyMatch(m -> m == s)) {
                continue;
            }
            for (long v = (long) b * POINTS; v < (long) (b + 1) * POINTS; v++) {
                out.add(v);
            }
        }
        return out;
    }

    void await(String what, Running r, BooleanSupplier done) throws Exception {
        await(what, r, done, WAIT_SECONDS);
    }

    void await(String what, Running r, BooleanSupplier done, long seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(
                        "not within "
                                + seconds
                                + " s: "
                                + what
                                + "; sender: lastError="
                                + r.sender.lastError
                                + ", acked="
                                + r.sender.ackedBatches.get()
                                + ", unsettled="
                                + r.sender.unsettled()
                                + ", outbox="
                                + outbox.stats());
            }
            Thread.sleep(10);
        }
    }

    boolean drained(Running r) {
        try {
            return outbox.stats().batches() == 0 && r.sender.unsettled() == 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    List<Long> seqsInOutbox() throws SQLException {
        List<Long> out = new ArrayList<>();
        for (Outbox.Row row : outbox.after(0, 1000)) {
            out.add(row.seq());
        }
        return out;
    }

    /** What the outbox held, and how many batches were unsettled, as the receiver stored one. */
    record AtStore(long seq, boolean stillInOutbox, int unsettled) {}

    @Test
    void everyBatchArrivesOnceInOrderWithAtMostAWindowInFlightAndLeavesTheOutboxAfterItsAck()
            throws Exception {
        append(0, 30);
        Receiver rx = receiver(0);
        List<AtStore> seen = new CopyOnWriteArrayList<>();
        Running[] running = new Running[1];
        rx.onStored(
                (gw, points) -> {
                    try {
                        long s = ((Value.I64) points.get(0).value()).value() / POINTS + 1;
                        seen.add(
                                new AtStore(
                                        s,
                                        seqsInOutbox().contains(s),
                                        running[0].sender.unsettled()));
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
        long t0 = System.nanoTime();
        Running r =
                new Running(
                        config(
                                rx.port(),
                                4,
                                Duration.ofMillis(50),
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(2)));
        running[0] = r;
        await("outbox drained", r, () -> drained(r));
        long elapsedMicros = (System.nanoTime() - t0) / 1000;

        assertThat(stored(rx)).isEqualTo(expected(30));
        assertThat(seen).extracting(AtStore::seq).containsExactlyElementsOf(range(1, 30));
        assertThat(seen)
                .as("a batch leaves the outbox only after its ACK")
                .allMatch(AtStore::stillInOutbox);
        assertThat(seen.get(0).unsettled())
                .as("the whole window was on the wire before the first ACK")
                .isEqualTo(4);
        assertThat(seen).extracting(AtStore::unsettled).allMatch(u -> u >= 1 && u <= 4);
        UplinkSender s = r.sender;
        assertThat(s.ackedBatches.get()).isEqualTo(30);
        assertThat(s.ackedPoints.get()).isEqualTo(30L * POINTS);
        assertThat(s.duplicates.get()).isZero();
        assertThat(s.rejected.get()).isZero();
        assertThat(s.connects.get()).isEqualTo(1);
        assertThat(s.lastError).isNull();
        assertThat(s.connected()).isTrue();
        assertThat(s.unsettled()).isZero();
        assertThat(s.latencies().getTotalCount()).as("one latency per ACK").isEqualTo(30);
        assertThat(s.latencies().getMaxValue())
                .as("send-to-ACK µs within the test's own time")
                .isPositive()
                .isLessThanOrEqualTo(elapsedMicros);
        s.resetLatencies();
        assertThat(s.latencies().getTotalCount()).isZero();
        assertThat(rx.stats().connections()).isEqualTo(1);
        assertThat(rx.stats().duplicates()).isZero();

        // Idle past the 2 s ACK timeout with nothing unacknowledged: no reconnect. New batches
        // while connected are sent on the same connection.
        Thread.sleep(2500);
        assertThat(s.lastError).isNull();
        append(30, 3);
        r.sender.wakeup();
        await("the new batches drained", r, () -> drained(r));
        assertThat(stored(rx)).isEqualTo(expected(33));
        assertThat(s.connects.get()).isEqualTo(1);
        assertThat(s.latencies().getTotalCount()).isEqualTo(3);
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    void replaceEnvelope(long seqToReplace, byte[] bytes) throws Exception {
        outbox.withConnection(
                c -> {
                    try (var ps =
                            c.prepareStatement("UPDATE outbox SET envelope = ? WHERE seq = ?")) {
                        ps.setBytes(1, bytes);
                        ps.setLong(2, seqToReplace);
                        int n = ps.executeUpdate();
                        c.commit();
                        return n;
                    }
                });
    }

    byte[] envelopeOf(long s) throws Exception {
        return outbox.after(0, 1000).stream()
                .filter(x -> x.seq() == s)
                .findFirst()
                .orElseThrow()
                .envelope();
    }

    /** (seq, reason) of every quarantined batch. */
    List<String> quarantined() throws Exception {
        return outbox.withConnection(
                c -> {
                    List<String> out = new ArrayList<>();
                    try (var rs =
                            c.createStatement()
                                    .executeQuery(
                                            "SELECT seq, points, reason FROM outbox_quarantine ORDER BY seq")) {
                        while (rs.next()) {
                            out.add(rs.getLong(1) + " " + rs.getInt(2) + " " + rs.getString(3));
                        }
                    }
                    return out;
                });
    }

    @Test
    void aRefusedBatchIsQuarantinedWithItsReasonAndTheOthersArriveInOrder() throws Exception {
        append(0, 6);
        byte[] bad = envelopeOf(3).clone();
        bad[bad.length - 20] ^= 0x01; // inside the ciphertext: the GCM tag fails
        replaceEnvelope(3, bad);
        Receiver rx = receiver(0);
        Running r = new Running(config(rx.port(), 8));
        await("outbox drained", r, () -> drained(r));

        assertThat(stored(rx)).isEqualTo(expected(6, 3));
        assertThat(quarantined()).hasSize(1);
        assertThat(quarantined().get(0)).startsWith("3 100 AUTH_TAG_MISMATCH: ");
        UplinkSender s = r.sender;
        assertThat(s.rejected.get()).isEqualTo(1);
        assertThat(s.ackedBatches.get()).isEqualTo(5);
        assertThat(s.ackedPoints.get()).isEqualTo(5L * POINTS);
        assertThat(s.lastError).startsWith("receiver refused batch 3: AUTH_TAG_MISMATCH: ");
        assertThat(s.latencies().getTotalCount()).as("a refusal settles a batch too").isEqualTo(6);
        assertThat(s.connects.get()).as("a refusal does not reconnect").isEqualTo(1);
    }

    @Test
    void aBatchWhoseHeaderDoesNotParseIsMatchedToTheOldestInFlightAndQuarantined()
            throws Exception {
        append(0, 5);
        // Truncated inside the seq field: the receiver answers REJECTED with epoch = seq = 0.
        replaceEnvelope(2, Arrays.copyOf(envelopeOf(2), 9 + 5 + 8 + 3));
        Receiver rx = receiver(0);
        Running r = new Running(config(rx.port(), 8));
        await("outbox drained", r, () -> drained(r));

        assertThat(stored(rx)).isEqualTo(expected(5, 2));
        assertThat(quarantined()).hasSize(1);
        assertThat(quarantined().get(0)).startsWith("2 100 MALFORMED: ");
        assertThat(r.sender.lastError).startsWith("receiver refused batch 0: MALFORMED: ");
        assertThat(r.sender.ackedBatches.get()).isEqualTo(4);
        assertThat(r.sender.rejected.get()).isEqualTo(1);
        assertThat(r.sender.latencies().getTotalCount()).isEqualTo(5);
    }

    @Test
    void batchesTheReceiverAlreadyHoldsAreAcknowledgedAsDuplicatesAndRemoved() throws Exception {
        append(0, 4);
        List<Outbox.Row> copies = outbox.after(0, 10);
        Receiver rx = receiver(0);
        Running first = new Running(config(rx.port(), 2));
        await("first delivery", first, () -> drained(first));
        assertThat(first.stop()).isTrue();
        // The ACKs were lost, say: the same rows are back in the outbox and sent again.
        for (Outbox.Row row : copies) {
            outbox.append(row.epoch(), row.seq(), row.points(), row.createdMs(), row.envelope());
        }
        outbox.sync();
        Running again = new Running(config(rx.port(), 2));
        await("resend drained", again, () -> drained(again));

        assertThat(stored(rx)).as("nothing stored twice").isEqualTo(expected(4));
        assertThat(again.sender.duplicates.get()).isEqualTo(4);
        assertThat(again.sender.ackedBatches.get()).isEqualTo(4);
        assertThat(again.sender.ackedPoints.get()).isEqualTo(4L * POINTS);
        assertThat(rx.stats().duplicates()).isEqualTo(4);
        again.sender.resetLatencies();
        assertThat(again.sender.latencies().getTotalCount())
                .as("reset also forgets what was not read yet")
                .isZero();
    }

    @Test
    void afterTheReceiverWasGoneTheSenderResumesWithTheFirstUnacknowledgedBatch() throws Exception {
        append(0, 10);
        Receiver rx = receiver(0);
        int port = rx.port();
        Running r = new Running(config(port, 4));
        await("first ten delivered", r, () -> drained(r));
        rx.close();
        append(10, 10);
        r.sender.wakeup();
        await(
                "the sender notices the receiver is gone",
                r,
                () ->
                        !r.sender.connected()
                                && String.valueOf(r.sender.lastError)
                                        .startsWith("cannot connect to 127.0.0.1:" + port + ": "));
        assertThat(r.sender.lastError).contains("Connection refused");
        assertThat(seqsInOutbox()).as("kept while the receiver is away").isEqualTo(range(11, 20));
        Receiver back = receiver(port);
        await("drained after the receiver came back", r, () -> drained(r));

        assertThat(stored(back)).isEqualTo(expected(20));
        assertThat(back.stats().duplicates()).as("nothing acknowledged was resent").isZero();
        assertThat(r.sender.ackedBatches.get()).isEqualTo(20);
        assertThat(r.sender.connects.get()).isEqualTo(2);
    }

    @Test
    void aSilentConnectionIsDroppedAfterTheAckTimeoutAndTheUnacknowledgedBatchesResentOnce()
            throws Exception {
        append(0, 12);
        Receiver rx = receiver(0);
        SilentLink link = new SilentLink(rx.port());
        toClose.add(link);
        // The path dies while batch 5 is being stored: its ACK, and whatever follows, is lost.
        rx.onStored(
                (gw, points) -> {
                    if (((Value.I64) points.get(0).value()).value() == 4 * POINTS) {
                        link.silenceCurrent();
                    }
                });
        Running r =
                new Running(
                        config(
                                link.port(),
                                4,
                                Duration.ofMillis(50),
                                Duration.ofSeconds(1),
                                Duration.ofMillis(700)));
        await("drained through a second connection", r, () -> drained(r));

        assertThat(stored(rx)).isEqualTo(expected(12));
        assertThat(r.sender.lastError).isEqualTo("no ACK within 700 ms; reconnecting");
        assertThat(logLines("no ACK within"))
                .containsExactly("WARNING no ACK within 700 ms; reconnecting");
        assertThat(logLines("INFO uplink connected to 127.0.0.1:" + link.port() + " (TLSv1.3, "))
                .as("one line per connection")
                .hasSize(2);
        assertThat(r.sender.connects.get()).isEqualTo(2);
        assertThat(link.connections.get()).isEqualTo(2);
        assertThat(rx.stats().duplicates())
                .as("batch 5 at least was stored, unacknowledged and resent")
                .isPositive();
        assertThat(r.sender.duplicates.get()).isEqualTo(rx.stats().duplicates());
        assertThat(r.sender.ackedBatches.get()).as("each batch removed once").isEqualTo(12);
        assertThat(r.sender.ackedPoints.get()).isEqualTo(12L * POINTS);
    }

    @Test
    void stopLeavesEveryUnacknowledgedBatchInTheOutboxForTheNextStart() throws Exception {
        append(0, 6);
        Receiver rx = receiver(0);
        SilentLink link = new SilentLink(rx.port());
        toClose.add(link);
        rx.onStored((gw, points) -> link.silenceCurrent());
        Running r = new Running(config(link.port(), 4));
        await(
                "the first batch stored and its ACK lost",
                r,
                () -> rx.stats().storedBatches() >= 1 && r.sender.unsettled() == 4);
        assertThat(r.stop()).as("the sender thread ended").isTrue();
        assertThat(r.sender.connected()).isFalse();
        assertThat(seqsInOutbox())
                .as("nothing acknowledged, nothing removed")
                .isEqualTo(range(1, 6));
        assertThat(r.sender.ackedBatches.get()).isZero();

        rx.onStored((gw, points) -> {});
        Running next = new Running(config(link.port(), 4));
        await("drained by the next start", next, () -> drained(next));
        assertThat(stored(rx)).isEqualTo(expected(6));
        assertThat(next.sender.duplicates.get()).isEqualTo(rx.stats().duplicates()).isPositive();
    }

    @Test
    void stopEndsAReconnectBackoffAtOnce() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        append(0, 1);
        Running r =
                new Running(
                        config(
                                port,
                                4,
                                Duration.ofSeconds(40),
                                Duration.ofSeconds(60),
                                ACK_TIMEOUT));
        await(
                "the first attempt failed",
                r,
                () -> String.valueOf(r.sender.lastError).startsWith("cannot connect"));
        assertThat(r.stop()).as("ended within 10 s, not after the 20..40 s backoff").isTrue();
        assertThat(seqsInOutbox()).isEqualTo(range(1, 1));
    }

    /**
     * The receiver's database refuses batch 3 (a CHECK constraint added behind its back): it
     * answers RETRY_LATER, and the sender closes, backs off — longer each time, so the receiver is
     * not hammered — and resends from the head, batch 3, still in the outbox, until the database
     * takes it. Batches 4..6, already on the wire behind 3, are not stored ahead of it: nothing is
     * lost, duplicated or reordered.
     */
    @Test
    void retryLaterClosesBacksOffAndResendsFromTheHeadUntilTheReceiverCanStore() throws Exception {
        append(0, 6);
        Receiver rx = receiver(0);
        try (Connection db = DriverManager.getConnection(rxDb, "sa", "")) {
            db.createStatement()
                    .execute("ALTER TABLE ingest_batch ADD CONSTRAINT no3 CHECK (seq <> 3)");
            Running r =
                    new Running(
                            config(
                                    rx.port(),
                                    4,
                                    Duration.ofMillis(20),
                                    Duration.ofSeconds(10),
                                    ACK_TIMEOUT));
            await(
                    "asked to retry later",
                    r,
                    () ->
                            String.valueOf(r.sender.lastError)
                                    .startsWith("receiver asked to retry later: "));
            long c0 = r.sender.connects.get();
            Thread.sleep(2000);
            long attempts = r.sender.connects.get() - c0;
            // Exponential: the waits from 20 ms on sum past 2 s within 8 attempts.
            assertThat(attempts).as("reconnects in 2 s of RETRY_LATER").isLessThanOrEqualTo(8);
            // Batches 4..6 were on the wire behind 3: the receiver stores none of them ahead of it.
            assertThat(stored(rx)).isEqualTo(expected(2));
            assertThat(seqsInOutbox()).as("batch 3 and all after it kept").isEqualTo(range(3, 6));
            List<String> lines = logLines("WARNING receiver asked to retry later: ");
            assertThat(lines)
                    .as("at most one line per connection, the batches behind not logged")
                    .isNotEmpty()
                    .allMatch(l -> l.contains("NO3") && !l.contains("behind"));
            assertThat((long) lines.size()).isLessThanOrEqualTo(r.sender.connects.get());
            assertThat(r.sender.lastError)
                    .as("the database's reason, not the batches' behind it")
                    .contains("NO3")
                    .doesNotContain("behind");
            db.createStatement().execute("ALTER TABLE ingest_batch DROP CONSTRAINT no3");
            await("drained", r, () -> drained(r));
            assertThat(stored(rx)).isEqualTo(expected(6));
            assertThat(r.sender.ackedBatches.get()).isEqualTo(6);
            assertThat(r.sender.rejected.get()).isZero();
        }
    }

    /** A random source that records the bound asked for and answers its lowest or highest value. */
    static final class Extreme implements RandomGenerator {
        final boolean high;
        final List<Long> bounds = new ArrayList<>();

        Extreme(boolean high) {
            this.high = high;
        }

        @Override
        public long nextLong() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long nextLong(long bound) {
            bounds.add(bound);
            return high ? bound - 1 : 0;
        }
    }

    @Test
    void theWaitBeforeAnAttemptIsFromHalfTheBackoffToAllOfIt() {
        for (long b : new long[] {1, 2, 101, 30_000}) {
            Extreme lo = new Extreme(false);
            Extreme hi = new Extreme(true);
            assertThat(UplinkSender.waitMillis(b, lo)).as("lowest for %d", b).isEqualTo(b / 2);
            assertThat(UplinkSender.waitMillis(b, hi))
                    .as("highest for %d", b)
                    .isEqualTo(b / 2 + b / 2)
                    .isLessThanOrEqualTo(b);
            assertThat(lo.bounds).containsExactly(b / 2 + 1);
        }
        assertThat(UplinkSender.grow(100, 30_000)).isEqualTo(200);
        assertThat(UplinkSender.grow(20_000, 30_000)).isEqualTo(30_000);
        assertThat(UplinkSender.grow(30_000, 30_000)).isEqualTo(30_000);
        assertThat(UplinkSender.grow(0, 30_000)).isEqualTo(1);
    }

    /** "retrying in N ms" of each warning containing {@code what}, in order. */
    List<String> retryDelays(String what) {
        return logLines(what).stream()
                .map(l -> l.replaceAll("(?s).*retrying in ([0-9,]+) ms; outbox kept$", "$1"))
                .toList();
    }

    @Test
    void withNoReceiverTheSenderWaitsTwiceAsLongAfterEachFailedAttemptAndKeepsTheOutbox()
            throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        append(0, 3);
        Running r =
                new Running(
                        config(
                                port,
                                4,
                                Duration.ofMillis(20),
                                Duration.ofMillis(160),
                                ACK_TIMEOUT));
        String what = "WARNING cannot connect to 127.0.0.1:" + port + ": ";
        await("five attempts", r, () -> logLines(what).size() >= 6);
        assertThat(retryDelays(what).subList(0, 6))
                .containsExactly("20", "40", "80", "160", "160", "160");
        assertThat(logLines(what).get(0)).contains("Connection refused");
        assertThat(r.stop()).isTrue();
        assertThat(seqsInOutbox()).isEqualTo(range(1, 3));
    }

    /** A second PKI: its CA and its gateway identity are strangers to the test's receiver. */
    private UplinkPki foreignPki() throws Exception {
        return PkiIssuer.init(tmp.resolve("foreign"), UplinkPki.Algorithm.ECDSA, "gw-01");
    }

    /** A sender for {@code rx} whose waits after failures start at 20 ms. */
    private UplinkConfig backoffFrom20ms(Receiver rx) throws Exception {
        return config(rx.port(), 4, Duration.ofMillis(20), Duration.ofSeconds(10), ACK_TIMEOUT);
    }

    @Test
    void aReceiverTheGatewayDoesNotTrustIsRetriedWithBackoffAndGetsNothing() throws Exception {
        UplinkPki foreign = foreignPki();
        append(0, 2);
        Receiver rx = receiver(0);
        UplinkConfig cfg = backoffFrom20ms(rx);
        UplinkTls.Settings t = cfg.tls();
        cfg =
                cfg.withTls(
                        new UplinkTls.Settings(
                                t.mode(),
                                t.allowTls12(),
                                foreign.caCert(),
                                t.certificate(),
                                t.privateKey()));
        Running r = new Running(cfg);
        String what = "WARNING TLS handshake with 127.0.0.1:" + rx.port() + " failed: ";
        await("three attempts", r, () -> logLines(what).size() >= 3);
        assertThat(retryDelays(what).subList(0, 3)).containsExactly("20", "40", "80");
        assertThat(logLines(what).get(0)).contains("does not chain with any of the trust anchors");
        assertThat(r.sender.connects.get()).isZero();
        assertThat(r.stop()).isTrue();
        assertThat(rx.store().pointCount()).isZero();
        assertThat(seqsInOutbox()).isEqualTo(range(1, 2));
    }

    @Test
    void aReceiverThatRefusesOurCertificateIsReportedAndNotHammered() throws Exception {
        UplinkPki foreign = foreignPki();
        append(0, 2);
        Receiver rx = receiver(0);
        UplinkConfig cfg = backoffFrom20ms(rx);
        cfg =
                cfg.withTls(
                        cfg.tls()
                                .withIdentity(
                                        foreign.gatewayCert("gw-01"), foreign.gatewayKey("gw-01")));
        Running r = new Running(cfg);
        await(
                "refused",
                r,
                () ->
                        String.valueOf(r.sender.lastError)
                                .startsWith("the receiver refused the TLS session"));
        assertThat(logLines("WARNING uplink the receiver refused the TLS session")).isNotEmpty();
        // TLS 1.3: our handshake completes before the receiver judges our certificate, so every
        // attempt is a connection that drops; the waits between them grow from 20 ms.
        long c0 = r.sender.connects.get();
        Thread.sleep(2000);
        assertThat(r.sender.connects.get() - c0).as("attempts in 2 s").isLessThanOrEqualTo(8);
        assertThat(r.sender.ackedBatches.get()).isZero();
        assertThat(rx.store().pointCount()).isZero();
        assertThat(seqsInOutbox()).isEqualTo(range(1, 2));
    }

    @Test
    void aReachableReceiverIsSentToAtOnceTheBackoffIsOnlyForFailures() throws Exception {
        append(0, 3);
        Receiver rx = receiver(0);
        Running r =
                new Running(
                        config(
                                rx.port(),
                                4,
                                Duration.ofSeconds(60),
                                Duration.ofSeconds(60),
                                ACK_TIMEOUT));
        // A first wait would be 30..60 s.
        await("drained", r, () -> drained(r), 20);
        assertThat(stored(rx)).isEqualTo(expected(3));
    }

    @Test
    void anOutboxThatFailsUnderTheSenderIsReportedAndRetriedWithoutKillingIt() throws Exception {
        append(0, 2);
        Receiver rx = receiver(0);
        Running r =
                new Running(
                        config(
                                rx.port(),
                                4,
                                Duration.ofMillis(20),
                                Duration.ofMillis(200),
                                ACK_TIMEOUT));
        await("drained", r, () -> drained(r));
        outbox.close();
        r.sender.wakeup();
        await(
                "the failure reported and the connection renewed",
                r,
                () ->
                        String.valueOf(r.sender.lastError).contains("closed")
                                && r.sender.connects.get() >= 3);
        assertThat(logLines("WARNING uplink sender error, reconnecting: ")).isNotEmpty();
        assertThat(r.thread.isAlive()).isTrue();
        assertThat(r.stop()).isTrue();
    }
}
