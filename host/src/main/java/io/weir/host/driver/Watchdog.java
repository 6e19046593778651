package io.weir.host.driver;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Interrupts a thread whose driver call ran past its budget. Chicory has no fuel in compiled mode;
 * its compiled code checks the thread's interrupt flag before calls and on backward branches and
 * then throws {@code ChicoryInterruptedException}.
 *
 * <p>Arming must be cheap: a cycle makes several calls and a host polls thousands of devices. So
 * there is no timer task per call. Each calling thread owns one slot; arming writes its deadline,
 * and one scanner thread looks at every slot each {@link #SCAN_MS} ms. A call is thus stopped
 * between its budget and its budget plus one scan period (plus Chicory's own latency to notice).
 */
public final class Watchdog implements AutoCloseable {

    /** How often the scanner looks at the slots. */
    public static final long SCAN_MS = 5;

    /** One watchdog is enough for the whole host: it only sets flags. */
    private static final Watchdog SHARED = new Watchdog();

    private final CopyOnWriteArrayList<Deadline> slots = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Deadline> slot = ThreadLocal.withInitial(this::register);
    private final Thread scanner;
    private volatile boolean closed;

    public Watchdog() {
        scanner = new Thread(this::scan, "weir-watchdog");
        scanner.setDaemon(true);
        scanner.start();
    }

    public static Watchdog shared() {
        return SHARED;
    }

    private Deadline register() {
        Deadline d = new Deadline(Thread.currentThread());
        slots.add(d);
        return d;
    }

    private void scan() {
        while (!closed) {
            try {
                TimeUnit.MILLISECONDS.sleep(SCAN_MS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Deadline d : slots) {
                if (!d.thread.isAlive()) {
                    slots.remove(d);
                } else {
                    d.check(now);
                }
            }
        }
    }

    /** The deadline slot of one thread, re-armed for each call. */
    public static final class Deadline implements AutoCloseable {
        private final Thread thread;
        private boolean armed;
        private boolean fired;
        private long deadlineNanos;

        private Deadline(Thread thread) {
            this.thread = thread;
        }

        private synchronized void arm(long budgetMs) {
            deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMs);
            fired = false;
            armed = true;
        }

        private synchronized void check(long now) {
            if (armed && !fired && now - deadlineNanos >= 0) {
                fired = true;
                thread.interrupt();
            }
        }

        /** Whether the deadline passed while the call ran. */
        public synchronized boolean fired() {
            return fired;
        }

        /**
         * Disarms the deadline and clears the interrupt flag if the watchdog set it. Chicory leaves
         * the flag set after {@code ChicoryInterruptedException}; the next call on this thread
         * would fail at once. The lock makes sure a scan has either interrupted before the clear or
         * never will.
         */
        @Override
        public void close() {
            boolean clear;
            synchronized (this) {
                armed = false;
                clear = fired;
            }
            if (clear) {
                Thread.interrupted();
            }
        }
    }

    /** Arms the current thread's deadline; close the result when the call returns. */
    public Deadline arm(long budgetMs) {
        if (closed) {
            throw new IllegalStateException("watchdog closed");
        }
        Deadline d = slot.get();
        d.arm(budgetMs);
        return d;
    }

    @Override
    public void close() {
        closed = true;
        scanner.interrupt();
    }
}
