package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Coalesced and exact timers run once each, never before their delay, and a cancelled one never
 * runs; a task that fails does not drop the others of its quantum. No timing is asserted beyond
 * "not early" (speed and lateness are the benchmarks').
 */
class ExecutorTimersTest {
    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
    private final ExecutorTimers timers = new ExecutorTimers(executor);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void everyTimerRunsOnceNotEarlyAndCancelledOnesNever() throws Exception {
        int n = 300;
        CountDownLatch done = new CountDownLatch(n);
        List<String> ran = new CopyOnWriteArrayList<>();
        List<Long> early = new CopyOnWriteArrayList<>();
        List<Timers.Timer> cancelled = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // Delays on both sides of the coalescing threshold, many in the same millisecond. The
            // cancelled ones (coalesced only: an exact timer is the executor's own) are far off, so
            // that a slow machine cannot run them before the cancel.
            boolean cancel = i % 4 == 2;
            long delay =
                    TimeUnit.MILLISECONDS.toNanos(
                            cancel ? 300 + i % 7 : i % 2 == 0 ? 25 + i % 7 : 1 + i % 5);
            long due = System.nanoTime() + delay;
            String name = "t" + i;
            Timers.Timer t =
                    timers.schedule(
                            delay,
                            () -> {
                                if (System.nanoTime() < due) {
                                    early.add(due - System.nanoTime());
                                }
                                ran.add(name);
                                done.countDown();
                            });
            if (cancel) {
                t.cancel();
                cancelled.add(t);
            }
        }
        // One in four is cancelled.
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        assertThat(ran).hasSize(n).doesNotHaveDuplicates();
        Thread.sleep(400);
        for (int i = 0; i < 400; i++) {
            boolean wasCancelled = i % 4 == 2;
            assertThat(ran.contains("t" + i)).as("t%d", i).isEqualTo(!wasCancelled);
        }
        assertThat(early).as("timers that ran before their delay").isEmpty();
        cancelled.forEach(Timers.Timer::cancel); // harmless afterwards
    }

    @Test
    void aFailingTaskDoesNotDropTheOthersOfItsQuantum() throws Exception {
        CountDownLatch done = new CountDownLatch(2);
        long delay = TimeUnit.MILLISECONDS.toNanos(30);
        timers.schedule(delay, done::countDown);
        timers.schedule(
                delay,
                () -> {
                    throw new IllegalStateException("a bug in one session's timer");
                });
        timers.schedule(delay, done::countDown);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
}
