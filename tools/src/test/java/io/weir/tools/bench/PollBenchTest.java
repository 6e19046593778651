package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The pieces of {@code weir bench poll} that decide what is counted: the gateway sink's gate (a
 * paused device holds its session's thread, and neither the read that waited nor the time across
 * the pause is counted), the check of the gateway's values, and the per-round ratio summary. The
 * clock is injected, so nothing here depends on how fast the machine is.
 */
class PollBenchTest {

    private static final long US = 1000;

    private final AtomicLong clock = new AtomicLong(1_000_000 * US);
    private final AtomicInteger seconds = new AtomicInteger(7);

    /** One read as the gateway delivers it: points r<a>..r<a+9> holding a + s. */
    private static List<Point> read(int address, int s) {
        List<Point> batch = new ArrayList<>();
        for (int k = 0; k < PollBench.REGISTERS; k++) {
            int a = address + k;
            batch.add(new Point("plc", "r" + a, new Value.U64((a + s) & 0xFFFF), 0, 0, null));
        }
        return batch;
    }

    private void at(long micros) {
        clock.set(1_000_000 * US + micros * US);
    }

    private PollBench.Gaps gaps() {
        return new PollBench.Gaps(false, clock::get, seconds::get);
    }

    /** Runs {@code accept} on a thread of its own, as the session's thread would call it. */
    private static Thread acceptOnAnotherThread(
            PollBench.Gaps gaps, List<Point> batch, CountDownLatch returned) {
        Thread t =
                new Thread(
                        () -> {
                            gaps.accept(batch);
                            returned.countDown();
                        },
                        "session");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void awaitWaiting(Thread t) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertThat(t.getState())
                .as("the session's thread waits at the closed gate")
                .isEqualTo(Thread.State.WAITING);
    }

    @Test
    void aPausedSinkHoldsTheCallerAndCountsNoGapAcrossThePause() throws Exception {
        PollBench.Gaps gaps = gaps();
        // Warm-up: the gate is open, nothing counted.
        at(0);
        gaps.accept(read(0, 7));
        at(40);
        gaps.accept(read(10, 7));
        at(50);
        gaps.pause();

        // The read answered after the pause waits at the gate: no next request goes out.
        at(60);
        CountDownLatch returned = new CountDownLatch(1);
        Thread session = acceptOnAnotherThread(gaps, read(20, 7), returned);
        awaitWaiting(session);
        assertThat(returned.getCount()).isEqualTo(1);

        // Five seconds later the slice starts: the read that waited is let through, not counted,
        // and the next gap starts there.
        at(5_000_000);
        gaps.resume();
        assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
        session.join(10_000);
        at(5_000_030);
        gaps.accept(read(30, 7));
        at(5_000_070);
        gaps.accept(read(40, 7));
        at(5_000_100);
        gaps.pause();

        PollBench.Tally t = gaps.tally();
        assertThat(t.reads()).isEqualTo(2);
        assertThat(t.seconds()).isCloseTo(100e-6, within(1e-12));
        assertThat(t.micros.getTotalCount()).isEqualTo(2);
        assertThat(t.micros.getMinValue()).isEqualTo(30);
        assertThat(t.micros.getMaxValue()).isEqualTo(40);
        assertThat(gaps.wrongValues()).isZero();
    }

    @Test
    void readsCountOnlyInsideSlices() throws Exception {
        PollBench.Gaps gaps = gaps();
        at(0);
        gaps.accept(read(0, 7));
        at(10);
        gaps.accept(read(10, 7));
        gaps.pause();
        // A second slice after one that saw no batch held at the gate (a read outstanding over
        // the pause): its first read's gap would span the pause and is not recorded.
        at(1_000_000);
        gaps.resume();
        at(1_000_020);
        gaps.accept(read(20, 7));
        at(1_000_045);
        gaps.accept(read(30, 7));
        at(1_000_050);
        gaps.pause();
        // Slice 2: one read held over the pause, then three counted.
        at(1_000_060);
        CountDownLatch returned = new CountDownLatch(1);
        Thread session = acceptOnAnotherThread(gaps, read(40, 7), returned);
        awaitWaiting(session);
        at(3_000_000);
        gaps.resume();
        assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 3; i++) {
            at(3_000_000 + 10 * i);
            gaps.accept(read(40 + 10 * i, 7));
        }
        at(3_000_040);
        gaps.pause();

        PollBench.Tally t = gaps.tally();
        assertThat(t.reads()).isEqualTo(5);
        assertThat(t.perRound()).hasSize(2);
        // 2 reads in 50 µs, 3 in 40 µs.
        assertThat(t.perRound().get(0)).isCloseTo(40_000.0, within(1e-6));
        assertThat(t.perRound().get(1)).isCloseTo(75_000.0, within(1e-6));
        // The first read of slice 1 (its previous batch came before the pause) has no gap; the
        // gaps: 25 µs in slice 1, then 10 µs three times from the read let through.
        assertThat(t.micros.getTotalCount()).isEqualTo(4);
        assertThat(t.micros.getMaxValue()).isEqualTo(25);
        assertThat(t.micros.getMinValue()).isEqualTo(10);

        Map<String, Object> line =
                t.line(new PollBench.Plan(Duration.ZERO, 2, Duration.ofMillis(500), Duration.ZERO));
        assertThat(line)
                .containsEntry("reads", 5L)
                .containsEntry("rounds", 2)
                .containsEntry("slice_s", 0.5)
                .containsEntry("per_round_reads_per_s", List.of(40_000L, 75_000L));
        assertThat((Long) line.get("reads_per_s")).isCloseTo(55_556L, within(1L));
        assertThat(line).containsKeys("p50_us", "p99_us", "max_us", "window_s");
    }

    @Test
    void badBatchesAndWrongValuesAreNotRightReads() {
        PollBench.Gaps gaps = gaps();
        at(0);
        gaps.accept(read(0, 7));
        gaps.pause();
        at(100);
        gaps.resume();
        // A timeout's batch: no read.
        at(110);
        gaps.accept(List.of(new Point("plc", "r0", Value.NULL, 0x80, 0, "no response")));
        // A read of the wrong second, and one of a register off: counted, and counted wrong.
        at(120);
        gaps.accept(read(10, 9));
        at(130);
        List<Point> off = new ArrayList<>(read(20, 7));
        off.set(3, new Point("plc", "r23", new Value.U64(24 + 7), 0, 0, null));
        gaps.accept(off);
        at(140);
        gaps.accept(read(30, 7));
        gaps.pause();
        assertThat(gaps.tally().reads()).isEqualTo(3);
        assertThat(gaps.wrongValues()).isEqualTo(2);
    }

    @Test
    void releaseLetsAHeldThreadGoAndKeepsTheGateOpen() throws Exception {
        PollBench.Gaps gaps = gaps();
        gaps.pause();
        CountDownLatch returned = new CountDownLatch(1);
        Thread session = acceptOnAnotherThread(gaps, read(0, 7), returned);
        awaitWaiting(session);
        gaps.release();
        assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
        gaps.pause();
        gaps.accept(read(10, 7));
        gaps.resume();
        gaps.accept(read(20, 7));
        assertThat(gaps.tally().reads()).isZero();
    }

    @Test
    void servedChecksEveryRegisterOfTheRead() {
        assertThat(PollBench.Gaps.served(read(100, 7), 7, 7)).isTrue();
        assertThat(PollBench.Gaps.served(read(100, 7), 6, 8)).isTrue();
        // Another second than the read's window.
        assertThat(PollBench.Gaps.served(read(100, 7), 8, 9)).isFalse();
        // Points named from another address than their values (within the second the read took:
        // a window of many seconds cannot tell a shifted address from another second).
        List<Point> renamed = new ArrayList<>();
        for (Point p : read(100, 7)) {
            int a = Integer.parseInt(p.point().substring(1)) + 5;
            renamed.add(new Point("plc", "r" + a, p.value(), 0, 0, null));
        }
        assertThat(PollBench.Gaps.served(renamed, 7, 7)).isFalse();
        assertThat(PollBench.Gaps.served(read(100, 7).subList(0, 9), 7, 7)).isFalse();
        List<Point> unordered = new ArrayList<>(read(100, 7));
        unordered.set(2, unordered.get(3));
        assertThat(PollBench.Gaps.served(unordered, 7, 7)).isFalse();
        List<Point> text = new ArrayList<>(read(100, 7));
        text.set(0, new Point("plc", "r100", new Value.Str("107"), 0, 0, null));
        assertThat(PollBench.Gaps.served(text, 7, 7)).isFalse();
        List<Point> name = new ArrayList<>(read(100, 7));
        name.set(0, new Point("plc", "x100", new Value.U64(107), 0, 0, null));
        assertThat(PollBench.Gaps.served(name, 7, 7)).isFalse();
    }

    @Test
    void ratioSummaryTakesTheMedianOfOddAndEvenCounts() {
        Map<String, Object> odd =
                PollBench.ratios(List.of(30.0, 10.0, 20.0), List.of(10.0, 10.0, 10.0));
        assertThat(odd)
                .containsEntry("median", 2.0)
                .containsEntry("min", 1.0)
                .containsEntry("max", 3.0);
        // Even: the mean of the two in the middle, (0.5 + 0.8) / 2, whatever the order of rounds.
        Map<String, Object> even =
                PollBench.ratios(List.of(9.0, 1.0, 8.0, 5.0), List.of(10.0, 10.0, 10.0, 10.0));
        assertThat(even)
                .containsEntry("median", 0.65)
                .containsEntry("min", 0.1)
                .containsEntry("max", 0.9);
        // Per round, not of the sums: 2/1 and 1/4 give a median of 1.125, the sums 3/5 would 0.6.
        assertThat(PollBench.ratios(List.of(2.0, 1.0), List.of(1.0, 4.0)))
                .containsEntry("median", 1.125);
        // Three decimals.
        assertThat(PollBench.ratios(List.of(1.0), List.of(3.0))).containsEntry("median", 0.333);
    }

    @Test
    void aRoundWhoseBaselineReadNothingHasNoRatio() {
        assertThat(PollBench.ratios(List.of(5.0, 4.0, 7.0), List.of(10.0, 0.0, 10.0)))
                .containsEntry("median", 0.6)
                .containsEntry("min", 0.5)
                .containsEntry("max", 0.7);
        Map<String, Object> none = PollBench.ratios(List.of(5.0), List.of(0.0));
        assertThat(none).containsEntry("median", null).containsEntry("min", null);
        assertThatThrownBy(() -> PollBench.ratios(List.of(1.0), List.of()))
                .hasMessageContaining("rounds differ: 1 and 0");
    }

    @Test
    void planRefusesWhatCannotBeMeasured() {
        assertThatThrownBy(
                        () ->
                                new PollBench.Plan(
                                        Duration.ZERO, 0, Duration.ofSeconds(1), Duration.ZERO))
                .hasMessageContaining("rounds must be at least 1, got 0");
        assertThatThrownBy(() -> new PollBench.Plan(Duration.ZERO, 1, Duration.ZERO, Duration.ZERO))
                .hasMessageContaining("a slice must be longer than 0");
    }
}
