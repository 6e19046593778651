package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Fixtures;
import io.weir.host.driver.Hostile;
import io.weir.host.driver.Hostile.Fault;
import io.weir.host.driver.Watchdog;
import io.weir.host.wasm.Engines;
import org.junit.jupiter.api.Test;

/**
 * Replay applies the gateway's trap policy on the capture's clock (ABI §9): a driver that traps
 * five times within ten minutes of capture time is quarantined, not re-created forever, and every
 * later call says why.
 */
class HostReplayDriverTest {
    private static final long T0 = 1_600_000_000_000_000L;
    private static final long MINUTE = 60_000_000L;

    private static ReplayDriver.Outcome trap(HostReplayDriver d, int dev, long nowUs) {
        assertThat(d.observe(dev, new byte[] {1}).ok()).isTrue();
        ReplayDriver.Outcome o = d.onFrame(dev, Fixtures.frame(1), nowUs);
        assertThat(o.status()).isEqualTo(AbiError.E_INTERNAL.code());
        return o;
    }

    @Test
    void fiveTrapsWithinTenMinutesOfCaptureTimeQuarantineTheDriver() {
        DriverModule m = DriverModule.load("hostile.wasm", Hostile.wasm());
        try (HostReplayDriver d = new HostReplayDriver(m)) {
            int dev = d.open(Hostile.config(Fault.UNREACHABLE, 0));
            for (int i = 0; i < Abi.QUARANTINE_TRAPS - 1; i++) {
                assertThat(trap(d, dev, T0 + i * MINUTE).error())
                        .startsWith("driver trapped (instance replaced): hostile 1.0.0")
                        .contains("weir_on_frame trapped: Trapped on unreachable instruction");
                assertThat(d.quarantine()).isNull();
            }
            String reason =
                    "hostile 1.0.0 is quarantined after 5 traps within 10 minutes of capture time"
                            + " (ABI §9); the rest of the capture is not decoded";
            assertThat(trap(d, dev, T0 + 4 * MINUTE).error()).endsWith("; " + reason);
            assertThat(d.quarantine()).isEqualTo(reason);
            assertThat(d.traps()).isEqualTo(5);
            // Every later call says why, on old and new devices alike; nothing is re-created.
            assertThat(d.observe(dev, new byte[] {1}).error()).isEqualTo(reason);
            assertThat(d.onFrame(dev, Fixtures.frame(1), T0 + 5 * MINUTE).error())
                    .isEqualTo(reason);
            int later = d.open("device\n");
            assertThat(d.onFrame(later, Fixtures.frame(1), T0 + 6 * MINUTE).error())
                    .isEqualTo(reason);
            assertThat(d.frameLen(later, Fixtures.frame(1), 0, 10).status())
                    .isEqualTo(AbiError.E_INTERNAL.code());
            assertThat(d.traps()).isEqualTo(5);
        }
    }

    @Test
    void trapsFartherApartInCaptureTimeKeepBeingRecovered() {
        DriverModule m = DriverModule.load("hostile.wasm", Hostile.wasm());
        try (HostReplayDriver d = new HostReplayDriver(m)) {
            int dev = d.open(Hostile.config(Fault.UNREACHABLE, 0));
            // One trap every 3 minutes: never 5 within 10 minutes, as a live gateway would see it.
            for (int i = 0; i < 8; i++) {
                assertThat(trap(d, dev, T0 + 3 * i * MINUTE).error())
                        .startsWith("driver trapped (instance replaced)");
            }
            assertThat(d.quarantine()).isNull();
            assertThat(d.traps()).isEqualTo(8);
        }
    }

    @Test
    void aDriverThatTrapsWhileOpeningIsQuarantinedToo() {
        DriverModule m =
                DriverModule.load(
                        Engines.chicory(),
                        "hostile.wasm",
                        Hostile.wasm(),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 50, 50),
                        Watchdog.shared());
        try (HostReplayDriver d = new HostReplayDriver(m)) {
            // weir_open loops: each open is interrupted, counted, and retried on a fresh instance.
            int dev = d.open(Hostile.config(Fault.LOOP_OPEN, 0));
            assertThat(d.traps()).isEqualTo(5);
            assertThat(d.quarantine()).startsWith("hostile 1.0.0 is quarantined after 5 traps");
            assertThat(d.observe(dev, new byte[] {1}).error()).isEqualTo(d.quarantine());
        }
    }
}
