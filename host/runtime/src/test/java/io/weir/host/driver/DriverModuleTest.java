package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.Abi;
import io.weir.abi.Manifest;
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
    void aV10HostRefusesADriverThatNeedsV11() {
        assertThatThrownBy(
                        () ->
                                DriverModule.load(
                                        new ChicoryEngine(),
                                        "future",
                                        Fixtures.wasm("newer-minor"),
                                        DriverLimits.DEFAULT,
                                        Watchdog.shared(),
                                        Abi.MINOR_1_0))
                .isInstanceOf(DriverRefused.class)
                .hasMessage("driver \"future\": driver needs ABI 1.1, host speaks 1.0");
    }

    @Test
    void refusesADriverThatNeedsALaterMinorThanTheHosts() {
        assertThatThrownBy(() -> DriverModule.load("future", Fixtures.wasm("needs-1-3")))
                .isInstanceOf(DriverRefused.class)
                .hasMessage("driver \"future\": driver needs ABI 1.3, host speaks 1.2");
        // A host playing v1.1 refuses a driver that needs 1.2, as a v1.1 host does.
        assertThatThrownBy(
                        () ->
                                DriverModule.load(
                                        new ChicoryEngine(),
                                        "future",
                                        Fixtures.wasm("needs-1-2"),
                                        DriverLimits.DEFAULT,
                                        Watchdog.shared(),
                                        Abi.MINOR_1_1))
                .isInstanceOf(DriverRefused.class)
                .hasMessage("driver \"future\": driver needs ABI 1.2, host speaks 1.1");
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

    // ---- ABI v1.1: version agreement and manifest (§3.3, §3.4)
    // ------------------------------------

    private static final String V10_FIELDS =
            "\"name\":\"d\",\"version\":\"1.0.0\",\"protocol\":\"p\",\"transport\":\"tcp\"";

    private static byte[] manifest(String extra) {
        return ("{" + V10_FIELDS + extra + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aDriverWithWeirHostAbiAgreesOnV11AndItsNewFieldsCount() {
        DriverModule m = DriverModule.load("fixture11", Fixtures.wasm("fixture11"));
        assertThat(m.abiVersion()).as("it runs on a v1.0 host too").isEqualTo(Abi.VERSION);
        assertThat(m.agreedVersion()).isEqualTo(Abi.VERSION_1_1);
        assertThat(m.hostMinor()).isEqualTo(Abi.LATEST_MINOR);
        assertThat(m.manifest().allTransports()).containsExactly("tcp", "serial");
        assertThat(m.calls(Abi.Export.LINK_UP)).isTrue();
        assertThat(m.instantiate("t").agreedMinor()).isEqualTo(Abi.MINOR_1_1);
    }

    @Test
    void aDriverWithoutWeirHostAbiHasAgreedVersion10() {
        DriverModule m = DriverModule.load("fixture", Fixtures.wasm("fixture"));
        assertThat(m.agreedVersion()).isEqualTo(Abi.VERSION);
        assertThat(m.calls(Abi.Export.LINK_UP)).isFalse();
    }

    @Test
    void aDriverThatNeedsV11ButCannotAgreeOnItIsRefused() {
        assertThatThrownBy(() -> DriverModule.load("future", Fixtures.wasm("newer-minor")))
                .isInstanceOf(DriverRefused.class)
                .hasMessage(
                        "driver \"future\" reports weir_abi_version 0x00010001 (it needs ABI 1.1)"
                                + " but exports no weir_host_abi, so its agreed version would be"
                                + " 1.0 (ABI §3.3)");
    }

    @Test
    void anAgreedVersionOutsideTheRulesIsRefused() {
        assertThatThrownBy(() -> DriverModule.load("odd", Fixtures.wasm("host-abi-bad")))
                .isInstanceOf(DriverRefused.class)
                .hasMessage(
                        "driver \"odd\": weir_host_abi returned 0x00010007; the agreed version"
                                + " must be 1.0 to 1.2 (between weir_abi_version 0x00010000 and"
                                + " the host's 1.2) (ABI §3.3)");
    }

    @Test
    void aHostDoesNotCallAV11ExportOfADriverThatAgreedOnV10() throws Exception {
        DriverModule m =
                DriverModule.load(
                        new ChicoryEngine(),
                        "fixture11",
                        Fixtures.wasm("fixture11"),
                        DriverLimits.DEFAULT,
                        Watchdog.shared(),
                        Abi.MINOR_1_0);
        DriverInstance d = m.instantiate("t");
        d.open(0, "device\n", 0);
        assertThat(d.agreedMinor()).isZero();
        assertThatThrownBy(() -> d.linkUp(0, 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("weir_link_up is ABI 1.1; the agreed version");
        assertThat(m.calls(Abi.Export.TICK)).isFalse();
    }

    @Test
    void frameLenGivesTheCorrelationKeyWithAgreedVersion11() throws Exception {
        DriverInstance d =
                DriverModule.load("fixture11", Fixtures.wasm("fixture11")).instantiate("t");
        d.open(0, "device\n", 0);
        byte[] frame = Fixtures.frame(1, 2);
        FrameLength f = d.frameLen(0, frame, 0, frame.length);
        assertThat(f).isEqualTo(FrameLength.complete(18, 0xAA02));
    }

    @Test
    void readsTheV11ManifestFields() {
        Manifest m =
                DriverModule.parseManifest(
                        "d",
                        manifest(
                                ",\"transports\":[\"tcp\",\"serial\"],\"unsolicited\":true,"
                                        + "\"max_devices\":64,\"later\":{\"x\":[1]}"));
        assertThat(m.transports()).containsExactly("tcp", "serial");
        assertThat(m.unsolicited()).isTrue();
        assertThat(m.maxDevices()).isEqualTo(64);
    }

    @Test
    void refusesV11ManifestFieldsOfTheWrongShapeNamingThem() {
        assertThatThrownBy(
                        () ->
                                DriverModule.parseManifest(
                                        "d", manifest(",\"transports\":[\"tcp\",3]")))
                .hasMessage(
                        "driver \"d\" manifest field \"transports\" must be an array of strings");
        assertThatThrownBy(
                        () -> DriverModule.parseManifest("d", manifest(",\"transports\":\"tcp\"")))
                .hasMessage(
                        "driver \"d\" manifest field \"transports\" must be an array of strings");
        assertThatThrownBy(
                        () ->
                                DriverModule.parseManifest(
                                        "d", manifest(",\"transports\":[\"serial\"]")))
                .hasMessageContaining("must contain its transport \"tcp\"");
        assertThatThrownBy(() -> DriverModule.parseManifest("d", manifest(",\"max_devices\":0")))
                .hasMessageContaining("max_devices of driver d must be ≥ 1, got 0");
        assertThatThrownBy(
                        () -> DriverModule.parseManifest("d", manifest(",\"unsolicited\":\"yes\"")))
                .hasMessage("driver \"d\" manifest field \"unsolicited\" must be a boolean");
    }

    @Test
    void withAgreedVersion10TheV11FieldsAreIgnoredUnchecked() {
        Manifest m =
                DriverModule.parseManifest(
                        "d",
                        manifest(",\"transports\":[7],\"max_devices\":0,\"unsolicited\":true"),
                        Abi.MINOR_1_0);
        assertThat(m.transports()).isNull();
        assertThat(m.maxDevices()).isNull();
        assertThat(m.unsolicited()).isFalse();
    }

    @Test
    void aClearedQuarantineStartsTheWindowAfresh() {
        DriverModule m = DriverModule.load("fixture", Fixtures.wasm("fixture"));
        for (int i = 0; i < 5; i++) {
            m.recordTrap(1000 + i, "trap " + i);
        }
        assertThat(m.quarantine()).isEqualTo(new DriverModule.Quarantine("trap 4", 1004, 5));
        assertThat(m.clearQuarantine()).isTrue();
        assertThat(m.quarantine()).isNull();
        assertThat(m.recordTrap(2000, "again")).as("one trap in a fresh window").isFalse();
    }
}
