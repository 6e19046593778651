package io.weir.host.driver;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Interrupts a thread whose driver call ran past its budget. Chicory has no fuel in compiled mode;
 * its compiled code checks the thread's interrupt flag before calls and on backward branches and
 * then throws {@code ChicoryInterruptedException}.
 *
 * <p><b>A budget measures the driver, not the collector or the scheduler.</b> A call is charged the
 * CPU time its thread used while the call was armed (the thread's CPU clock, {@link
 * ThreadMXBean#getThreadCpuTime}), not the wall time: a stop-the-world pause, a worker waiting for
 * one of two cores that ten thousand devices and other processes share, or a JIT compile of the
 * module on a compiler thread, costs the call nothing. A runaway loop uses CPU all the time it
 * runs, so it is stopped at its budget as before. Wall time stays as a far backstop ({@link
 * #backstopNanos}: ten budgets, at least five seconds), for a thread that no longer gets any CPU.
 *
 * <p>Arming must be cheap: a cycle makes several calls and a host polls thousands of devices a
 * second. Each calling thread owns one slot; arming reads the wall clock once (the caller reuses
 * that reading as the call's start), publishes it with one volatile write and never wakes the timer
 * unless the timer has gone idle. The thread's CPU clock is not read at arm: it costs a system
 * call. Instead the timer looks at the slots every {@link #TICK_NANOS}; a call that is still armed
 * when the timer first sees it gets its thread's CPU clock read then, and is charged from then on
 * by that clock, plus the wall time between its arm and that first look (at most a tick): a call
 * that returns within a tick, nearly every call, costs the timer nothing. The timer parks for good
 * after {@link #IDLE_AFTER_NANOS} without a call; the next arm wakes it.
 *
 * <p>A call is thus stopped once its CPU time reaches the budget, detected within a tick: at most
 * its budget plus a tick of CPU plus the wake-up latency of the timer and Chicory's latency to see
 * the flag (DESIGN.md: a runaway loop is stopped within 100 ms).
 */
public final class Watchdog implements AutoCloseable {

    /** One watchdog is enough for the whole host: it only sets flags. */
    private static final Watchdog SHARED = new Watchdog();

    /** How often the timer looks at the slots while calls are made. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** The timer parks until the next arm after this long without seeing any call. */
    static final long IDLE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * The wall-time backstop is this many budgets … (far: a full collection of a few hundred MB
     * with the Serial collector, or a minute-long compile of a large module on two busy cores, must
     * not reach it)
     */
    static final long BACKSTOP_BUDGETS = 10;

    /** … and at least this long. */
    static final long MIN_BACKSTOP_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** {@link Deadline#state} bits; the rest of the word counts arms. */
    private static final long ARMED = 1;

    /** The timer is interrupting the thread; close waits for {@link #FIRED}. */
    private static final long FIRING = 2;

    private static final long FIRED = 4;

    private static final long ONE_ARM = 8;

    private static final long FLAGS = ONE_ARM - 1;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Deadline.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final CopyOnWriteArrayList<Deadline> slots = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Deadline> slot = ThreadLocal.withInitial(this::register);
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final boolean cpuClock;
    private final long minBackstopNanos;
    private final Thread timer;
    private volatile boolean closed;

    /** Whether the timer parks until an arm wakes it. */
    private volatile boolean idle;

    public Watchdog() {
        this(MIN_BACKSTOP_NANOS);
    }

    /** A watchdog whose wall-time backstop is at least {@code minBackstopNanos} (tests). */
    Watchdog(long minBackstopNanos) {
        this.minBackstopNanos = minBackstopNanos;
        boolean cpu = false;
        try {
            cpu = threads.isThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
        } catch (UnsupportedOperationException e) {
            // A JVM without thread CPU clocks: wall time it is (below).
        }
        this.cpuClock = cpu;
        if (!cpu) {
            System.getLogger("io.weir.driver")
                    .log(
                            System.Logger.Level.WARNING,
                            "this JVM has no thread CPU clock: driver call budgets are measured in"
                                    + " wall time, so pauses and a busy machine count against"
                                    + " drivers");
        }
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

    /** The wall-time backstop of a call with this budget. */
    long backstopNanos(long budgetNanos) {
        return Math.max(minBackstopNanos, budgetNanos * BACKSTOP_BUDGETS);
    }

    private void run() {
        long lastActivity = System.nanoTime();
        while (!closed) {
            long now = System.nanoTime();
            long wait = TICK_NANOS;
            boolean active = false;
            for (Deadline d : slots) {
                if (!d.thread.isAlive()) {
                    slots.remove(d);
                    continue;
                }
                long s = d.state;
                if (s >>> 3 != d.seenArms) {
                    active = true;
                }
                long left = d.check(s, now);
                if (left >= 0) {
                    active = true;
                    wait = Math.min(wait, left);
                }
            }
            if (active) {
                lastActivity = now;
            } else if (now - lastActivity > IDLE_AFTER_NANOS) {
                // Announce idleness first, then look once more: an arm either sees idle and
                // unparks (so the park below returns at once), or the second look sees it.
                idle = true;
                boolean armedSince = false;
                for (Deadline d : slots) {
                    if (d.state >>> 3 != d.seenArms) {
                        armedSince = true;
                    }
                }
                if (!armedSince && !closed) {
                    LockSupport.park(this);
                }
                idle = false;
                lastActivity = System.nanoTime();
                continue;
            }
            LockSupport.parkNanos(this, Math.max(wait, TimeUnit.MICROSECONDS.toNanos(100)));
        }
    }

    /** The thread CPU time of {@code thread}, or {@code fallback} without a CPU clock. */
    private long cpuNanos(Thread thread, long fallback) {
        if (!cpuClock) {
            return fallback;
        }
        long t = threads.getThreadCpuTime(thread.getId());
        return t < 0 ? fallback : t;
    }

    /** The deadline slot of one thread, re-armed for each call. */
    public final class Deadline implements AutoCloseable {
        private final Thread thread;

        /** Arm count ({@code << 3}) and the {@link #ARMED}/{@link #FIRING}/{@link #FIRED} bits. */
        private volatile long state;

        // Written by the owner before the volatile write of state that arms, read after it.
        private long armedAt;
        private long budgetNanos;

        // The timer's own: the arm it last looked at, and what it saw then.
        private long seenArms = -1;
        private long seenCpu;
        private long preSeenNanos;

        private Deadline(Thread thread) {
            this.thread = thread;
        }

        /**
         * What the timer does with this slot in state {@code s} at {@code now}: stops the call if
         * it has used its budget (or the backstop passed); returns how long until it could have, or
         * -1 if the slot is not armed (any more).
         */
        private long check(long s, long now) {
            long arms = s >>> 3;
            if ((s & FLAGS) != ARMED) {
                seenArms = arms;
                return -1;
            }
            long wall = now - armedAt;
            if (arms != seenArms) {
                // First look at this call: charge it the wall time it ran before, then its
                // thread's CPU clock from now on. The timer looks every tick; if it was itself
                // kept from running (a pause, a busy machine), the call was likely kept too, so
                // at most a tick is charged: a runaway loop gains at most the timer's lateness.
                seenArms = arms;
                seenCpu = cpuNanos(thread, now);
                preSeenNanos = Math.max(0, Math.min(wall, TICK_NANOS));
            }
            long charged = preSeenNanos + (cpuNanos(thread, now) - seenCpu);
            if (charged >= budgetNanos || wall >= backstopNanos(budgetNanos)) {
                if (STATE.compareAndSet(this, s, s | FIRING)) {
                    thread.interrupt();
                    state = (s & ~FLAGS) | FIRED;
                }
                return -1;
            }
            // CPU time runs no faster than the wall clock.
            return Math.min(budgetNanos - charged, backstopNanos(budgetNanos) - wall);
        }

        /** The {@link System#nanoTime} at which the call was armed: the call's start. */
        public long armedAt() {
            return armedAt;
        }

        /**
         * Whether the budget ran out while the call ran (also after {@link #close}). True as soon
         * as the timer has claimed the slot, before it interrupts: a thread that sees the interrupt
         * sees this too.
         */
        public boolean fired() {
            return (state & (FIRING | FIRED)) != 0;
        }

        /**
         * Disarms the deadline and clears the interrupt flag if the watchdog set it. Chicory leaves
         * the flag set after {@code ChicoryInterruptedException}; the next call on this thread
         * would fail at once. The timer interrupts only from an armed state it has claimed, and
         * this waits for it to have done so, so the flag is cleared after the timer set it or the
         * timer never will.
         */
        @Override
        public void close() {
            long s = state;
            if ((s & FLAGS) == ARMED && STATE.compareAndSet(this, s, s & ~FLAGS)) {
                return;
            }
            while ((state & FIRING) != 0) {
                Thread.onSpinWait();
            }
            if ((state & FIRED) != 0) {
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
        long now = System.nanoTime();
        d.armedAt = now;
        d.budgetNanos = TimeUnit.MILLISECONDS.toNanos(budgetMs);
        d.state = ((d.state >>> 3) + 1) << 3 | ARMED;
        if (idle) {
            LockSupport.unpark(timer);
        }
        return d;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(timer);
    }
}
