package io.weir.host.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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

    /** A second connection to the same database: sees only what the outbox committed. */
    private long count(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url(), "sa", "");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void assertStats(Outbox o, long batches, long points, long bytes)
            throws Exception {
        Outbox.Stats s = o.stats();
        assertThat(new long[] {s.batches(), s.points(), s.bytes()})
                .as("batches, points, bytes")
                .containsExactly(batches, points, bytes);
    }

    @Test
    void liveCountersFollowEveryChangeWithoutAReopen() throws Exception {
        try (Outbox o = open(100, Outbox.OverflowPolicy.DROP_OLDEST)) {
            assertStats(o, 0, 0, 0);
            o.append(1, 1, 5, 0, new byte[10]);
            o.append(1, 2, 7, 0, new byte[20]);
            o.append(1, 3, 11, 0, new byte[30]);
            assertStats(o, 3, 23, 60);
            assertThat(o.remove(1, 2)).isTrue();
            assertStats(o, 2, 16, 40);
            assertThat(o.remove(1, 2)).as("already gone").isFalse();
            assertStats(o, 2, 16, 40);
            o.quarantine(o.after(0, 1).get(0), "BAD_SIGNATURE: test");
            assertStats(o, 1, 11, 30);
            // Dropping: 30 + 50 + 40 > 100 evicts the two oldest.
            o.append(1, 4, 13, 0, new byte[50]);
            o.append(1, 5, 17, 0, new byte[40]);
            assertStats(o, 2, 30, 90);
            assertThat(o.stats().droppedBatches()).isEqualTo(1);
            assertThat(o.stats().droppedPoints()).isEqualTo(11);
            assertThat(o.stats().quarantined()).isEqualTo(1);
        }
        try (Outbox o = open(100, Outbox.OverflowPolicy.DROP_OLDEST)) {
            assertStats(o, 2, 30, 90);
        }
    }

    /** The cap is inclusive: an outbox may hold exactly its cap, one byte more is over. */
    @Test
    void anOutboxFilledExactlyToItsCapAcceptsTheBatchThatFillsIt() throws Exception {
        try (Outbox o = open(10, Outbox.OverflowPolicy.BLOCK)) {
            o.append(1, 1, 1, 0, new byte[4]);
            o.append(1, 2, 1, 0, new byte[6]);
            assertStats(o, 2, 2, 10);
        }
        try (Outbox o = open(10, Outbox.OverflowPolicy.DROP_OLDEST)) {
            o.append(1, 3, 1, 0, new byte[1]);
            assertThat(o.after(0, 10)).extracting(Outbox.Row::seq).containsExactly(2L, 3L);
            assertThat(o.stats().droppedBatches()).isEqualTo(1);
        }
        try (Outbox o = open(10, Outbox.OverflowPolicy.BLOCK)) {
            o.remove(1, 2);
            o.remove(1, 3);
            o.append(2, 1, 1, 0, new byte[10]);
            assertStats(o, 1, 1, 10);
        }
    }

    @Test
    void capMustBePositive() throws Exception {
        assertThatThrownBy(() -> open(0, Outbox.OverflowPolicy.BLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cap must be > 0 bytes, got 0");
        try (Outbox o = open(1, Outbox.OverflowPolicy.BLOCK)) {
            o.append(1, 1, 1, 0, new byte[1]);
        }
    }

    /** Every change is committed when its method returns: another connection sees it at once. */
    @Test
    void everyChangeIsCommittedWhenItsMethodReturns() throws Exception {
        try (Outbox o = open(100, Outbox.OverflowPolicy.DROP_OLDEST)) {
            assertThat(count("SELECT COUNT(*) FROM outbox_counter")).isEqualTo(2);
            o.append(1, 1, 5, 0, new byte[40]);
            o.append(1, 2, 5, 0, new byte[40]);
            assertThat(count("SELECT COUNT(*) FROM outbox")).isEqualTo(2);
            o.remove(1, 1);
            assertThat(count("SELECT COUNT(*) FROM outbox")).isEqualTo(1);
            o.quarantine(o.after(0, 1).get(0), "UNKNOWN_RECIPIENT_KEY: test");
            assertThat(count("SELECT COUNT(*) FROM outbox")).isZero();
            assertThat(count("SELECT COUNT(*) FROM outbox_quarantine")).isEqualTo(1);
            o.append(1, 3, 5, 0, new byte[60]);
            o.append(1, 4, 9, 0, new byte[60]);
            assertThat(count("SELECT COUNT(*) FROM outbox")).isEqualTo(1);
            assertThat(count("SELECT v FROM outbox_counter WHERE name = 'dropped_points'"))
                    .isEqualTo(5);
            o.withConnection(c -> c.createStatement().executeUpdate("DELETE FROM outbox"));
            assertThat(count("SELECT COUNT(*) FROM outbox")).isZero();
        }
    }

    /**
     * UPLINK.md §7.3: H2's default WRITE_DELAY of 500 ms would keep half a second of commits in
     * memory; the outbox sets 0 unless the URL chooses.
     */
    @Test
    void commitsReachTheFileAtOnceUnlessTheUrlSaysOtherwise() throws Exception {
        String setting =
                "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS"
                        + " WHERE SETTING_NAME = 'WRITE_DELAY'";
        try (Outbox o = open(100, Outbox.OverflowPolicy.BLOCK)) {
            assertThat(o.<String>withConnection(c -> value(c, setting))).isEqualTo("0");
        }
        try (Outbox o =
                Outbox.open(
                        "jdbc:h2:file:" + tmp.resolve("other") + ";WRITE_DELAY=100",
                        100,
                        Outbox.OverflowPolicy.BLOCK,
                        Outbox.Durability.PROCESS_CRASH)) {
            assertThat(o.<String>withConnection(c -> value(c, setting))).isEqualTo("100");
        }
    }

    private static String value(Connection c, String sql) throws java.sql.SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** POWER_CUT: sync() puts the file on the disk (fsync); PROCESS_CRASH: it does not. */
    @Test
    void syncForcesTheFileToDiskOnlyUnderPowerCut() throws Exception {
        ForceCountingFs.register();
        for (Outbox.Durability d : Outbox.Durability.values()) {
            try (Outbox o =
                    Outbox.open(
                            "jdbc:h2:forcecount:" + tmp.resolve("fs-" + d),
                            100,
                            Outbox.OverflowPolicy.BLOCK,
                            d)) {
                o.append(1, 1, 1, 0, new byte[8]);
                int before = ForceCountingFs.FORCES.get();
                o.sync();
                int forced = ForceCountingFs.FORCES.get() - before;
                if (d == Outbox.Durability.POWER_CUT) {
                    assertThat(forced).as("fsyncs under %s", d).isPositive();
                } else {
                    assertThat(forced).as("fsyncs under %s", d).isZero();
                }
            }
        }
    }

    @Test
    void aClosedOutboxRefusesAppendsReleasesABlockedOneAndIgnoresSync() throws Exception {
        Outbox o = open(10, Outbox.OverflowPolicy.BLOCK);
        o.append(1, 1, 1, 0, new byte[10]);
        CompletableFuture<Void> blocked =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                o.append(1, 2, 1, 0, new byte[5]);
                            } catch (Exception e) {
                                throw new CompletionException(e);
                            }
                        });
        Thread.sleep(200);
        o.close();
        assertThatThrownBy(() -> blocked.get(5, TimeUnit.SECONDS))
                .as("released by close, not left waiting")
                .hasRootCauseInstanceOf(java.sql.SQLException.class)
                .hasMessageContaining("outbox closed");
        o.close();
        o.sync();
        assertThatThrownBy(() -> o.append(1, 3, 1, 0, new byte[1]))
                .hasMessageContaining("outbox closed");
    }

    /** An ACK and a quarantine each wake a producer blocked on a full outbox at once. */
    @Test
    void removeAndQuarantineWakeABlockedProducer() throws Exception {
        try (Outbox o = open(10, Outbox.OverflowPolicy.BLOCK)) {
            o.append(1, 1, 1, 0, new byte[10]);
            CompletableFuture<Void> second = appendAsync(o, 2);
            Thread.sleep(100);
            assertThat(second).isNotDone();
            o.remove(1, 1);
            second.get(5, TimeUnit.SECONDS);
            CompletableFuture<Void> third = appendAsync(o, 3);
            Thread.sleep(100);
            assertThat(third).isNotDone();
            o.quarantine(o.after(0, 1).get(0), "MALFORMED: test");
            third.get(5, TimeUnit.SECONDS);
            assertThat(o.after(0, 10)).extracting(Outbox.Row::seq).containsExactly(3L);
        }
    }

    private static CompletableFuture<Void> appendAsync(Outbox o, long seq) {
        return CompletableFuture.runAsync(
                () -> {
                    try {
                        o.append(1, seq, 1, 0, new byte[10]);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                });
    }

    @Test
    void quarantiningABatchNoLongerInTheOutboxChangesNothing() throws Exception {
        try (Outbox o = open(100, Outbox.OverflowPolicy.BLOCK)) {
            o.append(1, 1, 5, 0, new byte[10]);
            o.append(1, 2, 6, 0, new byte[10]);
            Outbox.Row first = o.after(0, 1).get(0);
            o.remove(1, 1);
            o.quarantine(first, "late refusal");
            assertStats(o, 1, 6, 10);
            assertThat(o.stats().quarantined()).isZero();
        }
    }

    /** A quarantine that cannot take the batch out of the outbox leaves no half-done copy. */
    @Test
    void aFailedQuarantineLeavesTheBatchInTheOutboxAndNothingInQuarantine() throws Exception {
        try (Outbox o = open(100, Outbox.OverflowPolicy.BLOCK)) {
            o.append(1, 1, 5, 0, new byte[10]);
            Outbox.Row r = o.after(0, 1).get(0);
            // A row elsewhere that references the batch makes its DELETE fail after the copy.
            o.withConnection(
                    c -> {
                        try (Statement st = c.createStatement()) {
                            st.execute("CREATE TABLE pin (id BIGINT REFERENCES outbox (id))");
                            return st.executeUpdate("INSERT INTO pin VALUES (" + r.id() + ")");
                        }
                    });
            assertThatThrownBy(() -> o.quarantine(r, "BAD_SIGNATURE: test"))
                    .isInstanceOf(java.sql.SQLException.class);
            o.append(1, 2, 1, 0, new byte[1]); // commits whatever the connection still holds
            assertThat(count("SELECT COUNT(*) FROM outbox_quarantine")).isZero();
            assertThat(o.after(0, 10)).extracting(Outbox.Row::seq).containsExactly(1L, 2L);
            assertStats(o, 2, 6, 11);
        }
    }

    @Test
    void reasonsAreKeptUpTo2000Characters() throws Exception {
        try (Outbox o = open(100, Outbox.OverflowPolicy.BLOCK)) {
            o.append(1, 1, 1, 0, new byte[1]);
            o.append(1, 2, 1, 0, new byte[1]);
            List<Outbox.Row> rows = o.after(0, 2);
            o.quarantine(rows.get(0), "x".repeat(2000));
            o.quarantine(rows.get(1), "y".repeat(2001));
            assertThat(count("SELECT MAX(LENGTH(reason)) FROM outbox_quarantine")).isEqualTo(2000);
            assertThat(count("SELECT MIN(LENGTH(reason)) FROM outbox_quarantine")).isEqualTo(2000);
        }
    }

    /** The operator's alarms (UPLINK.md §7.2, §6.2) are logged lines, each naming the batch. */
    @Test
    void dropsAndQuarantinesAreLoggedAsAlarms() throws Exception {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("weir.uplink.outbox");
        java.util.logging.Handler h =
                new java.util.logging.Handler() {
                    @Override
                    public void publish(java.util.logging.LogRecord r) {
                        lines.add(
                                r.getLevel()
                                        + " "
                                        + java.text.MessageFormat.format(
                                                r.getMessage(), r.getParameters()));
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                };
        jul.addHandler(h);
        try (Outbox o = open(10, Outbox.OverflowPolicy.DROP_OLDEST)) {
            o.append(0x1f, 1, 5, 0, new byte[6]);
            o.append(0x1f, 2, 7, 0, new byte[6]);
            o.quarantine(o.after(0, 1).get(0), "AUTH_TAG_MISMATCH: test");
        } finally {
            jul.removeHandler(h);
        }
        assertThat(lines)
                .containsExactly(
                        "WARNING ALARM outbox full (cap 10 bytes, policy DROP_OLDEST): dropped"
                                + " batch epoch=1f seq=1 with 5 points, never delivered",
                        "WARNING ALARM receiver refused batch epoch=1f seq=2 (7 points):"
                                + " AUTH_TAG_MISMATCH: test; kept in outbox_quarantine");
    }

    /**
     * An append that fails after DROP_OLDEST made room (here a duplicate key; a full disk alike):
     * the drop stands, counted, and the live counters still match the rows, now and after a reopen.
     */
    @Test
    void anAppendThatFailsAfterMakingRoomLeavesTheCountersTrueToTheRows() throws Exception {
        try (Outbox o = open(10, Outbox.OverflowPolicy.DROP_OLDEST)) {
            o.append(1, 1, 5, 0, new byte[4]);
            o.append(1, 2, 6, 0, new byte[4]);
            assertThatThrownBy(() -> o.append(1, 2, 7, 0, new byte[4]))
                    .isInstanceOf(java.sql.SQLException.class);
            assertThat(o.after(0, 10)).extracting(Outbox.Row::seq).containsExactly(2L);
            assertStats(o, 1, 6, 4);
            assertThat(o.stats().droppedBatches()).isEqualTo(1);
            assertThat(o.stats().droppedPoints()).isEqualTo(5);
            assertThat(count("SELECT COUNT(*) FROM outbox")).isEqualTo(1);
        }
        try (Outbox o = open(10, Outbox.OverflowPolicy.DROP_OLDEST)) {
            assertStats(o, 1, 6, 4);
            assertThat(o.stats().droppedBatches()).isEqualTo(1);
        }
    }

    /** A closed outbox has let go of its database: reads fail instead of seeing a stale copy. */
    @Test
    void aClosedOutboxRefusesReads() throws Exception {
        Outbox o = open(10, Outbox.OverflowPolicy.BLOCK);
        o.append(1, 1, 1, 0, new byte[1]);
        o.close();
        assertThatThrownBy(() -> o.after(0, 10)).isInstanceOf(java.sql.SQLException.class);
        assertThatThrownBy(o::stats).isInstanceOf(java.sql.SQLException.class);
    }

    /**
     * An open that fails (a table of the same name that is not an outbox) closes its connection: an
     * in-memory database then disappears with its last user, as it does when nothing leaks.
     */
    @Test
    void aFailedOpenLeavesNoConnectionBehind() throws Exception {
        String mem = "jdbc:h2:mem:failed-open-" + System.nanoTime();
        try (Connection holder = DriverManager.getConnection(mem, "sa", "");
                Statement st = holder.createStatement()) {
            st.execute("CREATE TABLE outbox (x INT)");
            assertThatThrownBy(
                            () ->
                                    Outbox.open(
                                            mem,
                                            10,
                                            Outbox.OverflowPolicy.BLOCK,
                                            Outbox.Durability.PROCESS_CRASH))
                    .isInstanceOf(java.sql.SQLException.class);
        }
        try (Connection c = DriverManager.getConnection(mem, "sa", "");
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES"
                                        + " WHERE TABLE_NAME IN ('OUTBOX', 'OUTBOX_QUARANTINE')")) {
            rs.next();
            assertThat(rs.getLong(1)).as("tables of the failed open still alive").isZero();
        }
    }
}
