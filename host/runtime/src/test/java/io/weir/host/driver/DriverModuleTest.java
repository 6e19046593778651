package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.Abi;
import io.weir.host.points.Value;
import io.weir.host.wasm.ChicoryEngine;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DriverModuleTest {

    @Test
    void loadsTheFixtureAndReadsItsManifest() {
        DriverModule m = DriverModule.load("fixture", Fixtures.wasm("fixture"));
        assertThat(m.manifest().name()).isEqualTo("fixture");
        assertThat(m.manifest().version()).isEqualTo("1.0.0");
        assertThat(m.manifest().transport()).isEqualTo("tcp");
        assertThat(m.label()).isEqualTo("fixture 1.0.0");
        assertThat(m.abiVersion()).isEqualTo(Abi.VERSION);
        assertThat(m.digest()).isNotBlank();
    }

    @Test
    void interpreterModeRunsTheSameDriverAndIsInterruptedToo() throws Exception {
        DriverModule m =
                DriverModule.load(
                        new ChicoryEngine(ChicoryEngine.Mode.INTERPRETED),
                        "fixture",
                        Fixtures.wasm("fixture"),
                        DriverLimits.DEFAULT,
                        Watchdog.shared());
        DriverInstance d = m.instantiate("interpreted");
        long now = 1_700_000_000_000_000L;
        d.open(0, "device\n", now);
        d.poll(0, now);
        assertThat(d.onFrame(0, Fixtures.frame(-5), 0, 10, now).get(0).value())
                .isEqualTo(Value.i64(-5));
        Fixtures.warm(d, 0, now);
        Fixtures.request(d, 0, now);
        assertThatThrownBy(() -> d.onFrame(0, Fixtures.command(Fixtures.LOOP), 0, 2, now))
                .isInstanceOfSatisfying(
                        CallTimedOut.class,
                        e -> assertThat(e.budgetMs()).isEqualTo(Abi.CALL_BUDGET_MS));
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void refusesAnImportOutsideTheAbiNamingIt() {
        assertThatThrownBy(() -> DriverModule.load("x", Fixtures.wasm("imports-wasi")))
                .isInstanceOf(DriverRefused.class)
                .hasMessage(
                        "driver \"x\" imports wasi_snapshot_preview1.fd_write, which is not part of"
                                + " the Weir driver ABI v1 (allowed imports: weir_host_v1.log,"
                                + " weir_host_v1.panic)");
    }

    @Test
    void refusesMissingExportsNamingThem() {
        assertThatThrownBy(() -> DriverModule.load("partial", Fixtures.wasm("missing-exports")))
                .isInstanceOf(DriverRefused.class)
                .hasMessage(
                        "driver \"partial\" lacks the required exports weir_frame_len,"
                                + " weir_last_error (ABI §3.2)");
    }

    @Test
    void refusesABadLayoutNamingTheField() {
        assertThatThrownBy(() -> DriverModule.load("bad", Fixtures.wasm("bad-layout")))
                .isInstanceOf(DriverRefused.class)
                .hasMessageContaining("layout field out_ptr: is 8196, not 8-byte aligned");
    }

    @Test
    void refusesMemoryOverTheCap() {
        assertThatThrownBy(() -> DriverModule.load("big", Fixtures.wasm("memory-over-cap")))
                .isInstanceOf(DriverRefused.class)
                .hasMessageContaining(
                        "needs 300 initial memory pages, more than the host cap of 256 pages");
        // The same module fits under a larger cap.
        DriverModule m =
                DriverModule.load(
                        new ChicoryEngine(),
                        "big",
                        Fixtures.wasm("memory-over-cap"),
                        new DriverLimits(400, 100, 1000),
                        Watchdog.shared());
        assertThat(m.instantiate("t").memoryPages()).isEqualTo(300);
    }

    @Test
    void refusesANewerMinorVersion() {
        assertThatThrownBy(() -> DriverModule.load("future", Fixtures.wasm("newer-minor")))
                .isInstanceOf(DriverRefused.class)
                .hasMessage("driver \"future\": driver needs ABI 1.1, host speaks 1.0");
    }

    @Test
    void refusesBytesThatAreNotWasm() {
        assertThatThrownBy(
                        () -> DriverModule.load("junk", "hello".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(DriverRefused.class)
                .hasMessage(
                        "driver \"junk\" is not a WebAssembly module: it starts with 68 65 6c 6c"
                                + " 6f (\"hello\"), not the magic bytes 00 61 73 6d (\"\\0asm\")");
    }

    @Test
    void refusesManifestsThatBreakSection34() {
        assertThatThrownBy(() -> DriverModule.parseManifest("d", "[]".getBytes()))
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(
                        () ->
                                DriverModule.parseManifest(
                                        "d",
                                        "{\"name\":\"d\",\"version\":\"1.0.0\",\"protocol\":\"p\"}"
                                                .getBytes()))
                .hasMessageContaining("lacks the required field \"transport\"");
        assertThatThrownBy(
                        () ->
                                DriverModule.parseManifest(
                                        "d",
                                        ("{\"name\":\"d\",\"version\":\"1.0.0\",\"protocol\":\"p\","
                                                        + "\"transport\":\"tcp\",\"passive\":1}")
                                                .getBytes()))
                .hasMessageContaining("\"passive\" must be a boolean");
        assertThat(
                        DriverModule.parseManifest(
                                        "d",
                                        ("{\"name\":\"d\",\"version\":\"1.0.0\",\"protocol\":\"p\","
                                                        + "\"transport\":\"can\",\"passive\":true,"
                                                        + "\"state_schema\":3}")
                                                .getBytes())
                                .stateSchema())
                .isEqualTo(3);
    }

    @Test
    void quarantinesAfterFiveTrapsInTenMinutes() {
        DriverModule m = DriverModule.load("fixture", Fixtures.wasm("fixture"));
        long t = 1_000_000;
        for (int i = 0; i < 4; i++) {
            assertThat(m.recordTrap(t + i * 200_000L)).isFalse();
        }
        // The first trap is now more than 10 minutes old: still four in the window.
        assertThat(m.recordTrap(t + 600_000L)).isFalse();
        assertThat(m.recordTrap(t + 700_000L)).isTrue();
        assertThat(m.quarantined()).isTrue();
    }
}
