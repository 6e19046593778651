package io.weir.host.poll;

/**
 * The time a session sees: a monotonic clock for its schedule and timeouts, a wall clock for the
 * timestamps of its points. Injected, so that tests drive a session through hours of cycles in
 * milliseconds.
 */
public interface Clock {

    /** Monotonic nanoseconds, for intervals and deadlines only (as {@link System#nanoTime}). */
    long nanoTime();

    /** Epoch milliseconds, for point timestamps (as {@link System#currentTimeMillis}). */
    long currentTimeMillis();

    /** The system's clocks. */
    Clock SYSTEM =
            new Clock() {
                @Override
                public long nanoTime() {
                    return System.nanoTime();
                }

                @Override
                public long currentTimeMillis() {
                    return System.currentTimeMillis();
                }
            };
}
