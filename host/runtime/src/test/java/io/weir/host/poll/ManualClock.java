package io.weir.host.poll;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * Time that moves only when a test says so: a {@link Clock} and the {@link Timers} on it. {@link
 * #advance} runs every task that falls due on the way, in order of due time, each at its own
 * instant, on the caller's thread.
 */
public final class ManualClock implements Clock, Timers {
    /** 2023-11-14T22:13:20Z: a wall-clock origin that is not 0. */
    public static final long EPOCH_MILLIS = 1_700_000_000_000L;

    private final PriorityQueue<Task> tasks =
            new PriorityQueue<>(
                    (a, b) ->
                            a.due != b.due
                                    ? Long.compare(a.due, b.due)
                                    : Long.compare(a.seq, b.seq));
    private long nanos = 5_000_000_000L;
    private long seq;
    private long scheduled;

    private static final class Task implements Timer {
        final long due;
        final long seq;
        final Runnable run;
        boolean cancelled;

        Task(long due, long seq, Runnable run) {
            this.due = due;
            this.seq = seq;
            this.run = run;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized long currentTimeMillis() {
        return EPOCH_MILLIS + nanos / 1_000_000;
    }

    @Override
    public synchronized Timer schedule(long delayNanos, Runnable task) {
        scheduled++;
        Task t = new Task(nanos + Math.max(0, delayNanos), seq++, task);
        tasks.add(t);
        return t;
    }

    /** Moves time forward by {@code d}, running each task as its due time is reached. */
    public void advance(Duration d) {
        long target;
        synchronized (this) {
            target = nanos + d.toNanos();
        }
        while (true) {
            Task t;
            synchronized (this) {
                t = tasks.peek();
                if (t == null || t.due > target) {
                    nanos = target;
                    return;
                }
                tasks.poll();
                nanos = Math.max(nanos, t.due);
            }
            if (!t.cancelled) {
                t.run.run();
            }
        }
    }

    public void advanceMillis(long ms) {
        advance(Duration.ofMillis(ms));
    }

    /**
     * Moves time forward without running anything, as a paused JVM or a busy executor would; the
     * tasks that fell due run at the next {@link #advance}, late.
     */
    public synchronized void jump(Duration d) {
        nanos += d.toNanos();
    }

    /** How many tasks were ever scheduled: what a session costs its timer thread. */
    public synchronized long scheduled() {
        return scheduled;
    }

    /** Tasks scheduled and not yet run or cancelled. */
    public synchronized long pendingTasks() {
        return tasks.stream().filter(t -> !t.cancelled).count();
    }
}
