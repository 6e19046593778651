package io.weir.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.driver.DriverRefused;
import io.weir.host.driver.DriverSource;
import io.weir.host.driver.Fixtures;
import io.weir.host.io.FakeTransport;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.Session;
import io.weir.host.poll.SessionState;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelTest {
    private static DeviceSpec spec(String name, String driver) {
        return DeviceSpec.of(
                name, "127.0.0.1:1502", driver, "device\n", List.of(), Duration.ofSeconds(1));
    }

    @Test
    void registersDriversByManifestNameAndRefusesBadDevices() {
        FakeTransport tcp = new FakeTransport();
        try (Kernel k = new Kernel(batch -> {}, tcp)) {
            assertThat(k.loadDriver("some-file.wasm", Fixtures.wasm("fixture")).manifest().name())
                    .isEqualTo("fixture");
            assertThat(k.driver("fixture")).isNotNull();
            assertThatThrownBy(() -> k.addDevice(spec("d1", "modbus")))
                    .hasMessage(
                            "device d1: no driver named \"modbus\" is loaded (loaded: fixture)");
            Session s = k.addDevice(spec("d1", "fixture"));
            assertThat(s.state()).isEqualTo(SessionState.NEW);
            assertThatThrownBy(() -> k.addDevice(spec("d1", "fixture")))
                    .hasMessage("a device named d1 exists already");
            assertThat(k.status()).hasSize(1);
            assertThatThrownBy(
                            () ->
                                    k.addDevice(
                                            DeviceSpec.of(
                                                    "d2",
                                                    "serial:/dev/ttyUSB0",
                                                    "fixture",
                                                    "device\n",
                                                    List.of(),
                                                    Duration.ofSeconds(1))))
                    .hasMessage(
                            "device d2: no transport opens \"serial:\" links (this host opens:"
                                    + " tcp)");
            k.stop();
            k.stop();
        }
        assertThat(tcp.closed()).as("the kernel closes its transports").isTrue();
    }

    private static void await(String what, java.util.function.BooleanSupplier until)
            throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!until.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " never happened");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aDriverSwapSwitchesEveryDeviceOrNone() throws Exception {
        FakeTransport tcp = new FakeTransport();
        try (Kernel k = new Kernel(batch -> {}, tcp)) {
            k.addDriver("counter", io.weir.host.poll.SessionSwapTest.counter("1.0.0", 1));
            for (String d : List.of("a", "b")) {
                k.addDevice(
                        DeviceSpec.of(
                                d,
                                "127.0.0.1:" + (d.equals("a") ? 1502 : 1503),
                                "counter",
                                "device\npoint 0\n",
                                List.of("seq"),
                                Duration.ofMillis(50)));
            }
            k.start();
            for (String a : List.of("127.0.0.1:1502", "127.0.0.1:1503")) {
                tcp.link(a).answerWith(req -> new byte[] {(byte) 0xAA, 0x00});
                tcp.link(a).up();
            }
            await("both polling", () -> k.status().stream().allMatch(s -> s.points() > 2));

            List<Session.Swap> swaps =
                    k.swap("counter", io.weir.host.poll.SessionSwapTest.counter("2.0.0", 1));
            assertThat(swaps).extracting(Session.Swap::device).containsExactly("a", "b");
            assertThat(swaps).allMatch(Session.Swap::stateRestored);
            assertThat(k.status()).allMatch(s -> s.driver().equals("counter 2.0.0"));
            assertThat(k.driver("counter").label()).isEqualTo("counter 2.0.0");

            assertThatThrownBy(
                            () ->
                                    k.swap(
                                            "counter",
                                            io.weir.host.poll.SessionSwapTest.counter("9.0.0", 1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("counter 9.0.0 refused the device");
            assertThat(k.status()).allMatch(s -> s.driver().equals("counter 2.0.0"));
            long points = k.status().stream().mapToLong(s -> s.points()).sum();
            await(
                    "polling on",
                    () -> k.status().stream().mapToLong(s -> s.points()).sum() > points + 4);
        }
    }

    @Test
    void refusedDriversAreNotRegistered() {
        try (Kernel k = new Kernel(batch -> {})) {
            assertThatThrownBy(() -> k.loadDriver("x", Fixtures.wasm("imports-wasi")))
                    .isInstanceOf(DriverRefused.class);
            assertThat(k.drivers()).isEmpty();
        }
    }

    @Test
    void bundledDriverLookupSaysWhatIsMissing() {
        assertThatThrownBy(() -> DriverSource.bytes("nosuch"))
                .hasMessageContaining("no bundled driver \"nosuch\"")
                .hasMessageContaining("drivers/nosuch.wasm");
        assertThatThrownBy(() -> DriverSource.bytes("Bad Name"))
                .hasMessageContaining("is neither a .wasm file nor a driver name");
        assertThatThrownBy(() -> DriverSource.bytes("/nonexistent/x.wasm"))
                .hasMessage("driver file /nonexistent/x.wasm does not exist");
        assertThatThrownBy(() -> DriverSource.bytes("/tmp/"))
                .hasMessage("driver file /tmp is a directory, not a .wasm file");
    }
}
