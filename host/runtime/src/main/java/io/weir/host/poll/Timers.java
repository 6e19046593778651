package io.weir.host.poll;

/**
 * One-shot timers for sessions: schedule ticks and response timeouts. A task only enqueues work on
 * its session's executor; it never calls a driver itself.
 */
public interface Timers {

    /** A scheduled task that has not run yet, or has. */
    interface Timer {
        /** Stops the task if it has not started; harmless afterwards. */
        void cancel();
    }

    /**
     * Runs {@code task} once, {@code delayNanos} from now on the {@link Clock#nanoTime} scale (0 or
     * less: as soon as possible).
     */
    Timer schedule(long delayNanos, Runnable task);
}
