package io.weir.tools.uplink;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.uplink.Outbox;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.IngestStore;
import io.weir.receiver.PkiIssuer;
import io.weir.receiver.Receiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The uplink benchmark behind {@code weir bench uplink} (UPLINK.md §12): a gateway and a receiver
 * in one JVM over loopback GM TLS, real H2 files for outbox and ingest, every point checked at the
 * far end.
 */
public final class UplinkBench {
    private UplinkBench() {}

    /** Benchmark parameters. */
    public record Options(
            long points,
            long outageSeconds,
            int batchPoints,
            int window,
            int deflateLevel,
            UplinkPki.Algorithm algorithm,
            Outbox.Durability durability,
            Path workDir) {}

    /** Raw single-thread SM4-GCM encryption speed in MB/s (10^6 bytes), 64 KiB messages. */
    public static double sm4GcmMbPerSecond(Duration duration) throws InvalidCipherTextException {
        byte[] key = new byte[16];
        byte[] nonce = new byte[12];
        byte[] in = new byte[64 << 10];
        byte[] out = new byte[in.length + 16];
        GCMModeCipher gcm = GCMBlockCipher.newInstance(new SM4Engine());
        long bytes = 0;
        long warm = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < warm) {
            gcm.init(true, new AEADParameters(new KeyParameter(key), 128, nonce));
            gcm.doFinal(out, gcm.processBytes(in, 0, in.length, out, 0));
            nonce[0]++;
        }
        long t0 = System.nanoTime();
        long end = t0 + duration.toNanos();
        while (System.nanoTime() < end) {
            gcm.init(true, new AEADParameters(new KeyParameter(key), 128, nonce));
            gcm.doFinal(out, gcm.processBytes(in, 0, in.length, out, 0));
            nonce[0]++;
            bytes += in.length;
        }
        return bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
    }

    /** The point stream: 100 devices × 20 points, double values, one ms apart (for the check). */
    static Point point(long i) {
        return new Point(
                DEVICES[(int) ((i / 20) % 100)],
                NAMES[(int) (i % 20)],
                Value.f64(20.0 + (i % 997) * 0.125),
                0,
                1_700_000_000_000L + i,
                null);
    }

    private static final String[] DEVICES = new String[100];
    private static final String[] NAMES = new String[20];

    static {
        for (int i = 0; i < DEVICES.length; i++) {
            DEVICES[i] = "plc-" + i;
        }
        for (int i = 0; i < NAMES.length; i++) {
            NAMES[i] = "reg" + (40001 + i);
        }
    }

    /**
     * Runs the benchmark and returns the result fields in output order. {@code progress} receives
     * human-readable lines.
     */
    public static Map<String, Object> run(Options o, Consumer<String> progress) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        progress.accept("measuring raw SM4-GCM speed (2 s)...");
        double sm4 = sm4GcmMbPerSecond(Duration.ofSeconds(2));
        Files.createDirectories(o.workDir());
        UplinkPki pki = PkiIssuer.init(o.workDir().resolve("pki"), o.algorithm(), "bench-gw");
        String rxDb = "jdbc:h2:file:" + o.workDir().resolve("ingest");
        Receiver.Config rxCfg = Receiver.Config.fromPki(pki, "127.0.0.1", 0, rxDb, null);
        Receiver rx = Receiver.start(rxCfg);
        int port = rx.port();
        String outboxUrl = "jdbc:h2:file:" + o.workDir().resolve("outbox");
        UplinkConfig cfg =
                UplinkConfig.forGateway(pki, "bench-gw", "127.0.0.1", port, outboxUrl)
                        .withBatching(
                                new UplinkConfig.Batching(
                                        o.batchPoints(), Duration.ofMillis(50), o.window()))
                        .withOutbox(
                                new UplinkConfig.OutboxSettings(
                                        outboxUrl,
                                        8L << 30,
                                        Outbox.OverflowPolicy.BLOCK,
                                        o.durability()))
                        .withBackoff(
                                new UplinkConfig.Backoff(
                                        Duration.ofMillis(100),
                                        Duration.ofSeconds(2),
                                        Duration.ofSeconds(60)));
        cfg = cfg.withSealing(cfg.sealing().withDeflateLevel(o.deflateLevel()));
        try (Uplink up = Uplink.start(cfg)) {
            // Warm-up: JIT, TLS handshake, first epoch.
            List<Point> warm = new ArrayList<>();
            for (long i = 0; i < 20_000; i++) {
                warm.add(new Point("warm", "w", Value.f64(i), 0, i, null));
            }
            up.sink().accept(warm);
            up.flush();
            if (!up.awaitDrained(Duration.ofSeconds(60))) {
                throw new IllegalStateException("warm-up not acknowledged: " + up.status());
            }
            long warmBytes = up.status().sealedBytes();
            Uplink.Status s0 = up.status();
            Receiver.Stats x0 = rx.stats();
            if (o.outageSeconds() > 0) {
                rx.close();
                progress.accept("receiver stopped for " + o.outageSeconds() + " s");
            }
            long t0 = System.nanoTime();
            List<Point> chunk = new ArrayList<>(1000);
            for (long i = 0; i < o.points(); i++) {
                chunk.add(point(i));
                if (chunk.size() == 1000) {
                    up.sink().accept(chunk);
                    chunk = new ArrayList<>(1000);
                }
            }
            up.sink().accept(chunk);
            up.flush();
            long tSealed = System.nanoTime();
            long drainStart = t0;
            if (o.outageSeconds() > 0) {
                long remaining = o.outageSeconds() * 1_000_000_000L - (tSealed - t0);
                if (remaining > 0) {
                    Thread.sleep(remaining / 1_000_000);
                }
                r.put("buffered_batches", up.status().outbox().batches());
                progress.accept(
                        "receiver back after "
                                + o.outageSeconds()
                                + " s with "
                                + up.status().outbox().batches()
                                + " batches buffered");
                rx = Receiver.start(rxCfg.withPort(port));
                drainStart = System.nanoTime();
            }
            up.resetLatencies();
            if (!up.awaitDrained(Duration.ofSeconds(Math.max(120, o.points() / 10_000)))) {
                throw new IllegalStateException("not drained: " + up.status());
            }
            long tEnd = System.nanoTime();
            Uplink.Status s1 = up.status();
            Receiver.Stats x1 = rx.stats();
            double secs = (tEnd - (o.outageSeconds() > 0 ? drainStart : t0)) / 1e9;
            long wireBytes = s1.sealedBytes() - warmBytes;
            double p99 = up.ackLatencyMicros().getValueAtPercentile(99.0) / 1000.0;
            long n = o.points();
            r.put("points", n);
            r.put("batch_points", o.batchPoints());
            r.put("window", o.window());
            r.put("tls", cfg.tls().mode().name());
            r.put("durability", o.durability().name());
            r.put("outage_seconds", o.outageSeconds());
            r.put("seconds", round(secs));
            r.put("seal_seconds", round((tSealed - t0) / 1e9));
            r.put("envelope_bytes", wireBytes);
            r.put("bytes_per_point", round((double) wireBytes / n));
            r.put(
                    "gateway_us_per_point",
                    Map.of(
                            "encode", round((s1.encodeNanos() - s0.encodeNanos()) / 1e3 / n),
                            "deflate", round((s1.deflateNanos() - s0.deflateNanos()) / 1e3 / n),
                            "sm4_gcm_seal", round((s1.sealNanos() - s0.sealNanos()) / 1e3 / n),
                            "outbox_commit",
                                    round((s1.appendNanos() - s0.appendNanos()) / 1e3 / n)));
            // After an outage the receiver is a fresh one whose counters start at zero.
            long openBase = o.outageSeconds() > 0 ? 0 : x0.openNanos();
            long storeBase = o.outageSeconds() > 0 ? 0 : x0.storeNanos();
            r.put(
                    "receiver_us_per_point",
                    Map.of(
                            "open", round((x1.openNanos() - openBase) / 1e3 / n),
                            "store_commit", round((x1.storeNanos() - storeBase) / 1e3 / n)));
            progress.accept("verifying every point at the receiver...");
            r.put("verified", verify(rx.store(), "bench-gw", n));
            r.put("duplicates_acked", s1.duplicateAcks() - s0.duplicateAcks());
            r.put("points_per_s", Math.round(n / secs));
            r.put("mb_per_s", round(wireBytes / 1e6 / secs));
            r.put("sm4_gcm_mb_per_s", round(sm4));
            r.put("p99_ack_ms", round(p99));
        } finally {
            rx.close();
        }
        return r;
    }

    /** Every bench point stored exactly once, in order (checked by its timestamp). */
    static boolean verify(IngestStore store, String gateway, long n) throws Exception {
        long next = 0;
        for (IngestStore.Batch b : store.batches(gateway)) {
            byte[] plain = b.deflated() ? PointBatch.inflate(b.payload()) : b.payload();
            for (Point p : PointBatch.decode(plain)) {
                if (p.device().equals("warm")) {
                    continue;
                }
                if (p.tsMillis() != 1_700_000_000_000L + next) {
                    return false;
                }
                next++;
            }
        }
        return next == n;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
