package io.weir.host.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
    @TempDir Path tmp;

    private String url() {
        return "jdbc:h2:file:" + tmp.resolve("outbox");
    }

    private Outbox open(long maxBytes, Outbox.OverflowPolicy policy) throws Exception {
        return Outbox.open(url(), maxBytes, policy, Outbox.Durability.PROCESS_CRASH);
    }

    @Test
    void keepsSealingOrderAndSurvivesReopen() throws Exception {
        try (Outbox o = open(1 << 20, Outbox.OverflowPolicy.BLOCK)) {
            o.append(7, 1, 10, 100, new byte[] {1});
            o.append(7, 2, 20, 101, new byte[] {2, 2});
            o.append(
                    3,
                    1,
                    30,
                    102,
                    new byte[] {3, 3, 3}); // a new epoch may sort lower: order is by id
            assertThat(o.remove(7, 2)).isTrue();
            assertThat(o.remove(7, 2)).isFalse();
        }
        try (Outbox o =
                Outbox.open(
                        url(), 1 << 20, Outbox.OverflowPolicy.BLOCK, Outbox.Durability.POWER_CUT)) {
            List<Outbox.Row> rows = o.after(0, 10);
            assertThat(rows).extracting(Outbox.Row::seq).containsExactly(1L, 1L);
            assertThat(rows).extracting(Outbox.Row::epoch).containsExactly(7L, 3L);
            assertThat(rows.get(1).envelope()).containsExactly(3, 3, 3);
            assertThat(o.after(rows.get(0).id(), 10)).hasSize(1);
            Outbox.Stats s = o.stats();
            assertThat(s.batches()).isEqualTo(2);
            assertThat(s.points()).isEqualTo(40);
            assertThat(s.bytes()).isEqualTo(4);
        }
    }

    @Test
    void blockPolicyWaitsForAnAckAndLosesNothing() throws Exception {
        try (Outbox o = open(10, Outbox.OverflowPolicy.BLOCK)) {
            o.append(1, 1, 1, 0, new byte[6]);
            CompletableFuture<Void> second =
                    CompletableFuture.runAsync(
                            () -> {
                                try {
                                    o.append(1, 2, 1, 0, new byte[6]);
                                } catch (Exception e) {
                                    throw new RuntimeException(e);
                                }
                            });
            assertThatThrownBy(() -> second.get(300, TimeUnit.MILLISECONDS))
                    .isInstanceOf(TimeoutException.class);
            o.remove(1, 1);
            second.get(5, TimeUnit.SECONDS);
            assertThat(o.after(0, 10)).extracting(Outbox.Row::seq).containsExactly(2L);
            assertThat(o.stats().droppedBatches()).isZero();
        }
    }

    @Test
    void dropOldestCountsWhatItDrops() throws Exception {
        try (Outbox o = open(10, Outbox.OverflowPolicy.DROP_OLDEST)) {
            o.append(1, 1, 5, 0, new byte[4]);
            o.append(1, 2, 6, 0, new byte[4]);
            o.append(1, 3, 7, 0, new byte[4]);
            assertThat(o.after(0, 10)).extracting(Outbox.Row::seq).containsExactly(2L, 3L);
            Outbox.Stats s = o.stats();
            assertThat(s.droppedBatches()).isEqualTo(1);
            assertThat(s.droppedPoints()).isEqualTo(5);
        }
        try (Outbox o = open(10, Outbox.OverflowPolicy.DROP_OLDEST)) {
            assertThat(o.stats().droppedBatches()).as("counter is persistent").isEqualTo(1);
        }
    }

    @Test
    void quarantineKeepsRefusedBatchesWithTheReason() throws Exception {
        try (Outbox o = open(100, Outbox.OverflowPolicy.BLOCK)) {
            o.append(1, 1, 5, 0, new byte[4]);
            Outbox.Row r = o.after(0, 1).get(0);
            o.quarantine(r, "AUTH_TAG_MISMATCH: test");
            assertThat(o.after(0, 10)).isEmpty();
            assertThat(o.stats().quarantined()).isEqualTo(1);
            assertThat(o.stats().bytes()).isZero();
            String reason =
                    o.withConnection(
                            c -> {
                                try (var rs =
                                        c.createStatement()
                                                .executeQuery(
                                                        "SELECT reason FROM outbox_quarantine")) {
                                    rs.next();
                                    return rs.getString(1);
                                }
                            });
            assertThat(reason).isEqualTo("AUTH_TAG_MISMATCH: test");
        }
    }

    @Test
    void refusesABatchLargerThanTheCap() throws Exception {
        try (Outbox o = open(10, Outbox.OverflowPolicy.BLOCK)) {
            assertThatThrownBy(() -> o.append(1, 1, 1, 0, new byte[11]))
                    .hasMessageContaining("exceeds the whole outbox cap");
        }
    }
}
