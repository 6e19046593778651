package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's budget counts time in which the thread could run: a stall (a stop-the-world pause,
 * a starved machine) seen by the watchdog extends every armed call by its length.
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

    @Test
    void aCallPastItsBudgetIsInterruptedAndTheFlagCleared() {
        try (Watchdog w = new Watchdog()) {
            Watchdog.Deadline d = w.arm(20);
            assertThat(spin(5_000)).as("interrupted").isTrue();
            assertThat(d.fired()).isTrue();
            d.close();
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
        }
    }

    @Test
    void aStallIsNotChargedToTheCall() {
        try (Watchdog w = new Watchdog()) {
            Watchdog.Deadline d = w.arm(100);
            // As if the JVM had stopped for 400 ms during the call: the call has 400 ms more.
            w.noteStall(TimeUnit.MILLISECONDS.toNanos(400));
            assertThat(spin(250)).as("interrupted within its budget plus the stall").isFalse();
            assertThat(spin(5_000)).as("still stopped once budget and stall are used").isTrue();
            assertThat(d.fired()).isTrue();
            d.close();
        }
    }

    @Test
    void aStallBeforeACallGivesItNothing() {
        try (Watchdog w = new Watchdog()) {
            w.noteStall(TimeUnit.MILLISECONDS.toNanos(10_000));
            Watchdog.Deadline d = w.arm(20);
            long t0 = System.nanoTime();
            assertThat(spin(5_000)).isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
            d.close();
        }
    }
}
