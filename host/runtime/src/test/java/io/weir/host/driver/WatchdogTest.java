package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
    void anArmStartsTheCallAtItsClockReading() {
        try (Watchdog w = new Watchdog()) {
            long before = System.nanoTime();
            Watchdog.Deadline d = w.arm(1_000);
            long after = System.nanoTime();
            assertThat(d.armedAt()).isBetween(before, after);
            d.close();
            // The thread's slot is re-armed for its next call, with a new start.
            Watchdog.Deadline next = w.arm(1_000);
            assertThat(next).isSameAs(d);
            assertThat(next.armedAt()).isGreaterThanOrEqualTo(after);
            next.close();
        }
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
    void aClosedWatchdogArmsNoMore() {
        Watchdog w = new Watchdog();
        w.close();
        assertThatThrownBy(() -> w.arm(50))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("watchdog closed");
    }
}
