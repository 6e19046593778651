package io.weir.host.poll;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run driver calls, kept fair against runaway drivers: the pool always has {@code
 * base} workers that are not stuck in a long task. A task that has used the stall threshold of CPU
 * time ({@link #charged}; a driver call spinning toward its budget, a hostile {@code weir_open}
 * under the 1 s open budget) is compensated with a spare thread, as a fork-join pool compensates a
 * blocked worker, up to {@code max} threads; spares end after a few idle seconds once the stalls
 * are over.
 *
 * <p>Without it a pool of {@code max(2, CPUs)} threads is stalled by as many runaway instances,
 * each holding a thread for its budget, and every healthy device behind them misses its ticks. The
 * cap bounds what a flood of runaways can cost; the trap policy (ABI §9: crash-loop backoff, then
 * quarantine after 5 traps) stops a runaway driver version long before it is reached.
 *
 * <p>Tasks are timed by the {@link SerialExecutor}s that run on the pool (each device event is one
 * task), so the pool needs no view of driver calls.
 */
public final class WorkerPool implements Executor, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.weir.poll");

    /** A pool thread, with the start of the task it runs (0 while idle). */
    static final class Worker extends Thread {
        private volatile long taskSince;

        /** The task the monitor last looked at ({@link #taskSince}); the monitor's own fields. */
        private long seenSince;

        /** The thread's CPU time and the wall clock when the monitor first saw that task. */
        private long cpuAtSight;

        private long wallAtSight;

        Worker(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
        }
    }

    private final ThreadPoolExecutor pool;
    private final int base;
    private final int max;
    private final long stallNanos;
    private final Set<Worker> workers = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> monitor;
    private volatile int stalled;
    private volatile long sparesAdded;
    private boolean compensating;

    /**
     * @param name thread name prefix, e.g. {@code weir-worker}
     * @param base threads that are never stuck in a long task at once
     * @param max the most threads, spares included
     * @param stall how long a task may run before its thread counts as stalled
     * @param timer runs the check every half {@code stall}
     */
    public WorkerPool(
            String name, int base, int max, Duration stall, ScheduledExecutorService timer) {
        if (base < 1 || max < base) {
            throw new IllegalArgumentException("a worker pool needs 1 ≤ base ≤ max threads");
        }
        if (stall.toMillis() < 1) {
            throw new IllegalArgumentException("the stall threshold must be at least 1 ms");
        }
        this.base = base;
        this.max = max;
        this.stallNanos = stall.toNanos();
        AtomicInteger n = new AtomicInteger();
        this.pool =
                new ThreadPoolExecutor(
                        base,
                        max,
                        5,
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(),
                        r -> {
                            Worker w = new Worker(track(r), name + "-" + n.incrementAndGet());
                            workers.add(w);
                            return w;
                        });
        long period = Math.max(1, stallNanos / 2);
        this.monitor =
                timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.NANOSECONDS);
    }

    /** Forgets a worker when its thread ends (a spare that idled out). */
    private Runnable track(Runnable r) {
        return () -> {
            try {
                r.run();
            } finally {
                workers.remove((Worker) Thread.currentThread());
            }
        };
    }

    @Override
    public void execute(Runnable task) {
        pool.execute(task);
    }

    /** A task begins on the current thread (called by {@link SerialExecutor}). */
    static void taskStarted() {
        if (Thread.currentThread() instanceof Worker w) {
            w.taskSince = System.nanoTime() | 1;
        }
    }

    /** The current thread's task ended. */
    static void taskEnded() {
        if (Thread.currentThread() instanceof Worker w) {
            w.taskSince = 0;
        }
    }

    /**
     * Keeps {@code base} threads free of stalls: as many threads as stalled ones plus {@code base},
     * up to {@code max}. A larger core size starts threads for queued tasks at once (and for later
     * ones as they come); a smaller one lets the spares end after idling.
     */
    private void check() {
        long now = System.nanoTime();
        int s = 0;
        for (Worker w : workers) {
            long since = w.taskSince;
            if (since != 0 && charged(w, since, now, stallNanos / 2) > stallNanos) {
                s++;
            }
        }
        stalled = s;
        int target = Math.min(max, base + s);
        int core = pool.getCorePoolSize();
        if (target > core) {
            sparesAdded += target - core;
            pool.setCorePoolSize(target);
            if (!compensating) {
                compensating = true;
                // Expected now and then — an instance starting (its weir_init and the JIT's first
                // look at its code) takes longer than a stall at every gateway start — so not a
                // warning: a driver call that runs away is stopped by its budget, and says so.
                LOG.log(
                        Level.INFO,
                        "{0} of the worker threads have been busy with one task for over {1} ms"
                                + " (a driver call or an instance starting); adding spare threads"
                                + " (at most {2} in all) so that other devices keep their schedule",
                        s,
                        stallNanos / 1_000_000,
                        max);
            }
        } else if (target < core) {
            pool.setCorePoolSize(target);
        }
        if (s == 0) {
            compensating = false;
        }
    }

    /**
     * How long the task {@code w} runs (started at {@code since}) counts toward a stall: the wall
     * time until the monitor first saw it running, at most {@code firstLookCap} (a monitor that was
     * itself kept from running must not blame the task for the wait), then its thread's CPU time. A
     * worker that waits for a core (two cores, ten thousand devices, other processes) or sits in a
     * collector's pause is not stuck, and a spare thread would only compete for the same cores; a
     * driver call spinning toward its budget uses CPU all the time. Where the JVM cannot read a
     * thread's CPU time, wall time.
     */
    static long charged(Worker w, long since, long now, long firstLookCap) {
        long cpu = CPU.isThreadCpuTimeEnabled() ? CPU.getThreadCpuTime(w.getId()) : -1;
        if (w.seenSince != since) {
            w.seenSince = since;
            w.cpuAtSight = cpu;
            w.wallAtSight = now;
        }
        if (cpu < 0 || w.cpuAtSight < 0) {
            return now - since;
        }
        return Math.min(w.wallAtSight - since, firstLookCap) + (cpu - w.cpuAtSight);
    }

    private static final java.lang.management.ThreadMXBean CPU =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** Threads now, spares included. */
    public int threads() {
        return pool.getPoolSize();
    }

    /** Threads whose task has run past the stall threshold, as of the last check. */
    public int stalled() {
        return stalled;
    }

    /** Spare threads started so far to compensate stalls. */
    public long sparesAdded() {
        return sparesAdded;
    }

    /** Stops taking tasks, lets running ones end for up to two seconds, then interrupts them. */
    @Override
    public void close() {
        monitor.cancel(false);
        pool.shutdown();
        try {
            pool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.shutdownNow();
    }
}
