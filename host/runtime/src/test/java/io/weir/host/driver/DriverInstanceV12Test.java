package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.host.points.Value;
import io.weir.host.wasm.ChicoryEngine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ABI v1.2 answers of one instance as the host reads them, with {@code hostile12.wat} (the
 * hostile driver agreeing on 1.2): the request flag {@code LAST} in {@code meta.req_flags} (§7.1)
 * and {@code weir_on_bytes} (§7.13) with every row of its table and every violation (§9), and
 * neither of them with agreed version 1.1.
 */
class DriverInstanceV12Test {
    private static final long NOW = 1_700_000_000_000_000L;

    private static DriverModule hostile12;
    private static DriverModule asV11;

    @BeforeAll
    static void load() {
        // Roomy budgets: what is checked here is what the host makes of each answer, not time.
        DriverLimits roomy = new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000);
        hostile12 =
                DriverModule.load(
                        new ChicoryEngine(),
                        "hostile12.wasm",
                        Fixtures.wasm("hostile12"),
                        roomy,
                        Watchdog.shared());
        // The same module on a host that speaks 1.1: it agrees on 1.1.
        asV11 =
                DriverModule.load(
                        new ChicoryEngine(),
                        "hostile12.wasm",
                        Fixtures.wasm("hostile12"),
                        roomy,
                        Watchdog.shared(),
                        Abi.MINOR_1_1);
    }

    private static DriverInstance open(DriverModule m, int fault, int last) throws DriverException {
        DriverInstance d = m.instantiate("fault " + fault);
        d.open(0, "device fault=" + fault + " after=0 final=" + last + "\npoint 0 k=v\n", NOW);
        return d;
    }

    /** A frame of {@code values} (the fixture framing) followed by {@code tail} other bytes. */
    private static byte[] frameAnd(int tail, long... values) {
        byte[] f = Fixtures.frame(values);
        byte[] b = new byte[f.length + tail];
        System.arraycopy(f, 0, b, 0, f.length);
        return b;
    }

    private static DriverInstance.RecordSink into(List<DriverRecord> out) {
        return (p, n, v, q, t, f) -> out.add(new DriverRecord(p, n, v, q, t, f));
    }

    @Test
    void theModuleAgreesOnWhatTheHostSpeaks() {
        assertThat(hostile12.agreedVersion()).isEqualTo(Abi.VERSION_1_2);
        assertThat(hostile12.calls(Abi.Export.ON_BYTES)).isTrue();
        assertThat(asV11.agreedVersion()).isEqualTo(Abi.VERSION_1_1);
        assertThat(asV11.calls(Abi.Export.ON_BYTES)).isFalse();
    }

    @Test
    void lastIsReadFromReqFlagsWithAgreedVersion12Only() throws Exception {
        assertThat(open(hostile12, 0, 1).poll(0, NOW).lastOfCycle()).isTrue();
        assertThat(open(hostile12, 0, 0).poll(0, NOW).lastOfCycle()).isFalse();
        // Bits 1..31 are unknown to 1.2: read as zero (§3.3), and LAST is bit 0.
        assertThat(open(hostile12, 0, 2).poll(0, NOW).lastOfCycle()).isFalse();
        // Agreed 1.1: meta.req_flags is not the host's to read, whatever it holds.
        Request r = open(asV11, 0, 1).poll(0, NOW);
        assertThat(r.lastOfCycle()).isFalse();
        assertThat(r.expectResponse()).isTrue();
        // A write's request never ends a cycle, even with the flag left in meta.
        DriverInstance d = open(hostile12, 0, 1);
        d.poll(0, NOW);
        assertThat(d.write(0, 0, io.weir.abi.ValueType.I64, 5, NOW).lastOfCycle()).isFalse();
        assertThat(Request.END_OF_CYCLE.lastOfCycle()).isFalse();
        assertThatThrownBy(() -> new Request(new byte[0], false, 0, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWholeFrameIsFramedAndDecodedInOneCall() throws Exception {
        DriverInstance d = open(hostile12, 0, 0);
        d.poll(0, NOW);
        List<DriverRecord> out = new ArrayList<>();
        // Three bytes of the next frame follow; bytes[1..] is the driver's slice.
        byte[] line = new byte[1 + 18 + 3];
        System.arraycopy(frameAnd(3, 5, 6), 0, line, 1, 21);
        OnBytes r = d.onBytes(0, line, 1, 21, NOW, into(out));
        assertThat(r).isEqualTo(new OnBytes(FrameLength.complete(18, 0), 2, null));
        assertThat(r.complete()).isTrue();
        assertThat(out)
                .containsExactly(
                        new DriverRecord(0, null, Value.i64(5), 0, NOW),
                        new DriverRecord(1, null, Value.i64(6), 0, NOW));
        assertThat(d.frameFlags()).isZero();
        assertThat(d.dead()).isFalse();
        // The frame was decoded in the call: nothing stays in rx for weir_on_frame.
        assertThatThrownBy(() -> d.onFrame(0, 18, NOW, into(out)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void noFrameYetResyncAndAFailureBeforeAnyFrameAsTheTableSays() throws Exception {
        DriverInstance d = open(hostile12, 0, 0);
        d.poll(0, NOW);
        List<DriverRecord> out = new ArrayList<>();
        // E_PARTIAL with meta.need: the frame's size once its header is in.
        OnBytes partial = d.onBytes(0, frameAnd(0, 1, 2), 0, 10, NOW, into(out));
        assertThat(partial).isEqualTo(new OnBytes(FrameLength.needMore(18), 0, null));
        assertThat(partial.complete()).isFalse();
        assertThat(d.onBytes(0, new byte[] {(byte) 0xAA}, 0, 1, NOW, into(out)))
                .isEqualTo(new OnBytes(FrameLength.needMore(0), 0, null));
        assertThat(d.onBytes(0, new byte[] {0x01, (byte) 0xAA}, 0, 2, NOW, into(out)))
                .isEqualTo(new OnBytes(FrameLength.resync(1), 0, null));
        // A skip of every byte given is allowed.
        assertThat(d.onBytes(0, new byte[] {0x01}, 0, 1, NOW, into(out)))
                .isEqualTo(new OnBytes(FrameLength.resync(1), 0, null));
        assertThat(out).isEmpty();
        // A negative meta.need with E_PARTIAL means "not known", as after weir_frame_len's 0.
        DriverInstance unknownNeed = open(hostile12, 48, 0);
        unknownNeed.poll(0, NOW);
        assertThat(unknownNeed.onBytes(0, frameAnd(0, 1, 2), 0, 10, NOW, into(out)))
                .isEqualTo(new OnBytes(FrameLength.needMore(0), 0, null));
        // meta.need = 0 and an error: no frame was found, the call failed as weir_frame_len would.
        DriverInstance failing = open(hostile12, 64, 0);
        assertThatThrownBy(() -> failing.onBytes(0, frameAnd(0, 1), 0, 10, NOW, into(out)))
                .isInstanceOfSatisfying(
                        DriverException.class,
                        e -> {
                            assertThat(e.error()).isEqualTo(AbiError.E_NODEV);
                            assertThat(e.call()).isEqualTo("weir_on_bytes");
                        });
        assertThat(failing.dead()).isFalse();
    }

    @Test
    void aFrameThatFailsToDecodeKeepsItsLengthSoTheHostCanDropIt() throws Exception {
        // No request outstanding: weir_on_frame's E_ORDER, for a frame of 10 bytes.
        DriverInstance d = open(hostile12, 0, 0);
        OnBytes r = d.onBytes(0, frameAnd(4, 9), 0, 14, NOW, into(new ArrayList<>()));
        assertThat(r.framing()).isEqualTo(FrameLength.complete(10, 0));
        assertThat(r.records()).isZero();
        assertThat(r.refused().error()).isEqualTo(AbiError.E_ORDER);
        assertThat(r.refused().call()).isEqualTo("weir_on_bytes");
        assertThat(r.refused().driverText()).isEqualTo("hostile: frame refused");
        assertThat(d.dead()).isFalse();
        // An unknown code is E_INTERNAL, as from weir_on_frame.
        DriverInstance unknown = open(hostile12, 42, 0);
        unknown.poll(0, NOW);
        OnBytes u = unknown.onBytes(0, frameAnd(0, 9), 0, 10, NOW, into(new ArrayList<>()));
        assertThat(u.refused().error()).isEqualTo(AbiError.E_INTERNAL);
        assertThat(u.refused().code()).isEqualTo(-12345);
    }

    private static void violation(int fault, int len, String message) throws Exception {
        DriverInstance d = open(hostile12, fault, 0);
        d.poll(0, NOW);
        assertThatThrownBy(
                        () ->
                                d.onBytes(
                                        0,
                                        frameAnd(len - 10, 9),
                                        0,
                                        len,
                                        NOW,
                                        into(new ArrayList<>())))
                .as("fault %d", fault)
                .isInstanceOf(DriverTrapped.class)
                .hasMessageEndingWith(message + " (ABI §9)");
        assertThat(d.dead()).isTrue();
    }

    @Test
    void everyViolationOfTheTwoCallsItReplacesIsOneOfItsOwn() throws Exception {
        violation(
                60,
                12,
                "weir_on_bytes wrote meta.need = 13 as the length of the frame it decoded, more"
                        + " than the 12 bytes given");
        violation(
                62,
                12,
                "weir_on_bytes wrote a negative meta.need -1 as the length of a frame it decoded");
        violation(
                61, 12, "weir_on_bytes returned 1 records but meta.need = 0: records of no frame");
        // No records and meta.need 0 is no frame either, not a decoding error.
        DriverInstance none = open(hostile12, 61, 0);
        none.poll(0, NOW);
        assertThatThrownBy(
                        () -> none.onBytes(0, Fixtures.frame(), 0, 2, NOW, into(new ArrayList<>())))
                .isInstanceOf(DriverTrapped.class)
                .hasMessageEndingWith(
                        "weir_on_bytes returned 0 records but meta.need = 0: records of no frame"
                                + " (ABI §9)");
        // Its own weir_frame_len answers a frame length past the bytes given.
        violation(
                22,
                12,
                "weir_on_bytes wrote meta.need = 13 as the length of the frame it decoded, more"
                        + " than the 12 bytes given");
        violation(23, 12, "weir_on_bytes asked to skip 0 bytes of 12 (must be 1..12)");
        violation(24, 12, "weir_on_bytes asked to skip 13 bytes of 12 (must be 1..12)");
        violation(29, 10, "weir_on_bytes returned 4097 records, more than the 4096 one call may");
        violation(
                32,
                10,
                "weir_on_bytes wrote meta.blob_used = 1048577, more than the 1048576 blob bytes"
                        + " one call may use");
    }

    @Test
    void aFrameOfNoRecordsIsACountOfZero() throws Exception {
        DriverInstance d = open(hostile12, 0, 0);
        d.poll(0, NOW);
        assertThat(d.onBytes(0, Fixtures.frame(), 0, 2, NOW, into(new ArrayList<>())))
                .isEqualTo(new OnBytes(FrameLength.complete(2, 0), 0, null));
        assertThat(d.dead()).isFalse();
    }

    @Test
    void theWholeRxIsAFrameButNotOneByteMore() throws Exception {
        DriverInstance d = open(hostile12, 21, 0);
        d.poll(0, NOW);
        OnBytes r = d.onBytes(0, frameAnd(2, 9), 0, 12, NOW, into(new ArrayList<>()));
        assertThat(r.framing()).isEqualTo(FrameLength.complete(12, 0));
        assertThat(r.records()).isEqualTo(1);
    }

    @Test
    void aHostDoesNotCallItWithAgreedVersion11() throws Exception {
        DriverInstance d = open(asV11, 0, 0);
        assertThatThrownBy(() -> d.onBytes(0, frameAnd(0, 1), 0, 10, NOW, into(new ArrayList<>())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("weir_on_bytes is ABI 1.2");
    }

    @Test
    void theAnswerRecordHoldsOnlyWhatCanHappen() {
        FrameLength f = FrameLength.complete(4);
        DriverException e = new DriverException("weir_on_bytes", -5, "");
        assertThat(new OnBytes(f, 0, e).refused()).isSameAs(e);
        assertThatThrownBy(() -> new OnBytes(null, 0, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OnBytes(FrameLength.needMore(3), 1, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OnBytes(FrameLength.resync(1), 0, e))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OnBytes(f, 2, e)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OnBytes(f, -1, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
