package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker counts as stuck by the CPU its task uses, not by the time it has been away: a spinning
 * driver call gets a spare thread beside it, a task that waits does not.
 */
class WorkerPoolTest {
    private static final Duration STALL = Duration.ofSeconds(1);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final WorkerPool pool = new WorkerPool("test-worker", 1, 4, STALL, timer);

    @AfterEach
    void close() {
        pool.close();
        timer.shutdownNow();
    }

    /** Runs {@code task} as a session would: timed by a serial executor on the pool. */
    private void submit(Runnable task) {
        new SerialExecutor(pool).execute(task);
    }

    @Test
    void aTaskSpinningOnTheCpuPastTheThresholdIsCompensatedWithASpare() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        submit(
                () -> {
                    running.countDown();
                    long x = 0;
                    while (!stop.get()) {
                        x += System.nanoTime() & 1;
                    }
                    assertThat(x).isNotNegative();
                });
        running.await();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (pool.sparesAdded() == 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(pool.stalled()).isEqualTo(1);
        assertThat(pool.sparesAdded()).isPositive();
        CountDownLatch beside = new CountDownLatch(1);
        submit(beside::countDown);
        assertThat(beside.await(30, TimeUnit.SECONDS)).as("a task beside the spinner ran").isTrue();
        stop.set(true);
    }

    @Test
    void aTaskThatWaitsWithoutUsingTheCpuIsNotStuck() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        submit(
                () -> {
                    try {
                        Thread.sleep(3 * STALL.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    done.countDown();
                });
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.sparesAdded()).as("three stall thresholds asleep, no CPU used").isZero();
    }

    @Test
    void theChargeIsWallTimeUntilFirstSeenThenCpuTime() throws Exception {
        WorkerPool.Worker w = new WorkerPool.Worker(() -> {}, "idle");
        // A thread that has not started has no CPU clock: wall time from the task's start.
        assertThat(WorkerPool.charged(w, 1_000, 5_000, 100_000)).isEqualTo(4_000);
        CountDownLatch seen = new CountDownLatch(1);
        CountDownLatch end = new CountDownLatch(1);
        WorkerPool.Worker running =
                new WorkerPool.Worker(
                        () -> {
                            seen.countDown();
                            try {
                                end.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "waiting");
        running.start();
        seen.await();
        long since = 1;
        long first = WorkerPool.charged(running, since, 10_000_001, 50_000_000);
        assertThat(first).as("at first sight: the wall time since the start").isEqualTo(10_000_000);
        long later = WorkerPool.charged(running, since, 900_000_001, 50_000_000);
        assertThat(later)
                .as("a waiting thread's charge grows by its CPU time, not the 890 ms of wall")
                .isLessThan(100_000_000);
        WorkerPool.Worker late = new WorkerPool.Worker(() -> {}, "late");
        // Not started: wall time throughout (no CPU clock to read).
        assertThat(WorkerPool.charged(late, 1, 400_000_001, 50_000_000)).isEqualTo(400_000_000);
        // A task first seen late, by a monitor that could not run: at most the cap before it.
        long seenLate = WorkerPool.charged(running, 2, 400_000_002, 50_000_000);
        assertThat(seenLate).isEqualTo(50_000_000);
        end.countDown();
        running.join();
    }
}
