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
 * second. Each calling thread owns one slot; arming reads no clock (a {@link System#nanoTime} costs
 * 30–40 ns on a KVM guest's {@code kvm-clock}, a small call a few hundred): the call's start is the
 * time of the timer's latest look at the slots, which the timer publishes each time it looks
 * ({@link Deadline#armedAt}: at most a tick early while calls are made; an arm that finds the timer
 * idle reads the clock itself, and so does an arm that asks for an exact start: a timed call, a
 * rare cold one). Arming publishes the slot with one volatile write and never wakes the timer
 * unless the timer has gone idle. The thread's CPU clock is not read at arm either: it costs a
 * system call. Instead the timer looks at the slots every {@link #TICK_NANOS}; a call that is still
 * armed when the timer first sees it gets its thread's CPU clock read then, and is charged from
 * then on by that clock, plus the wall time since the look before (at most a tick): a call that
 * returns within a tick, nearly every call, costs the timer nothing. The timer parks for good after
 * {@link #IDLE_AFTER_NANOS} without a call; the next arm wakes it.
 *
 * <p>A call is thus stopped once its CPU time reaches the budget, detected within a tick: at most
 * its budget plus a tick of CPU plus the wake-up latency of the timer and Chicory's latency to see
 * the flag (DESIGN.md: a runaway loop is stopped within 100 ms). The wall time charged before the
 * first look counts from the look before, not from the arm, so a call may be stopped up to a tick
 * early, never late (a call armed while the timer was idle is charged from the timer's wake-up).
 *
 * <p>Work of the host's own inside a call is not charged either: copying linear memory into a
 * larger array on {@code memory.grow} ({@link Deadline#pause}, {@link Deadline#resume}) costs tens
 * of ms of CPU on heap memory the JVM has not touched yet, which is how the host keeps memory, not
 * what the driver does; what a driver can make the host copy in an instance's life adds up to about
 * nine times its final memory, up to the cap (the array grows by an eighth from its second growth
 * on, {@code FlatMemory}).
 *
 * <p>The clocks are injected ({@link Clock}), and so is how the timer waits ({@link Parker}): tests
 * drive the timer's looks ({@link #look}) and its loop ({@link #run}) with a clock and a parker of
 * their own and no timer thread. The calls' path (arm, close) uses neither: it reads {@link
 * #lastLook} and unparks the timer thread directly.
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

    private static final VarHandle CREDIT;

    private static final VarHandle PAUSED;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Deadline.class, "state", long.class);
            CREDIT = MethodHandles.lookup().findVarHandle(Deadline.class, "credit", long.class);
            PAUSED = MethodHandles.lookup().findVarHandle(Deadline.class, "paused", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The clocks the watchdog reads: the JVM's, or a test's. */
    interface Clock {
        /** Monotonic wall time in nanoseconds ({@link System#nanoTime}). */
        long wallNanos();

        /** The CPU time {@code thread} has used in nanoseconds, or -1 if it cannot be read. */
        long cpuNanos(Thread thread);

        /** Whether {@link #cpuNanos} is ever readable; without it budgets are wall time. */
        boolean hasCpuClock();
    }

    /** How the timer thread waits between looks: {@link LockSupport}, or a test's. */
    interface Parker {
        /** Waits about {@code nanos}, or less if unparked (or spuriously). */
        void parkNanos(Object blocker, long nanos);

        /** Waits until unparked (or spuriously). */
        void park(Object blocker);
    }

    /** The JVM's parking, {@link LockSupport}. */
    private static final class LockSupportParker implements Parker {
        @Override
        public void parkNanos(Object blocker, long nanos) {
            LockSupport.parkNanos(blocker, nanos);
        }

        @Override
        public void park(Object blocker) {
            LockSupport.park(blocker);
        }
    }

    /** {@link System#nanoTime} and the threads' CPU clocks ({@link ThreadMXBean}). */
    static final class JvmClock implements Clock {
        private final ThreadMXBean threads;
        private final boolean cpu;

        JvmClock() {
            this(ManagementFactory.getThreadMXBean());
        }

        /** The clocks of {@code threads} (tests: a bean that says what this JVM does not). */
        JvmClock(ThreadMXBean threads) {
            this.threads = threads;
            boolean c = false;
            try {
                c = threads.isThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
            } catch (UnsupportedOperationException e) {
                // A JVM without thread CPU clocks: wall time it is.
            }
            cpu = c;
        }

        @Override
        public long wallNanos() {
            return System.nanoTime();
        }

        @Override
        public long cpuNanos(Thread thread) {
            return threads.getThreadCpuTime(thread.getId());
        }

        @Override
        public boolean hasCpuClock() {
            return cpu;
        }
    }

    private final CopyOnWriteArrayList<Deadline> slots = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Deadline> slot = ThreadLocal.withInitial(this::register);
    private final Clock clock;
    private final Parker parker;
    private final boolean cpuClock;
    private final long minBackstopNanos;
    private final Thread timer;
    private volatile boolean closed;

    /** Whether the timer parks until an arm wakes it. */
    private volatile boolean idle;

    /**
     * The wall time of the timer's latest look at the slots, published before it looks: the start
     * of a call armed while the timer is not idle.
     */
    private volatile long lastLook;

    /** The last look that found a call armed or newly armed (the timer's own). */
    private long lastActivity;

    public Watchdog() {
        this(MIN_BACKSTOP_NANOS);
    }

    /** A watchdog whose wall-time backstop is at least {@code minBackstopNanos} (tests). */
    Watchdog(long minBackstopNanos) {
        this(minBackstopNanos, new JvmClock(), true);
    }

    /**
     * A watchdog on {@code clock}; without {@code timer} no thread looks at the slots and the
     * caller calls {@link #look} (tests).
     */
    Watchdog(long minBackstopNanos, Clock clock, boolean timer) {
        this(minBackstopNanos, clock, new LockSupportParker(), timer);
    }

    /**
     * A watchdog on {@code clock} whose timer waits with {@code parker} (tests: without {@code
     * timer} the caller runs the timer's loop, {@link #run}, and the parker is its script).
     */
    Watchdog(long minBackstopNanos, Clock clock, Parker parker, boolean timer) {
        this.minBackstopNanos = minBackstopNanos;
        this.clock = clock;
        this.parker = parker;
        this.cpuClock = clock.hasCpuClock();
        if (!cpuClock) {
            System.getLogger("io.weir.driver")
                    .log(
                            System.Logger.Level.WARNING,
                            "this JVM has no thread CPU clock: driver call budgets are measured in"
                                    + " wall time, so pauses and a busy machine count against"
                                    + " drivers");
        }
        this.lastLook = clock.wallNanos();
        this.lastActivity = lastLook;
        if (timer) {
            this.timer = new Thread(this::run, "weir-watchdog");
            this.timer.setDaemon(true);
            this.timer.start();
        } else {
            this.timer = null;
        }
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

    /** The timer's loop: looks, waits, goes idle, until {@link #close}. */
    void run() {
        while (!closed) {
            long wait = look();
            if (wait >= 0) {
                parker.parkNanos(this, Math.max(wait, MIN_PARK_NANOS));
                continue;
            }
            // Announce idleness first, then look once more: an arm either sees idle and unparks
            // (so the park below returns at once), or the second look sees it.
            idle = true;
            if (!armedSinceLastLook() && !closed) {
                parker.park(this);
            }
            // A fresh start for the arms that see the timer busy again, published before they
            // can see it so.
            long now = clock.wallNanos();
            lastLook = now;
            lastActivity = now;
            idle = false;
        }
    }

    /** The shortest wait between two looks. */
    static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    /**
     * One look of the timer at every slot: stops the calls that have used their budget. Returns how
     * long the timer may wait before the next look (at most a tick), or -1 once it has seen no call
     * for {@link #IDLE_AFTER_NANOS} and may park until the next arm.
     */
    long look() {
        long now = clock.wallNanos();
        long previous = lastLook;
        lastLook = now;
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
            long left = d.check(s, now, previous);
            if (left >= 0) {
                active = true;
                wait = Math.min(wait, left);
            }
        }
        if (active) {
            lastActivity = now;
        } else if (now - lastActivity > IDLE_AFTER_NANOS) {
            return -1;
        }
        return wait;
    }

    /** Whether a slot was armed since the timer last looked at it. */
    boolean armedSinceLastLook() {
        for (Deadline d : slots) {
            if (d.state >>> 3 != d.seenArms) {
                return true;
            }
        }
        return false;
    }

    /** Whether the timer has gone idle and waits for an arm to wake it. */
    boolean idle() {
        return idle;
    }

    /** The thread CPU time of {@code thread}, or {@code fallback} without a CPU clock. */
    private long cpuNanos(Thread thread, long fallback) {
        if (!cpuClock) {
            return fallback;
        }
        long t = clock.cpuNanos(thread);
        return t < 0 ? fallback : t;
    }

    /** The deadline slot of one thread, re-armed for each call. */
    public final class Deadline implements AutoCloseable {
        private final Thread thread;

        /** Arm count ({@code << 3}) and the {@link #ARMED}/{@link #FIRING}/{@link #FIRED} bits. */
        private volatile long state;

        /** The call's start, the owner's own: see {@link #armedAt()}. */
        private long armedAt;

        // Written by the owner before the volatile write of state that arms, read after it.
        private long budgetNanos;

        /**
         * CPU time of the host's own work inside the call ({@link #pause} to {@link #resume}), not
         * charged. The owner's: reset before the arm's volatile write, added with an opaque write
         * (atomic, no fence) before the release write of {@link #paused} that ends the work; the
         * timer reads {@code paused} with acquire, then this.
         */
        @SuppressWarnings("unused") // through CREDIT
        private long credit;

        /** The thread's CPU clock when the host's work began, or -1 outside such work. */
        @SuppressWarnings("unused") // through PAUSED
        private long paused = -1;

        // The timer's own: the arm it last looked at, and what it saw then.
        private long seenArms = -1;
        private long seenAt;
        private long seenCpu;
        private long preSeenNanos;

        /**
         * The {@link #credit} at the first look: work of the host's own before it is in {@link
         * #seenCpu} already, which the call is not charged from, so it is not taken off again.
         */
        private long seenCredit;

        private Deadline(Thread thread) {
            this.thread = thread;
        }

        /**
         * What the timer does with this slot in state {@code s} at {@code now}: stops the call if
         * it has used its budget (or the backstop passed); returns how long until it could have, or
         * -1 if the slot is not armed (any more).
         */
        private long check(long s, long now, long previousLook) {
            long arms = s >>> 3;
            if ((s & FLAGS) != ARMED) {
                seenArms = arms;
                return -1;
            }
            // During the host's own work the clock stands where the work began.
            long paused = (long) PAUSED.getAcquire(this);
            long cpu = paused >= 0 ? paused : cpuNanos(thread, now);
            long credit = (long) CREDIT.getOpaque(this);
            if (arms != seenArms) {
                // First look at this call: charge it the wall time it ran before, then its
                // thread's CPU clock from now on. It was armed after the previous look read this
                // slot (which did not have this arm), so it ran at most since then. The timer looks
                // every tick; if it was itself kept from running (a pause, a busy machine), the
                // call was likely kept too, so at most a tick is charged: a runaway loop gains at
                // most the timer's lateness.
                seenArms = arms;
                seenAt = now;
                seenCpu = cpu;
                seenCredit = credit;
                preSeenNanos = Math.max(0, Math.min(now - previousLook, TICK_NANOS));
            }
            long wall = preSeenNanos + (now - seenAt);
            long charged = Math.max(0, preSeenNanos + (cpu - seenCpu) - (credit - seenCredit));
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

        /**
         * The call's start on the {@link System#nanoTime} scale: the clock read at the arm if the
         * caller asked for an exact start or the timer was idle; else coarse, the time of the
         * timer's latest look before the arm (at most a tick and the timer's lateness early).
         */
        public long armedAt() {
            return armedAt;
        }

        /** Whether this is the current thread's slot of {@code watchdog}. */
        public boolean mine(Watchdog watchdog) {
            return thread == Thread.currentThread() && Watchdog.this == watchdog;
        }

        /**
         * The calling thread begins work of the host's own inside the call (copying linear memory
         * on a grow): its CPU time until {@link #resume} is not charged to the call. Only the
         * thread that armed the deadline calls this, while the call runs; one clock reading (rare:
         * a copy happens a few times in an instance's life).
         */
        public void pause() {
            PAUSED.setRelease(this, cpuNanos(thread, clock.wallNanos()));
        }

        /** Ends the host's work begun by {@link #pause}: the call is charged again from here. */
        public void resume() {
            long from = (long) PAUSED.getOpaque(this);
            if (from < 0) {
                return;
            }
            long used = Math.max(0, cpuNanos(thread, clock.wallNanos()) - from);
            CREDIT.setOpaque(this, (long) CREDIT.getOpaque(this) + used);
            PAUSED.setRelease(this, -1L);
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
            // A CAS, not a release (or opaque) write of the disarmed state: the timer claims an
            // armed slot with its own CAS (ARMED -> FIRING) and then interrupts the thread. A plain
            // write could land after the timer's claim and erase FIRING; this thread would return
            // without waiting, and the interrupt would hit its next call. The CAS makes the two
            // exclusive: either it disarms first (the timer's CAS fails) or it fails and waits
            // below. On x86 the CAS costs about what the arm's volatile write does (a locked
            // instruction each); that write cannot be a release either (see arm).
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

    /**
     * Arms the current thread's deadline with a coarse start and no clock reading; close the result
     * when the call returns.
     */
    public Deadline arm(long budgetMs) {
        return arm(budgetMs, false);
    }

    /**
     * Arms the current thread's deadline; close the result when the call returns. {@code
     * exactStart}: the call's start ({@link Deadline#armedAt}) is a clock reading at the arm, for a
     * call that is timed or whose stop time must be exact; else the coarse start.
     */
    public Deadline arm(long budgetMs, boolean exactStart) {
        return arm(slot.get(), budgetMs, exactStart);
    }

    /**
     * The current thread's deadline slot, for a caller that arms it many times ({@link
     * #arm(Deadline, long, boolean)}): the thread-local lookup {@link #arm(long, boolean)} makes on
     * every arm cost as much as the rest of the arm (BENCHMARKS.md §12). A thread keeps its slot
     * for its life.
     */
    public Deadline slot() {
        return slot.get();
    }

    /**
     * {@link #arm(long, boolean)} with the slot {@link #slot()} gave the current thread.
     *
     * @throws IllegalArgumentException if {@code d} is not the current thread's slot of this
     *     watchdog
     */
    public Deadline arm(Deadline d, long budgetMs, boolean exactStart) {
        if (!d.mine(this)) {
            throw new IllegalArgumentException(
                    "a deadline slot is armed only by its own thread, on its own watchdog");
        }
        if (closed) {
            throw new IllegalStateException("watchdog closed");
        }
        d.armedAt = exactStart ? clock.wallNanos() : lastLook;
        d.budgetNanos = TimeUnit.MILLISECONDS.toNanos(budgetMs);
        CREDIT.setOpaque(d, 0L);
        PAUSED.setOpaque(d, -1L);
        // A volatile write, not a release: with the read of idle below and the timer's write of
        // idle and its second look, at least one side sees the other (the timer never parks for
        // good while a call it has not seen runs). A store then a load of another variable is
        // the one reordering x86 does; only a full fence (the volatile write's locked
        // instruction) forbids it. With setRelease and getAcquire both could read the old value:
        // the arm sees the timer busy and does not unpark it, the timer sees no arm and parks
        // with no timeout, and a runaway call would run unwatched.
        d.state = ((d.state >>> 3) + 1) << 3 | ARMED;
        if (idle) {
            // The timer's last look may be long ago: the start is read here.
            if (!exactStart) {
                d.armedAt = clock.wallNanos();
            }
            if (timer != null) {
                LockSupport.unpark(timer);
            }
        }
        return d;
    }

    @Override
    public void close() {
        closed = true;
        if (timer != null) {
            LockSupport.unpark(timer);
        }
    }
}
