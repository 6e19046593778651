package io.weir.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.Fixtures;
import io.weir.host.io.FakeLink;
import io.weir.host.io.FakeTransport;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.SessionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runaway drivers do not starve healthy devices of worker threads. Three devices whose driver spins
 * in every {@code weir_on_frame} for its whole budget (3 s here, so that the spins outlast the
 * test) hold every one of the kernel's two workers, and one more; a healthy device beside them must
 * go on polling at its interval. With a fixed pool of two its first cycle would wait for the first
 * spin to be interrupted, three seconds later.
 */
class KernelFairnessTest {

    private static DeviceSpec spec(String name, String address) {
        return DeviceSpec.of(
                name,
                address,
                "fixture",
                "device\npoint 0 k=a\n",
                List.of("p"),
                Duration.ofMillis(50));
    }

    @Test
    void aHealthyDeviceKeepsItsScheduleWhileRunawaysHoldEveryWorker() throws Exception {
        DriverLimits spinForThreeSeconds = new DriverLimits(256, 3000, 3000);
        Kernel.Options twoWorkers = new Kernel.Options(2, spinForThreeSeconds, 1);
        FakeTransport tcp = new FakeTransport();
        try (Kernel k = new Kernel(batch -> {}, twoWorkers, tcp)) {
            k.loadDriver("fixture.wasm", Fixtures.wasm("fixture"));
            List<String> spinners = List.of("10.0.0.1:502", "10.0.0.2:502", "10.0.0.3:502");
            for (int i = 0; i < spinners.size(); i++) {
                k.addDevice(spec("spin" + i, spinners.get(i)));
            }
            k.addDevice(spec("healthy", "10.0.0.9:502"));
            k.start();
            List<FakeLink> links = new ArrayList<>();
            for (String a : spinners) {
                FakeLink l = tcp.link(a);
                l.answerWith(req -> Fixtures.command(Fixtures.LOOP));
                links.add(l);
            }
            FakeLink healthy = tcp.link("10.0.0.9:502");
            healthy.answerWith(req -> Fixtures.frame(1));
            // The spinners first: their first ticks take both workers.
            links.forEach(FakeLink::up);
            healthy.up();

            long t0 = System.nanoTime();
            long deadline = t0 + Duration.ofMillis(2500).toNanos();
            SessionStatus h = k.session("healthy").status();
            while (h.cycles() < 20 && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
                h = k.session("healthy").status();
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long spinnerTraps =
                    k.status().stream()
                            .filter(s -> s.device().startsWith("spin"))
                            .mapToLong(SessionStatus::traps)
                            .sum();
            System.out.printf(
                    "healthy: %d cycles, %d missed in %d ms; spinner traps %d; workers %d (%d"
                            + " spares added)%n",
                    h.cycles(),
                    h.missed(),
                    ms,
                    spinnerTraps,
                    k.workers().threads(),
                    k.workers().sparesAdded());
            assertThat(h.cycles())
                    .as("cycles of the healthy device while the spinners held the workers")
                    .isGreaterThanOrEqualTo(20);
            assertThat(spinnerTraps)
                    .as("the spins were still running: no spinner call had ended")
                    .isZero();
            assertThat(h.traps()).isZero();
            assertThat(k.workers().sparesAdded()).isPositive();
        }
    }
}
