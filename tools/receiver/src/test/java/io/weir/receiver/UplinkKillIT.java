package io.weir.receiver;

import static io.weir.receiver.UplinkLoopbackIT.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.uplink.UplinkPki;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the gateway process in the middle of a stream, then a restart on the same outbox:
 * every point the gateway had committed arrives exactly once and in order, and nothing arrives
 * twice (UPLINK.md §11).
 */
class UplinkKillIT {
    @TempDir Path tmp;

    private Process child(UplinkPki pki, int port, String device, String mode, String n)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                UplinkChild.class.getName(),
                                pki.dir().toString(),
                                String.valueOf(port),
                                tmp.resolve("outbox").toString(),
                                device,
                                mode));
        if (n != null) {
            cmd.add(n);
        }
        return new ProcessBuilder(cmd).redirectError(tmp.resolve(device + ".err").toFile()).start();
    }

    @Test
    void killMinus9MidStreamThenRestartDeliversEveryCommittedPointExactlyOnce() throws Exception {
        UplinkPki pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.SM2, "gw-01");
        try (Receiver rx =
                Receiver.start(
                        Receiver.Config.fromPki(
                                pki,
                                "127.0.0.1",
                                0,
                                "jdbc:h2:file:" + tmp.resolve("ingest"),
                                null))) {
            for (int round = 0; round < 3; round++) {
                String device = "run" + round;
                Process p = child(pki, rx.port(), device, "stream", null);
                AtomicLong committed = new AtomicLong();
                Thread reader =
                        new Thread(
                                () -> {
                                    try (BufferedReader r =
                                            new BufferedReader(
                                                    new InputStreamReader(
                                                            p.getInputStream(),
                                                            StandardCharsets.UTF_8))) {
                                        String line;
                                        while ((line = r.readLine()) != null) {
                                            if (line.startsWith("COMMITTED ")) {
                                                committed.set(Long.parseLong(line.substring(10)));
                                            }
                                        }
                                    } catch (Exception e) {
                                        // the process was killed
                                    }
                                });
                reader.start();
                // Kill while batches are being acknowledged, so some are in flight at the kill.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                long target = 20_000 + round * 7_000;
                long base = rx.stats().storedPoints();
                while ((committed.get() < target || rx.stats().storedPoints() - base < target / 2)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertThat(committed.get())
                        .as("child committed points")
                        .isGreaterThanOrEqualTo(target);
                assertThat(rx.stats().storedPoints() - base)
                        .as("delivered before the kill")
                        .isPositive();
                long storedBefore = rx.store().pointCount();
                p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flush, no close
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isEqualTo(137);
                reader.join(5000);
                long lastSeen = committed.get();

                Process drain = child(pki, rx.port(), "after" + round, "finite", "3000");
                assertThat(drain.waitFor(120, TimeUnit.SECONDS))
                        .as("restarted gateway drained")
                        .isTrue();
                String out =
                        new String(drain.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(drain.exitValue()).as(out).isZero();

                List<Long> got = values(rx.store(), "gw-01", device);
                assertThat((long) got.size())
                        .as(
                                "round %d: at least every committed point (%d) arrived; %d were stored before the kill",
                                round, lastSeen, storedBefore)
                        .isGreaterThanOrEqualTo(lastSeen);
                for (int i = 0; i < got.size(); i++) {
                    if (got.get(i) != i) {
                        throw new AssertionError(
                                "round "
                                        + round
                                        + ": point #"
                                        + i
                                        + " is "
                                        + got.get(i)
                                        + " (duplicate, gap or reordering)");
                    }
                }
                List<Long> after = values(rx.store(), "gw-01", "after" + round);
                assertThat(after).hasSize(3000);
                System.out.printf(
                        "round %d: killed with %d committed, %d stored before kill, %d delivered,"
                                + " duplicates acked so far %d%n",
                        round, lastSeen, storedBefore, got.size(), rx.stats().duplicates());
            }
        }
    }
}
