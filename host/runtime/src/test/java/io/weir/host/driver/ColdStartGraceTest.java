package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.Abi;
import io.weir.host.wasm.ChicoryEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

/**
 * ABI §9 cold-start grace: the first {@link Abi#COLD_START_CALLS} calls of each data-plane export
 * of a driver version have the open budget, every later one the call budget. Each test loads its
 * own module, so no other test has warmed it.
 */
class ColdStartGraceTest {
    private static final long NOW = 1_700_000_000_000_000L;

    /**
     * How long the calibrated spin should take: well past the call budget, well inside the open.
     */
    private static final long SPIN_TARGET_MS = 4 * Abi.CALL_BUDGET_MS;

    private static DriverModule fresh() {
        return DriverModule.load("fixture", Fixtures.wasm("fixture"));
    }

    private static DriverInstance opened(DriverModule m, String label) throws DriverException {
        DriverInstance d = m.instantiate(label);
        d.open(0, "device\n", NOW);
        return d;
    }

    private static double spinMs(DriverInstance d, long iterations) throws DriverException {
        Fixtures.request(d, 0, NOW);
        long t0 = System.nanoTime();
        assertThat(d.onFrame(0, Fixtures.spin(iterations), 0, 10, NOW)).isEmpty();
        return (System.nanoTime() - t0) / 1e6;
    }

    /**
     * CPU time of a spin, in ms: what the watchdog charges a call. Calibrating by wall time would
     * make too short a spin on a busy machine, where the thread waits for a core part of the time.
     */
    private static double spinCpuMs(DriverInstance d, long iterations) throws DriverException {
        Fixtures.request(d, 0, NOW);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long t0 = threads.getCurrentThreadCpuTime();
        assertThat(d.onFrame(0, Fixtures.spin(iterations), 0, 10, NOW)).isEmpty();
        return (threads.getCurrentThreadCpuTime() - t0) / 1e6;
    }

    /**
     * The spin count that takes about {@link #SPIN_TARGET_MS} of CPU on this machine, measured in a
     * module of its own whose calls all have the open budget.
     */
    private static long calibratedSpin() throws DriverException {
        DriverModule m =
                DriverModule.load(
                        new ChicoryEngine(),
                        "calibration",
                        Fixtures.wasm("fixture"),
                        new DriverLimits(
                                Abi.MEMORY_CAP_PAGES, Abi.OPEN_BUDGET_MS, Abi.OPEN_BUDGET_MS),
                        Watchdog.shared());
        DriverInstance d = opened(m, "calibration");
        long n = 1 << 16;
        double ms = spinCpuMs(d, n);
        while (ms < SPIN_TARGET_MS) {
            // Grow by the measured shortfall, at most 8× a step so one step cannot leap past the
            // open budget.
            double factor = ms <= 0 ? 8 : Math.min(8, SPIN_TARGET_MS / ms);
            n = (long) Math.ceil(n * Math.max(1.25, factor));
            ms = spinCpuMs(d, n);
        }
        System.out.printf("spin calibration: %d iterations took %.1f ms of CPU%n", n, ms);
        return n;
    }

    @Test
    void theFirstCallOfAnExportHasTheOpenBudgetAndLaterCallsTheCallBudget() throws Exception {
        long n = calibratedSpin();
        DriverModule m = fresh();
        DriverInstance first = opened(m, "first");
        double coldMs = spinMs(first, n);
        System.out.printf(
                "first weir_on_frame of a fresh module: spin of %d iterations ran %.1f ms"
                        + " without a trap (call budget %d ms, open budget %d ms)%n",
                n, coldMs, Abi.CALL_BUDGET_MS, Abi.OPEN_BUDGET_MS);
        assertThat(coldMs)
                .as("the spin outlasted the call budget, so only the grace let it finish")
                .isGreaterThan(Abi.CALL_BUDGET_MS);
        assertThat(first.dead()).isFalse();
        // Spend the rest of weir_on_frame's grace with ordinary frames.
        for (int i = 1; i < Abi.COLD_START_CALLS; i++) {
            Fixtures.request(first, 0, NOW);
            assertThat(first.onFrame(0, Fixtures.frame(i), 0, 10, NOW)).hasSize(1);
        }
        // The grace belongs to the module version: a new instance starts warm, and the same spin
        // now runs past the call budget.
        DriverInstance second = opened(m, "second");
        Fixtures.request(second, 0, NOW);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> second.onFrame(0, Fixtures.spin(n), 0, 10, NOW))
                .isInstanceOfSatisfying(
                        CallTimedOut.class,
                        e -> {
                            assertThat(e.budgetMs()).isEqualTo(Abi.CALL_BUDGET_MS);
                            assertThat(e.getMessage())
                                    .contains(
                                            "weir_on_frame ran past its budget of "
                                                    + Abi.CALL_BUDGET_MS
                                                    + " ms");
                        });
        System.out.printf(
                "warm weir_on_frame: the same spin interrupted after %.1f ms%n",
                (System.nanoTime() - t0) / 1e6);
        assertThat(second.dead()).isTrue();
        assertThat(first.dead()).isFalse();
    }

    @Test
    void aRunawayLoopInAColdCallIsStillInterruptedAtTheOpenBudget() throws Exception {
        DriverInstance d = opened(fresh(), "cold");
        Fixtures.request(d, 0, NOW);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> d.onFrame(0, Fixtures.command(Fixtures.LOOP), 0, 2, NOW))
                .isInstanceOfSatisfying(
                        CallTimedOut.class,
                        e -> assertThat(e.budgetMs()).isEqualTo(Abi.OPEN_BUDGET_MS));
        double ms = (System.nanoTime() - t0) / 1e6;
        System.out.printf(
                "runaway loop in the first weir_on_frame stopped after %.1f ms (open budget %d"
                        + " ms)%n",
                ms, Abi.OPEN_BUDGET_MS);
        // Watchdog: the wall time before the timer's first look at a call is charged from the
        // look before, so a call may be stopped up to a tick early, never earlier (CI once saw
        // 999.95 ms).
        assertThat(ms)
                .as("never more than a tick before the budget")
                .isGreaterThanOrEqualTo(Abi.OPEN_BUDGET_MS - Watchdog.TICK_NANOS / 1e6);
        assertThat(d.dead()).isTrue();
    }
}
