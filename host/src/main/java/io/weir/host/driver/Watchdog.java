package io.weir.host.driver;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Interrupts a thread whose driver call ran past its budget. Chicory has no fuel in compiled mode;
 * its compiled code checks the thread's interrupt flag before calls and on backward branches and
 * then throws {@code ChicoryInterruptedException}.
 */
public final class Watchdog implements AutoCloseable {

    /** One watchdog thread is enough for the whole host: it only sets flags. */
    private static final Watchdog SHARED = new Watchdog();

    private final ScheduledThreadPoolExecutor timer;

    public Watchdog() {
        timer =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = Executors.defaultThreadFactory().newThread(r);
                            t.setName("weir-watchdog");
                            t.setDaemon(true);
                            return t;
                        });
        timer.setRemoveOnCancelPolicy(true);
    }

    public static Watchdog shared() {
        return SHARED;
    }

    /** A deadline armed for one call on one thread. */
    public final class Deadline implements AutoCloseable {
        private final Thread thread = Thread.currentThread();
        private final ScheduledFuture<?> future;
        private boolean done;
        private boolean fired;

        private Deadline(long budgetMs) {
            future = timer.schedule(this::fire, budgetMs, TimeUnit.MILLISECONDS);
        }

        private synchronized void fire() {
            if (!done) {
                fired = true;
                thread.interrupt();
            }
        }

        /** Whether the deadline passed while the call ran. */
        public synchronized boolean fired() {
            return fired;
        }

        /**
         * Disarms the deadline and clears the interrupt flag. Chicory leaves the flag set after
         * {@code ChicoryInterruptedException}; the next call on this thread would fail at once. The
         * lock makes sure a late {@link #fire} has either happened before the clear or never will.
         */
        @Override
        public void close() {
            synchronized (this) {
                done = true;
            }
            future.cancel(false);
            if (fired()) {
                Thread.interrupted();
            }
        }
    }

    /** Arms a deadline for the current thread. */
    public Deadline arm(long budgetMs) {
        return new Deadline(budgetMs);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
