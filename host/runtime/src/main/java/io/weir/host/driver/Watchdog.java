package io.weir.host.driver;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Interrupts a thread whose driver call ran past its budget. Chicory has no fuel in compiled mode;
 * its compiled code checks the thread's interrupt flag before calls and on backward branches and
 * then throws {@code ChicoryInterruptedException}.
 *
 * <p>Arming must be cheap: a cycle makes several calls and a host polls thousands of devices, so
 * there is no timer task per call. Each calling thread owns one slot; arming writes its deadline.
 * One timer thread sleeps until the earliest armed deadline and interrupts the threads whose
 * deadline has passed, so a call is stopped at its deadline (plus the timer's wake-up latency, well
 * under a millisecond, and Chicory's own latency to notice), not at the next tick of a coarse scan
 * (DESIGN.md: a runaway loop is stopped within 100 ms).
 *
 * <p>Arming wakes the timer only if the new deadline is earlier than the one it sleeps for. With
 * equal budgets that is only when the timer is idle: calls that return within their budget never
 * wake it, and it wakes at most once per budget to find their slots disarmed or re-armed later.
 *
 * <p>A budget measures the driver, not the collector: while a deadline is armed the timer wakes at
 * least every {@link #TICK_NANOS}, and when it wakes later than it asked to — a stop-the-world
 * pause, a machine so busy that runnable threads wait — the lateness is counted as a stall and
 * every armed call gets that much more time. Only time in which threads could run counts. A runaway
 * loop is still stopped: a stall stops the loop too, so it gains nothing.
 */
public final class Watchdog implements AutoCloseable {

    /** One watchdog is enough for the whole host: it only sets flags. */
    private static final Watchdog SHARED = new Watchdog();

    /** {@link #wakeAt} while the timer looks at the slots: every arm must wake it. */
    private static final long SCANNING = Long.MIN_VALUE;

    /** {@link #wakeAt} while no slot is armed: the timer sleeps until an arm wakes it. */
    private static final long IDLE = Long.MAX_VALUE;

    /** How often the timer looks at the clock while a deadline is armed, to see stalls. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** Lateness of the timer's own wake-up that is counted as a stall. */
    static final long STALL_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final CopyOnWriteArrayList<Deadline> slots = new CopyOnWriteArrayList<>();

    /** Time, in total, in which the timer could not run although it asked to: stalls. */
    private volatile long stalledNanos;

    private final ThreadLocal<Deadline> slot = ThreadLocal.withInitial(this::register);
    private final Thread timer;
    private volatile boolean closed;

    /**
     * The {@link System#nanoTime} the timer sleeps until, or {@link #SCANNING} or {@link #IDLE}.
     */
    private volatile long wakeAt = SCANNING;

    public Watchdog() {
        timer = new Thread(this::run, "weir-watchdog");
        timer.setDaemon(true);
        timer.start();
    }

    public static Watchdog shared() {
        return SHARED;
    }

    private Deadline register() {
        Deadline d = new Deadline(Thread.currentThread());
        slots.add(d);
        return d;
    }

    private void run() {
        while (!closed) {
            // Announce the scan first: an arm that the scan below misses sees SCANNING and
            // unparks, so the park at the end returns at once and the loop scans again.
            wakeAt = SCANNING;
            long now = System.nanoTime();
            long next = IDLE;
            boolean any = false;
            for (Deadline d : slots) {
                if (!d.thread.isAlive()) {
                    slots.remove(d);
                    continue;
                }
                Long pending = d.check(now);
                if (pending != null && (!any || pending - next < 0)) {
                    next = pending;
                    any = true;
                }
            }
            wakeAt = any ? next : IDLE;
            if (!any) {
                LockSupport.park(this);
            } else {
                long asked = System.nanoTime();
                long wait = Math.min(next - asked, TICK_NANOS);
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                    long late = System.nanoTime() - (asked + wait);
                    if (late > STALL_SLACK_NANOS) {
                        noteStall(late);
                    }
                }
            }
        }
    }

    /** Wakes the timer if {@code deadline} comes before the time it sleeps until. */
    private void armed(long deadline) {
        long w = wakeAt;
        if (w == SCANNING || w == IDLE || deadline - w < 0) {
            LockSupport.unpark(timer);
        }
    }

    /** Stall time seen so far (see the class comment). */
    long stalledNanos() {
        return stalledNanos;
    }

    /** Counts a stall: every call armed now gets that much more time. */
    synchronized void noteStall(long nanos) {
        stalledNanos += nanos;
    }

    /** The deadline slot of one thread, re-armed for each call. */
    public final class Deadline implements AutoCloseable {
        private final Thread thread;
        private boolean armed;
        private boolean fired;
        private long armedAt;
        private long budgetNanos;
        private long stalledAtArm;

        private Deadline(Thread thread) {
            this.thread = thread;
        }

        private synchronized long arm(long budgetMs) {
            armedAt = System.nanoTime();
            budgetNanos = TimeUnit.MILLISECONDS.toNanos(budgetMs);
            stalledAtArm = stalledNanos;
            fired = false;
            armed = true;
            return armedAt + budgetNanos;
        }

        /**
         * Interrupts the thread if it has run for its budget, stalls not counted; returns when the
         * budget would end if nothing stalls from now, or {@code null} if the slot is not armed
         * (any more).
         */
        private synchronized Long check(long now) {
            if (!armed || fired) {
                return null;
            }
            long ran = now - armedAt - (stalledNanos - stalledAtArm);
            if (ran >= budgetNanos) {
                fired = true;
                thread.interrupt();
                return null;
            }
            return now + (budgetNanos - ran);
        }

        /** Whether the deadline passed while the call ran. */
        public synchronized boolean fired() {
            return fired;
        }

        /**
         * Disarms the deadline and clears the interrupt flag if the watchdog set it. Chicory leaves
         * the flag set after {@code ChicoryInterruptedException}; the next call on this thread
         * would fail at once. The lock makes sure the timer has either interrupted before the clear
         * or never will.
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
        armed(d.arm(budgetMs));
        return d;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(timer);
    }
}
