package io.weir.host.poll;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@link Timers} on a {@link ScheduledExecutorService}, with the system clock.
 *
 * <p>Timers at least {@link #COALESCE_FROM_NANOS} away are coalesced: their deadline is rounded up
 * to the next whole {@link #QUANTUM_NANOS} of {@link System#nanoTime}, and all timers of one
 * quantum run from one task of the executor. Ten thousand devices at 1 Hz are ten thousand ticks
 * and as many response timeouts a second, each at its own nanosecond; one executor task each would
 * wake the timer thread, and then a worker, twenty thousand times a second, and each wake costs a
 * futex call on both sides. Coalesced, the timer thread wakes at most once a quantum and hands the
 * workers a handful of sessions at a time (measured with {@code weir bench devices},
 * BENCHMARKS.md). A tick or timeout runs at most one quantum late, which no poll interval or
 * response timeout of that length notices; shorter timers (a serial line's frame silence, a 1 ms
 * poll interval) are scheduled exactly.
 */
public final class ExecutorTimers implements Timers {

    /** The rounding of coalesced deadlines. */
    static final long QUANTUM_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Timers due sooner than this are scheduled on their own, exactly. */
    static final long COALESCE_FROM_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ScheduledExecutorService executor;

    /** The pending quanta by deadline (a multiple of the quantum); guarded by itself. */
    private final Map<Long, Quantum> quanta = new HashMap<>();

    public ExecutorTimers(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        if (delayNanos < COALESCE_FROM_NANOS) {
            var f = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
        long now = System.nanoTime();
        long due = now + delayNanos;
        long at = Math.floorDiv(due + QUANTUM_NANOS - 1, QUANTUM_NANOS) * QUANTUM_NANOS;
        Entry e = new Entry(task);
        synchronized (quanta) {
            Quantum q = quanta.get(at);
            if (q == null) {
                q = new Quantum(at);
                quanta.put(at, q);
                executor.schedule(q, at - now, TimeUnit.NANOSECONDS);
            }
            q.entries.add(e);
        }
        return e;
    }

    /** One coalesced timer; cancelling it leaves it in its quantum, which then skips it. */
    private static final class Entry implements Timer {
        private final Runnable task;
        private volatile boolean cancelled;

        Entry(Runnable task) {
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    /** The timers of one quantum, run by one task of the executor. */
    private final class Quantum implements Runnable {
        private final long at;
        private final List<Entry> entries = new ArrayList<>(4);

        Quantum(long at) {
            this.at = at;
        }

        @Override
        public void run() {
            synchronized (quanta) {
                quanta.remove(at);
            }
            // No timer joins after the removal: a later schedule for this deadline makes a new
            // quantum, which runs at once.
            for (Entry e : entries) {
                if (!e.cancelled) {
                    try {
                        e.task.run();
                    } catch (RuntimeException ex) {
                        // One failing task must not drop the others of its quantum.
                        System.getLogger("io.weir.poll")
                                .log(System.Logger.Level.ERROR, "timer task failed", ex);
                    }
                }
            }
        }
    }
}
