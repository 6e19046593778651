package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.LogCapture;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The watchdog charges a call the CPU time of its thread: time in which the thread waits (a
 * stop-the-world pause, a starved machine, a park) costs it nothing, a runaway loop is stopped at
 * its budget, and wall time is only a far backstop.
 */
class WatchdogTest {

    /** Spins until interrupted or {@code maxMs} pass; returns whether it was interrupted. */
    private static boolean spin(long maxMs) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
        while (System.nanoTime() < end) {
            if (Thread.currentThread().isInterrupted()) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** Waits without using CPU until interrupted or {@code maxMs} pass; whether interrupted. */
    private static boolean idle(long maxMs) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            if (Thread.currentThread().isInterrupted()) {
                return true;
            }
            LockSupport.parkNanos(left);
        }
        return Thread.currentThread().isInterrupted();
    }

    @Test
    void aCallPastItsBudgetIsInterruptedAndTheFlagCleared() {
        try (Watchdog w = new Watchdog()) {
            Watchdog.Deadline d = w.arm(20);
            assertThat(spin(5_000)).as("interrupted").isTrue();
            assertThat(d.fired()).isTrue();
            d.close();
            assertThat(d.fired()).as("still says so after close").isTrue();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }

    @Test
    void aSlotKeptByItsThreadArmsAsTheThreadLocalOneAndNoOtherThreadOrWatchdogArmsIt()
            throws Exception {
        try (Watchdog w = new Watchdog();
                Watchdog other = new Watchdog()) {
            Watchdog.Deadline slot = w.slot();
            assertThat(slot.mine(w)).isTrue();
            assertThat(slot.mine(other)).isFalse();
            Watchdog.Deadline d = w.arm(slot, 20, false);
            assertThat(d).isSameAs(slot);
            assertThat(spin(5_000)).as("interrupted").isTrue();
            assertThat(d.fired()).isTrue();
            d.close();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
            Watchdog.Deadline again = w.arm(1_000);
            assertThat(again).as("the thread-local slot").isSameAs(slot);
            again.close();
            assertThatThrownBy(() -> other.arm(slot, 1_000, false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("own thread, on its own watchdog");
            Throwable[] seen = new Throwable[1];
            boolean[] mine = {true};
            Thread t =
                    new Thread(
                            () -> {
                                mine[0] = slot.mine(w);
                                try {
                                    w.arm(slot, 1_000, false).close();
                                } catch (Throwable e) {
                                    seen[0] = e;
                                }
                            });
            t.start();
            t.join();
            assertThat(mine[0]).as("another thread's slot").isFalse();
            assertThat(seen[0]).isInstanceOf(IllegalArgumentException.class);
            assertThat(slot.fired()).as("left unarmed").isFalse();
        }
    }

    @Test
    void aCallWithinItsBudgetIsLeftAlone() {
        try (Watchdog w = new Watchdog()) {
            Watchdog.Deadline d = w.arm(1_000);
            assertThat(spin(30)).isFalse();
            d.close();
            assertThat(d.fired()).isFalse();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }

    @Test
    void timeTheThreadSpendsWaitingIsNotChargedToTheCall() {
        try (Watchdog w = new Watchdog()) {
            Watchdog.Deadline d = w.arm(50);
            // As if the JVM had stopped, or the thread waited for a core, for 400 ms.
            assertThat(idle(400)).as("interrupted while it used no CPU").isFalse();
            assertThat(d.fired()).isFalse();
            assertThat(spin(5_000)).as("still stopped once it uses its budget").isTrue();
            assertThat(d.fired()).isTrue();
            d.close();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }

    @Test
    void theWallClockBackstopStopsACallThatGetsNoCpu() {
        try (Watchdog w = new Watchdog(TimeUnit.MILLISECONDS.toNanos(200))) {
            Watchdog.Deadline d = w.arm(5);
            assertThat(idle(10_000)).as("interrupted by the backstop").isTrue();
            assertThat(d.fired()).isTrue();
            d.close();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }

    @Test
    void cpuUsedBeforeTheArmGivesTheCallNothing() {
        try (Watchdog w = new Watchdog()) {
            spin(300);
            Watchdog.Deadline d = w.arm(20);
            long t0 = System.nanoTime();
            assertThat(spin(5_000)).isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
            d.close();
        }
    }

    @Test
    void manyShortCallsAreNeverStoppedAndTheTimerWakesAgainAfterIdling() {
        try (Watchdog w = new Watchdog()) {
            for (int i = 0; i < 100_000; i++) {
                Watchdog.Deadline d = w.arm(1_000);
                d.close();
                assertThat(d.fired()).isFalse();
            }
            // Past the idle time the timer parks for good; an arm must wake it.
            idle(TimeUnit.NANOSECONDS.toMillis(Watchdog.IDLE_AFTER_NANOS) + 300);
            Watchdog.Deadline d = w.arm(20);
            assertThat(spin(5_000)).as("interrupted after the timer idled").isTrue();
            d.close();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }

    @Test
    void theBackstopIsTenBudgetsAndAtLeastItsMinimum() {
        try (Watchdog w = new Watchdog()) {
            long ms = TimeUnit.MILLISECONDS.toNanos(1);
            // The call budget's backstop is the 5 s minimum; the open budget's, ten budgets.
            assertThat(w.backstopNanos(50 * ms)).isEqualTo(5_000 * ms);
            assertThat(w.backstopNanos(500 * ms)).isEqualTo(5_000 * ms);
            assertThat(w.backstopNanos(501 * ms)).isEqualTo(5_010 * ms);
            assertThat(w.backstopNanos(1_000 * ms)).isEqualTo(10_000 * ms);
        }
        try (Watchdog w = new Watchdog(TimeUnit.MILLISECONDS.toNanos(200))) {
            assertThat(w.backstopNanos(TimeUnit.MILLISECONDS.toNanos(5)))
                    .isEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    @Test
    void anArmStartsTheCallNoLaterThanItsArm() {
        long made = System.nanoTime();
        try (Watchdog w = new Watchdog()) {
            Watchdog.Deadline d = w.arm(1_000);
            long after = System.nanoTime();
            // The timer's last look (or the watchdog's creation) before the arm: coarse, never
            // late.
            assertThat(d.armedAt()).isBetween(made, after);
            d.close();
            // The thread's slot is re-armed for its next call.
            Watchdog.Deadline next = w.arm(1_000);
            assertThat(next).isSameAs(d);
            assertThat(next.armedAt()).isBetween(made, System.nanoTime());
            next.close();
        }
    }

    // ---- the timer's looks on a clock of the test's own ------------------------------------

    /** Wall and CPU time that only the test moves. */
    static final class TestClock implements Watchdog.Clock {
        // Volatile: a timer thread reads them too.
        volatile long wall;
        volatile long cpu;
        volatile boolean hasCpu = true;

        /** How often the wall clock was read, and the thread that read it last. */
        final AtomicLong wallReads = new AtomicLong();

        volatile Thread reader;

        /** Run once at the next CPU clock reading: in the middle of a look at the slots. */
        volatile Runnable atCpuRead;

        @Override
        public long wallNanos() {
            wallReads.incrementAndGet();
            reader = Thread.currentThread();
            return wall;
        }

        @Override
        public long cpuNanos(Thread thread) {
            Runnable r = atCpuRead;
            if (r != null) {
                atCpuRead = null;
                r.run();
            }
            return cpu;
        }

        @Override
        public boolean hasCpuClock() {
            return hasCpu;
        }
    }

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long TICK = Watchdog.TICK_NANOS;

    private static Watchdog manual(TestClock clock) {
        return new Watchdog(200 * MS, clock, false);
    }

    @Test
    void aCallIsChargedTheTimeBeforeTheFirstLookThenItsCpuTime() {
        TestClock c = new TestClock();
        c.wall = 1_000 * MS;
        c.cpu = 77 * MS;
        Watchdog w = manual(c);
        c.wall += 2 * MS;
        assertThat(w.look()).as("nothing armed").isEqualTo(TICK);
        c.wall += 1 * MS;
        Watchdog.Deadline d = w.arm(10);
        assertThat(d.armedAt()).as("the last look").isEqualTo(1_002 * MS);
        assertThat(w.armedSinceLastLook()).isTrue();
        c.wall += 3 * MS;
        // First look, 4 ms after the one before: 4 ms charged, 6 ms of CPU left.
        assertThat(w.look()).isEqualTo(TICK);
        assertThat(w.armedSinceLastLook()).isFalse();
        c.cpu += 5 * MS;
        c.wall += 50 * MS;
        assertThat(w.look()).as("1 ms left").isEqualTo(1 * MS);
        assertThat(d.fired()).isFalse();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        c.cpu += 1 * MS - 1;
        assertThat(w.look()).isEqualTo(1);
        assertThat(d.fired()).isFalse();
        c.cpu += 1;
        assertThat(w.look()).as("fired: not armed any more").isEqualTo(TICK);
        assertThat(d.fired()).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).as("the watchdog's interrupt").isTrue();
        d.close();
        assertThat(Thread.interrupted()).as("cleared by close").isFalse();
        assertThat(d.fired()).as("still, after close").isTrue();
        // The next call starts afresh.
        Watchdog.Deadline next = w.arm(10);
        assertThat(next.fired()).isFalse();
        c.wall += 1 * MS;
        assertThat(w.look()).isEqualTo(TICK);
        c.cpu += 8 * MS;
        assertThat(w.look()).isEqualTo(1 * MS);
        next.close();
        c.cpu += 100 * MS;
        assertThat(w.look()).as("a closed call is left alone").isEqualTo(TICK);
        assertThat(next.fired()).isFalse();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void anExactStartIsAClockReadingAndACoarseOneTheLastLook() {
        TestClock c = new TestClock();
        c.wall = 10 * MS;
        Watchdog w = manual(c);
        c.wall += 3 * MS;
        Watchdog.Deadline d = w.arm(10, true);
        assertThat(d.armedAt()).isEqualTo(13 * MS);
        d.close();
        assertThat(w.arm(10).armedAt()).isEqualTo(10 * MS);
        d.close();
        assertThat(w.arm(10, false).armedAt()).isEqualTo(10 * MS);
        d.close();
        w.look();
        c.wall += 1 * MS;
        assertThat(w.arm(10).armedAt()).isEqualTo(13 * MS);
        d.close();
        w.close();
        assertThatThrownBy(() -> w.arm(10, true)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theHostsOwnWorkInsideACallIsNotCharged() {
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        d.resume(); // no work begun: nothing to end
        c.wall += 1 * MS;
        w.look();
        c.cpu += 2 * MS;
        d.pause(); // the host copies memory on a grow
        c.cpu += 30 * MS;
        c.wall += 30 * MS;
        assertThat(w.look()).as("charged 1 + 2 ms while the host works").isEqualTo(TICK);
        assertThat(d.fired()).isFalse();
        d.resume();
        assertThat(w.look()).as("still 3 ms").isEqualTo(TICK);
        c.cpu += 6 * MS;
        assertThat(w.look()).as("9 ms").isEqualTo(1 * MS);
        d.pause();
        d.resume();
        c.cpu += 1 * MS;
        w.look();
        assertThat(d.fired()).isTrue();
        d.close();
        assertThat(Thread.interrupted()).isFalse();
        // The next call starts with nothing taken off, and not paused.
        Watchdog.Deadline next = w.arm(10);
        c.wall += 1 * MS;
        w.look();
        c.cpu += 9 * MS;
        w.look();
        assertThat(next.fired()).isTrue();
        next.close();
        assertThat(Thread.interrupted()).isFalse();
        // A call first seen while the host works is charged from where the work began.
        Watchdog.Deadline third = w.arm(10);
        third.pause();
        c.cpu += 50 * MS;
        c.wall += 2 * MS;
        assertThat(w.look()).isEqualTo(TICK);
        third.resume();
        c.cpu += 7 * MS;
        assertThat(w.look()).as("2 + 7 ms").isEqualTo(1 * MS);
        third.close();
    }

    @Test
    void atMostATickIsChargedBeforeTheFirstLook() {
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        c.wall += 1_000 * MS; // the timer was late: the call likely was kept too
        assertThat(w.look()).isEqualTo(10 * MS - TICK);
        c.cpu += 10 * MS - TICK - 1;
        assertThat(w.look()).isEqualTo(1);
        c.cpu += 1;
        w.look();
        assertThat(d.fired()).isTrue();
        d.close();
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void wallTimeWithoutCpuIsChargedOnlyAtTheBackstop() {
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(5);
        c.wall += 1 * MS;
        // Backstop max(200 ms, ten budgets) = 200 ms of wall time; 1 ms charged so far.
        assertThat(w.look()).isEqualTo(4 * MS);
        c.wall += 150 * MS;
        assertThat(w.look()).as("the CPU budget is further than the backstop").isEqualTo(4 * MS);
        c.wall += 45 * MS;
        assertThat(w.look()).as("4 ms to the backstop").isEqualTo(4 * MS);
        c.wall += 3 * MS;
        assertThat(w.look()).isEqualTo(1 * MS);
        assertThat(d.fired()).isFalse();
        c.wall += 1 * MS;
        w.look();
        assertThat(d.fired()).as("the backstop").isTrue();
        d.close();
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void withoutACpuClockBudgetsAreWallTime() {
        TestClock c = new TestClock();
        c.hasCpu = false;
        c.cpu = -1;
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        c.wall += 2 * MS;
        assertThat(w.look()).isEqualTo(TICK);
        c.wall += 6 * MS;
        assertThat(w.look()).isEqualTo(2 * MS);
        c.wall += 2 * MS;
        w.look();
        assertThat(d.fired()).isTrue();
        d.close();
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void anUnreadableCpuClockFallsBackToWallTime() {
        TestClock c = new TestClock();
        c.cpu = -1; // the thread's CPU time cannot be read (it is ending)
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        c.wall += 2 * MS;
        w.look();
        c.wall += 7 * MS;
        assertThat(w.look()).isEqualTo(1 * MS);
        c.wall += 1 * MS;
        w.look();
        assertThat(d.fired()).isTrue();
        d.close();
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void theTimerGoesIdleAfterASecondWithoutCallsAndAnArmWakesIt() {
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        d.close();
        c.wall += 1 * MS;
        assertThat(w.look()).as("a call was made since the last look").isEqualTo(TICK);
        c.wall += Watchdog.IDLE_AFTER_NANOS;
        assertThat(w.look()).as("exactly a second without calls").isEqualTo(TICK);
        c.wall += 1;
        assertThat(w.look()).as("idle").isEqualTo(-1);
        assertThat(w.armedSinceLastLook()).isFalse();
        assertThat(w.idle()).as("only the timer thread parks").isFalse();
        w.arm(10).close();
        assertThat(w.armedSinceLastLook()).as("seen by the look before parking").isTrue();
        assertThat(w.look()).isEqualTo(TICK);
        // An armed call keeps the timer awake however long it runs.
        Watchdog.Deadline running = w.arm(100_000);
        c.wall += 1 * MS;
        w.look();
        c.wall += 2 * Watchdog.IDLE_AFTER_NANOS;
        assertThat(w.look()).isEqualTo(TICK);
        running.close();
    }

    @Test
    void theSlotOfAThreadThatEndedIsDropped() throws Exception {
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        Thread t = new Thread(() -> w.arm(10));
        t.start();
        t.join();
        assertThat(w.armedSinceLastLook()).isTrue();
        c.wall += 1 * MS;
        assertThat(w.look()).isEqualTo(TICK);
        assertThat(w.armedSinceLastLook()).as("the dead thread's slot is gone").isFalse();
    }

    @Test
    void anInterruptThatIsNotTheWatchdogsIsLeftForTheCaller() {
        try (Watchdog w = new Watchdog()) {
            Watchdog.Deadline d = w.arm(1_000);
            // The host interrupts the thread (an executor shutting down): not a timeout, and the
            // flag stays set for whoever shuts down.
            Thread.currentThread().interrupt();
            d.close();
            assertThat(d.fired()).isFalse();
            assertThat(Thread.interrupted()).as("flag kept, and cleared here").isTrue();
        }
    }

    @Test
    void closingADeadlineAgainLeavesAnInterruptThatIsNotTheWatchdogs() {
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        d.close();
        Thread.currentThread().interrupt();
        d.close(); // a second close, as a finally block after try-with-resources makes
        assertThat(Thread.interrupted()).as("flag kept, and cleared here").isTrue();
    }

    @Test
    void aClosedWatchdogArmsNoMore() {
        Watchdog w = new Watchdog();
        w.close();
        assertThatThrownBy(() -> w.arm(50))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("watchdog closed");
    }

    @Test
    void withoutACpuClockTheThreadsCpuTimeIsNotReadEvenIfItMoves() {
        TestClock c = new TestClock();
        c.hasCpu = false; // says it has none; what cpuNanos returns must not count
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        c.wall += 2 * MS;
        w.look();
        c.cpu += 1_000 * MS;
        c.wall += 6 * MS;
        assertThat(w.look()).as("8 ms of wall time, not a second of CPU").isEqualTo(2 * MS);
        assertThat(d.fired()).isFalse();
        c.wall += 2 * MS;
        w.look();
        assertThat(d.fired()).isTrue();
        d.close();
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void aThreadCpuTimeOfZeroIsATimeNotAFailure() {
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        c.wall += 1 * MS;
        w.look();
        // The thread's CPU clock reads 0 (a fresh thread) when the host's work begins.
        d.pause();
        c.cpu = 30 * MS;
        c.wall += 30 * MS;
        assertThat(w.look()).as("the clock stands at 0 while the host works").isEqualTo(TICK);
        assertThat(d.fired()).isFalse();
        d.resume();
        assertThat(w.look()).as("1 ms charged, the work not").isEqualTo(TICK);
        c.cpu += 8 * MS;
        assertThat(w.look()).as("1 + 8 ms").isEqualTo(1 * MS);
        d.close();
    }

    @Test
    void theHostsWorkBeforeTheFirstLookIsNotCreditedTwice() {
        TestClock c = new TestClock();
        c.cpu = 100 * MS;
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        // The call grows memory at once: the host copies for 30 ms of CPU before the timer's
        // first look, which charges the call from the CPU clock it reads then, after the copy.
        d.pause();
        c.cpu += 30 * MS;
        d.resume();
        c.wall += 2 * MS;
        assertThat(w.look()).as("2 ms charged before the look").isEqualTo(TICK);
        c.cpu += 7 * MS;
        assertThat(w.look())
                .as("2 + 7 ms; the copy was never charged, so nothing is taken off")
                .isEqualTo(1 * MS);
        c.cpu += 1 * MS;
        w.look();
        assertThat(d.fired()).isTrue();
        d.close();
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void aCallThatEndedInsideTheHostsWorkLeavesTheNextCallCharged() {
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        Watchdog.Deadline d = w.arm(10);
        c.wall += 1 * MS;
        w.look();
        c.cpu += 1 * MS;
        d.pause(); // the call ends (a trap) before the host's work is over
        d.close();
        Watchdog.Deadline next = w.arm(10);
        c.wall += 1 * MS;
        assertThat(w.look()).isEqualTo(TICK);
        c.cpu += 9 * MS;
        w.look();
        assertThat(next.fired()).as("the stale pause is not the next call's").isTrue();
        next.close();
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void aLoggedWarningSaysBudgetsAreWallTimeWithoutACpuClock() {
        try (LogCapture log = LogCapture.of("io.weir.driver")) {
            List<java.util.logging.LogRecord> records = log.records();
            manual(new TestClock());
            assertThat(records).as("a CPU clock: nothing to say").isEmpty();
            TestClock none = new TestClock();
            none.hasCpu = false;
            manual(none);
            assertThat(records).hasSize(1);
            assertThat(records.get(0).getLevel()).isEqualTo(java.util.logging.Level.WARNING);
            assertThat(records.get(0).getMessage())
                    .contains("no thread CPU clock")
                    .contains("wall time");
        }
    }

    /** Waits up to 10 s of real time for what a timer thread does. */
    private static void await(String what, BooleanSupplier done) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime() - end).as(what).isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Test
    void anArmWhileTheTimerIsIdleReadsTheClockAndWakesTheTimer() {
        TestClock c = new TestClock();
        c.wall = 1_000 * MS;
        try (Watchdog w = new Watchdog(200 * MS, c, true)) {
            // More than a second of the watchdog's clock without a call: the timer parks.
            c.wall += Watchdog.IDLE_AFTER_NANOS + 1 * MS;
            await("the timer goes idle", w::idle);
            c.wall += 7 * MS;
            long at = c.wall;
            Watchdog.Deadline d = w.arm(10);
            assertThat(d.armedAt()).as("read at the arm: the last look is old").isEqualTo(at);
            await("the timer wakes and sees the call", () -> !w.armedSinceLastLook());
            assertThat(w.idle()).isFalse();
            assertThat(d.fired()).isFalse();
            c.cpu += 10 * MS;
            await("the call is stopped at its budget", d::fired);
            await("interrupted", () -> Thread.currentThread().isInterrupted());
            d.close();
            assertThat(Thread.interrupted()).isFalse();
        }
    }

    @Test
    void theTimerSleepsATickBetweenLooksAndParksForGoodWhenIdleUntilClosed() throws Exception {
        TestClock c = new TestClock();
        Watchdog w = new Watchdog(200 * MS, c, true);
        try {
            await("the timer looks", () -> c.wallReads.get() > 2);
            Thread timer = c.reader;
            assertThat(timer.getName()).isEqualTo("weir-watchdog");
            assertThat(timer.isDaemon()).as("it keeps no JVM from exiting").isTrue();
            // A look a tick (5 ms): in 100 ms some twenty at most, never a busy loop.
            long before = c.wallReads.get();
            idle(100);
            assertThat(c.wallReads.get() - before).isLessThan(1_000L);
            // Past a second of the watchdog's clock without a call the timer parks and reads no
            // clock until something wakes it.
            c.wall += Watchdog.IDLE_AFTER_NANOS + 1;
            await("the timer goes idle", w::idle);
            long parked = c.wallReads.get();
            idle(100);
            assertThat(c.wallReads.get()).as("parked: no look").isEqualTo(parked);
            assertThat(w.idle()).isTrue();
            // Closing wakes it to end.
            w.close();
            timer.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(timer.isAlive()).as("the timer ended").isFalse();
        } finally {
            w.close();
        }
    }

    // ---- the timer's loop on a clock and a parker of the test's own ------------------------

    /**
     * The timer's waits, in order ({@link #FOREVER}: parked until an arm wakes it), each followed
     * by the test's next step: what happens while the timer waits. A wait the script has no step
     * for fails the test.
     */
    static final class ScriptedParker implements Watchdog.Parker {
        static final long FOREVER = -1;

        final List<Long> parks = new ArrayList<>();
        private final Deque<Runnable> steps = new ArrayDeque<>();

        ScriptedParker then(Runnable step) {
            steps.add(step);
            return this;
        }

        @Override
        public void parkNanos(Object blocker, long nanos) {
            parked(blocker, nanos);
        }

        @Override
        public void park(Object blocker) {
            parked(blocker, FOREVER);
        }

        private void parked(Object blocker, long nanos) {
            assertThat(blocker).as("the watchdog parks on itself").isInstanceOf(Watchdog.class);
            parks.add(nanos);
            Runnable step = steps.poll();
            if (step == null) {
                throw new AssertionError("a wait the script does not expect: " + parks);
            }
            step.run();
        }
    }

    private static final long FOREVER = ScriptedParker.FOREVER;

    @Test
    void theTimerWaitsATickWithoutCallsElseUntilTheNearestBudgetCouldRunOutButNotUnderItsMinimum() {
        TestClock c = new TestClock();
        ScriptedParker p = new ScriptedParker();
        Watchdog w = new Watchdog(200 * MS, c, p, false);
        Watchdog.Deadline[] d = new Watchdog.Deadline[1];
        p.then(
                        () -> {
                            d[0] = w.arm(10);
                            c.wall += 1 * MS;
                        })
                .then(
                        () -> {
                            // Seen at the look after 1 ms: 9 ms left, more than a tick.
                            c.cpu += 8 * MS;
                            c.wall += TICK;
                        })
                .then(
                        () -> {
                            // 1 + 8 ms used: the next look when the last 1 ms could be.
                            c.cpu += 1 * MS - 30_000;
                            c.wall += 1 * MS;
                        })
                .then(
                        () -> {
                            // 30 µs left: not stopped before its budget, and the timer waits
                            // its minimum, not 30 µs.
                            assertThat(d[0].fired()).isFalse();
                            assertThat(Thread.currentThread().isInterrupted()).isFalse();
                            c.cpu += 30_000;
                            c.wall += Watchdog.MIN_PARK_NANOS;
                        })
                .then(
                        () -> {
                            // Stopped at the look at its budget; nothing armed: a tick.
                            assertThat(d[0].fired()).isTrue();
                            assertThat(Thread.interrupted())
                                    .as("the watchdog's interrupt")
                                    .isTrue();
                            d[0].close();
                            w.close();
                        });
        w.run();
        assertThat(p.parks).containsExactly(TICK, TICK, 1 * MS, Watchdog.MIN_PARK_NANOS, TICK);
    }

    @Test
    void theTimerParksForGoodOnlyPastASecondWithoutCallsAndStartsAfreshWhenWoken() {
        TestClock c = new TestClock();
        c.wall = 1_000 * MS;
        ScriptedParker p = new ScriptedParker();
        Watchdog w = new Watchdog(200 * MS, c, p, false);
        long woken = 1_000 * MS + Watchdog.IDLE_AFTER_NANOS + 1 + 7 * MS;
        p.then(() -> c.wall += Watchdog.IDLE_AFTER_NANOS) // exactly a second: still a tick
                .then(() -> c.wall += 1) // past it: idle
                .then(
                        () -> {
                            assertThat(w.idle()).as("parked for good").isTrue();
                            c.wall += 7 * MS; // woken (an arm's unpark, or a spurious one)
                        })
                .then(
                        () -> {
                            // Busy again, and a second from the wake-up before it idles again.
                            assertThat(w.idle()).isFalse();
                            Watchdog.Deadline d = w.arm(10);
                            assertThat(d.armedAt())
                                    .as("the wake-up is the last look")
                                    .isEqualTo(woken);
                            d.close();
                            c.wall += 1 * MS;
                        })
                .then(() -> c.wall += Watchdog.IDLE_AFTER_NANOS) // the call 1 ms ago was seen
                .then(() -> c.wall += 1 * MS) // a second since that look: still a tick
                .then(w::close);
        w.run();
        assertThat(p.parks).containsExactly(TICK, TICK, FOREVER, TICK, TICK, TICK, FOREVER);
    }

    @Test
    void anArmTheLastLookMissedKeepsTheTimerFromParkingForGood() throws Exception {
        TestClock c = new TestClock();
        ScriptedParker p = new ScriptedParker();
        Watchdog w = new Watchdog(200 * MS, c, p, false);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            // The other thread's slot comes first in the slots, this thread's call second.
            Watchdog.Deadline theirs = other.submit(w::slot).get();
            Watchdog.Deadline mine = w.arm(10);
            p.then(
                            () -> {
                                // A second later the call has used its budget: stopped, the look
                                // finds nothing running. While it reads this call's CPU clock,
                                // the other thread arms, after the look passed its slot.
                                c.wall += Watchdog.IDLE_AFTER_NANOS + 1;
                                c.cpu += 10 * MS;
                                c.atCpuRead =
                                        () -> {
                                            try {
                                                other.submit(() -> w.arm(theirs, 10_000, false))
                                                        .get();
                                            } catch (Exception e) {
                                                throw new AssertionError(e);
                                            }
                                        };
                            })
                    .then(
                            () -> {
                                // The look before parking saw it: the timer did not park for
                                // good, and watches it.
                                assertThat(mine.fired()).isTrue();
                                assertThat(Thread.interrupted()).isTrue();
                                mine.close();
                                assertThat(w.idle()).isFalse();
                                assertThat(w.armedSinceLastLook()).isFalse();
                                c.cpu += 10_000 * MS;
                                c.wall += TICK;
                            })
                    .then(w::close);
            w.run();
            assertThat(p.parks).containsExactly(TICK, TICK, TICK);
            assertThat(theirs.fired()).as("the call the timer kept watching").isTrue();
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void aTimerClosedDuringALookEndsWithoutParking() {
        TestClock c = new TestClock();
        ScriptedParker p = new ScriptedParker();
        Watchdog w = new Watchdog(200 * MS, c, p, false);
        Watchdog.Deadline d = w.arm(10);
        p.then(
                () -> {
                    c.wall += Watchdog.IDLE_AFTER_NANOS + 1;
                    c.cpu += 10 * MS;
                    c.atCpuRead = w::close;
                });
        w.run();
        assertThat(p.parks).containsExactly(TICK);
        assertThat(d.fired()).isTrue();
        d.close();
        assertThat(Thread.interrupted()).isFalse();
    }

    /** A thread that runs {@code atInterrupt} when interrupted, before its flag is set. */
    private static final class Watched extends Thread {
        volatile Runnable atInterrupt = () -> {};

        Watched(Runnable body) {
            super(body, "watched");
        }

        @Override
        public void interrupt() {
            atInterrupt.run();
            super.interrupt();
        }
    }

    private static boolean inClose(Thread t) {
        return Arrays.stream(t.getStackTrace())
                .anyMatch(
                        e ->
                                e.getClassName().equals(Watchdog.Deadline.class.getName())
                                        && e.getMethodName().equals("close"));
    }

    @Test
    void theSlotSaysFiredBeforeTheInterruptAndACloseMeanwhileWaitsForItAndClearsTheFlag()
            throws Exception {
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        AtomicReference<Watchdog.Deadline> slot = new AtomicReference<>();
        AtomicBoolean go = new AtomicBoolean();
        AtomicBoolean closed = new AtomicBoolean();
        AtomicBoolean timerDone = new AtomicBoolean();
        AtomicBoolean firedAtInterrupt = new AtomicBoolean();
        AtomicBoolean closedAtInterrupt = new AtomicBoolean(true);
        AtomicBoolean leftInterrupted = new AtomicBoolean(true);
        Watched owner =
                new Watched(
                        () -> {
                            Watchdog.Deadline d = w.arm(10);
                            slot.set(d);
                            while (!go.get()) {
                                LockSupport.park();
                            }
                            d.close(); // the call returns while the timer is firing
                            closed.set(true);
                            while (!timerDone.get()) {
                                Thread.onSpinWait();
                            }
                            leftInterrupted.set(Thread.currentThread().isInterrupted());
                        });
        owner.atInterrupt =
                () -> {
                    // The timer has claimed the slot and not yet set the flag.
                    firedAtInterrupt.set(slot.get().fired());
                    go.set(true);
                    LockSupport.unpark(owner);
                    await("the owner closes", () -> inClose(owner) || closed.get());
                    closedAtInterrupt.set(closed.get());
                };
        owner.setDaemon(true);
        owner.start();
        await("armed", () -> slot.get() != null);
        c.wall += 1 * MS;
        w.look();
        c.cpu += 9 * MS;
        w.look();
        timerDone.set(true);
        owner.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(owner.isAlive()).isFalse();
        assertThat(firedAtInterrupt.get()).as("fired before the interrupt").isTrue();
        assertThat(closedAtInterrupt.get()).as("close waited for the timer").isFalse();
        assertThat(closed.get()).isTrue();
        assertThat(leftInterrupted.get()).as("the flag cleared by close").isFalse();
        assertThat(slot.get().fired()).isTrue();
    }

    @Test
    void aCloseRacingTheTimersClaimReturnsOnlyOnceTheInterruptIsDelivered() throws Exception {
        // No interleaving is forced here: the owner closes calls while another thread looks at
        // the slots as fast as it can, and every call the timer sees has used its budget (0 ms).
        // Correct code passes however they interleave; a close that returned after losing its
        // CAS to the timer's claim, without waiting, is caught when it happens.
        TestClock c = new TestClock();
        Watchdog w = manual(c);
        AtomicLong interrupts = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        long[] firedCalls = new long[1];
        Watched owner =
                new Watched(
                        () -> {
                            try {
                                Watchdog.Deadline slot = w.slot();
                                // Until the timer has stopped a thousand calls too: it may
                                // not run at all for a while on a busy machine.
                                for (int i = 0; i < 100_000 || firedCalls[0] < 1_000; i++) {
                                    Watchdog.Deadline d = w.arm(slot, 0, false);
                                    d.close();
                                    if (d.fired()) {
                                        firedCalls[0]++;
                                    }
                                    assertThat(interrupts.get())
                                            .as("the timer's interrupts when call %d closed", i)
                                            .isEqualTo(firedCalls[0]);
                                    assertThat(Thread.currentThread().isInterrupted()).isFalse();
                                }
                            } catch (Throwable e) {
                                failed.set(e);
                            } finally {
                                done.set(true);
                            }
                        });
        owner.atInterrupt = interrupts::incrementAndGet;
        owner.setDaemon(true);
        owner.start();
        while (!done.get()) {
            w.look();
        }
        owner.join();
        assertThat(failed.get()).isNull();
    }

    /** A thread bean that says what {@code answers} say, and counts each thread's id 42 ns. */
    private static ThreadMXBean threadBean(Map<String, Object> answers) {
        return (ThreadMXBean)
                Proxy.newProxyInstance(
                        ThreadMXBean.class.getClassLoader(),
                        new Class<?>[] {ThreadMXBean.class},
                        (proxy, method, args) -> {
                            Object a = answers.get(method.getName());
                            if (a instanceof RuntimeException) {
                                throw (RuntimeException) a;
                            }
                            if (method.getName().equals("getThreadCpuTime")) {
                                return 42 * (long) args[0];
                            }
                            if (a == null) {
                                throw new AssertionError("not asked of the bean: " + method);
                            }
                            return a;
                        });
    }

    @Test
    void theJvmClockHasACpuClockOnlyWhereThreadCpuTimeIsSupportedAndEnabled() {
        BiFunction<Object, Object, Watchdog.JvmClock> clock =
                (supported, enabled) ->
                        new Watchdog.JvmClock(
                                threadBean(
                                        Map.of(
                                                "isThreadCpuTimeSupported", supported,
                                                "isThreadCpuTimeEnabled", enabled)));
        assertThat(clock.apply(true, true).hasCpuClock()).isTrue();
        assertThat(clock.apply(true, false).hasCpuClock()).as("disabled").isFalse();
        assertThat(clock.apply(false, true).hasCpuClock()).as("not supported").isFalse();
        assertThat(
                        clock.apply(true, new UnsupportedOperationException("no CPU clocks"))
                                .hasCpuClock())
                .as("a JVM that throws for it")
                .isFalse();
        Thread t = Thread.currentThread();
        assertThat(clock.apply(true, true).cpuNanos(t)).as("the bean's").isEqualTo(42 * t.getId());
        long before = System.nanoTime();
        long wall = clock.apply(true, true).wallNanos();
        assertThat(wall).as("System.nanoTime").isBetween(before, System.nanoTime());
    }
}
