package io.weir.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Fixtures;
import io.weir.host.io.FakeLink;
import io.weir.host.io.FakeTransport;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.Session;
import io.weir.host.poll.SessionStatus;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The kernel's side of ABI v1.1: the transport a link speaks checked against the driver's {@code
 * transports} and told to it as {@code weir.transport}, {@code max_devices} deciding how many
 * devices share an instance, and quarantine as the operator sees and clears it.
 */
class KernelV11Test {

    private static DeviceSpec spec(String name, String address, String driver, String device) {
        return DeviceSpec.of(
                name,
                address,
                driver,
                device + "\npoint 0 k=a\n",
                List.of("p"),
                Duration.ofMillis(20));
    }

    /** Waits for a condition that other threads make true; fails after 5 s. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aDriverIsRefusedALinkOfATransportItDoesNotList() {
        FakeTransport serial = new FakeTransport("serial", "serial");
        try (Kernel k = new Kernel(batch -> {}, new FakeTransport(), serial)) {
            k.loadDriver("fixture.wasm", Fixtures.wasm("fixture"));
            k.loadDriver("fixture11.wasm", Fixtures.wasm("fixture11"));
            assertThatThrownBy(
                            () ->
                                    k.addDevice(
                                            spec("d1", "serial:/dev/ttyUSB0", "fixture", "device")))
                    .hasMessage(
                            "device d1: driver fixture 1.0.0 speaks over tcp, not over the serial"
                                    + " link serial:/dev/ttyUSB0");
            FakeTransport can = new FakeTransport("can", "can");
            try (Kernel k2 = new Kernel(batch -> {}, can)) {
                k2.loadDriver("fixture11.wasm", Fixtures.wasm("fixture11"));
                assertThatThrownBy(
                                () -> k2.addDevice(spec("d2", "can:can0", "fixture11", "device")))
                        .hasMessage(
                                "device d2: driver fixture11 1.1.0 speaks over tcp or serial, not"
                                        + " over the can link can:can0");
            }
        }
    }

    @Test
    void aV11DriverServesEveryTransportItListsAndLearnsWhichOne() throws Exception {
        FakeTransport tcp = new FakeTransport();
        FakeTransport serial = new FakeTransport("serial", "serial");
        try (Kernel k = new Kernel(batch -> {}, tcp, serial)) {
            k.loadDriver("fixture11.wasm", Fixtures.wasm("fixture11"));
            k.addDevice(spec("rtu", "serial:/dev/ttyUSB0", "fixture11", "device"));
            k.addDevice(spec("mbap", "10.0.0.1:502", "fixture11", "device"));
            k.start();
            FakeLink rtu = serial.link("serial:/dev/ttyUSB0");
            FakeLink mbap = tcp.link("10.0.0.1:502");
            rtu.up();
            mbap.up();
            await("a request on each link", () -> rtu.sentCount() > 0 && mbap.sentCount() > 0);
            // fixture11's request carries the transport letter it read from weir.transport.
            assertThat((char) rtu.takeSent().get(0)[3]).isEqualTo('s');
            assertThat((char) mbap.takeSent().get(0)[3]).isEqualTo('t');
        }
    }

    @Test
    void maxDevicesSetsHowManyDevicesShareAnInstance() throws Exception {
        try (Kernel k = new Kernel(batch -> {}, new FakeTransport())) {
            DriverModule v11 = k.loadDriver("fixture11.wasm", Fixtures.wasm("fixture11"));
            DriverModule v10 = k.loadDriver("fixture.wasm", Fixtures.wasm("fixture"));
            assertThat(k.devicesPerInstance(v11)).as("max_devices 4").isEqualTo(4);
            assertThat(k.devicesPerInstance(v10)).as("none declared").isEqualTo(1);
            for (int i = 0; i < 5; i++) {
                k.addDevice(spec("d" + i, "10.0.0." + i + ":502", "fixture11", "device"));
            }
            k.start();
            await(
                    "five instances opened",
                    () ->
                            k.status().stream()
                                    .allMatch(s -> s.sharedInstance() || s.device().equals("d4")));
            List<SessionStatus> st = k.status();
            assertThat(st).extracting(SessionStatus::deviceHandle).containsExactly(0, 1, 2, 3, 0);
            assertThat(st.get(4).sharedInstance()).as("the fifth device's own group").isFalse();
        }
        Kernel.Options two = new Kernel.Options(2, DriverLimits.DEFAULT, 2);
        try (Kernel k = new Kernel(batch -> {}, two, new FakeTransport())) {
            DriverModule v11 = k.loadDriver("fixture11.wasm", Fixtures.wasm("fixture11"));
            DriverModule v10 = k.loadDriver("fixture.wasm", Fixtures.wasm("fixture"));
            assertThat(k.devicesPerInstance(v11)).as("the operator's cap").isEqualTo(2);
            assertThat(k.devicesPerInstance(v10))
                    .as("a v1.0 driver may still answer E_UNSUPPORTED to the second")
                    .isEqualTo(2);
        }
    }

    @Test
    void aQuarantinedVersionShowsWhyAndTheOperatorClearsIt() {
        try (Kernel k = new Kernel(batch -> {}, new FakeTransport())) {
            DriverModule m = k.loadDriver("fixture.wasm", Fixtures.wasm("fixture"));
            Session s = k.addDevice(spec("d1", "10.0.0.1:502", "fixture", "device"));
            for (int i = 0; i < 5; i++) {
                m.recordTrap(
                        1_000_000L + i, "fixture 1.0.0 (d1) weir_on_frame trapped: unreachable");
            }
            DriverModule.Quarantine q = k.quarantines().get("fixture 1.0.0");
            assertThat(q.traps()).isEqualTo(5);
            assertThat(q.sinceMillis()).isEqualTo(1_000_004L);
            assertThat(q.reason()).endsWith("trapped: unreachable");
            assertThat(s.status().quarantine()).isEqualTo(q);

            assertThat(k.clearQuarantine("fixture")).containsExactly("fixture 1.0.0");
            assertThat(k.quarantines()).isEmpty();
            assertThat(m.quarantined()).isFalse();
            assertThat(k.clearQuarantine("fixture")).as("nothing left to clear").isEmpty();
            assertThatThrownBy(() -> k.clearQuarantine("modbus"))
                    .hasMessage("no driver named \"modbus\" is loaded (loaded: fixture)");
        }
    }

    @Test
    void aNewVersionOfAQuarantinedDriverStartsClear() {
        try (Kernel k = new Kernel(batch -> {}, new FakeTransport())) {
            DriverModule old = k.loadDriver("fixture.wasm", Fixtures.wasm("fixture"));
            k.addDevice(spec("d1", "10.0.0.1:502", "fixture", "device"));
            for (int i = 0; i < 5; i++) {
                old.recordTrap(1_000_000L + i, "trap " + i);
            }
            DriverModule fresh = k.loadDriver("fixture.wasm", Fixtures.wasm("fixture"));
            assertThat(fresh.quarantined()).isFalse();
            assertThat(k.driver("fixture")).isSameAs(fresh);
            // The old version still serves d1, and is still quarantined.
            assertThat(k.quarantines()).containsOnlyKeys("fixture 1.0.0");
            Session d2 = k.addDevice(spec("d2", "10.0.0.2:502", "fixture", "device"));
            assertThat(d2.module()).isSameAs(fresh);
            assertThat(d2.status().quarantine()).isNull();
        }
    }
}
