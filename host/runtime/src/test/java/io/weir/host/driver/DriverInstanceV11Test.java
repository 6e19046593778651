package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.ValueType;
import io.weir.host.driver.Hostile.Fault;
import io.weir.host.points.Value;
import io.weir.host.wasm.ChicoryEngine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ABI v1.1 calls of one instance as the host reads their answers: {@code weir_frame_end} (line
 * silence, §7.10) with every answer of its table and every violation, {@code weir_tick} (§7.11),
 * the refusal to call either with agreed version 1.0, and the instance's state after {@code close}
 * and its counts of calls.
 */
class DriverInstanceV11Test {
    private static final long NOW = 1_700_000_000_000_000L;

    private static DriverModule fixture11;
    private static DriverModule hostile;

    @BeforeAll
    static void load() {
        // Roomy budgets: what is checked here is what the host makes of each answer, not time.
        DriverLimits roomy = new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000);
        fixture11 =
                DriverModule.load(
                        new ChicoryEngine(),
                        "fixture11",
                        Fixtures.wasm("fixture11"),
                        roomy,
                        Watchdog.shared());
        hostile =
                DriverModule.load(
                        new ChicoryEngine(),
                        "hostile.wasm",
                        Hostile.wasm(),
                        roomy,
                        Watchdog.shared());
    }

    private static DriverInstance fixture11(String config) throws DriverException {
        DriverInstance d = fixture11.instantiate("t");
        d.open(0, config, NOW);
        return d;
    }

    private static DriverInstance hostile(Fault fault) throws DriverException {
        DriverInstance d = hostile.instantiate(fault.label());
        d.open(0, Hostile.config(fault, 0), NOW);
        return d;
    }

    private static byte[] b(int... bytes) {
        byte[] r = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            r[i] = (byte) bytes[i];
        }
        return r;
    }

    @Test
    void aFrameAtSilenceIsCompleteWithItsKeyAndDecodedWhereItLies() throws Exception {
        DriverInstance d = fixture11("device\n");
        // Two bytes before and after, outside the slice: only bytes[2..4] are the driver's.
        byte[] line = b(0x11, 0x22, 0xBB, 0x07, 0x33);
        assertThat(d.frameEnd(0, line, 2, 2)).isEqualTo(FrameLength.complete(2, 0xBB07));
        List<DriverRecord> out = new ArrayList<>();
        assertThat(
                        d.onFrame(
                                0,
                                2,
                                NOW,
                                (p, n, v, q, t, f) -> out.add(new DriverRecord(p, n, v, q, t, f))))
                .isEqualTo(1);
        assertThat(out).containsExactly(new DriverRecord(0, null, Value.u64(7), 0, NOW));
    }

    @Test
    void silenceAnswersNoFrameResyncUnsupportedAndErrorsAsTheTableSays() throws Exception {
        DriverInstance d = fixture11("device\n");
        assertThat(d.frameEnd(0, b(0xBB), 0, 1)).isEqualTo(FrameLength.needMore(0));
        assertThat(d.frameEnd(0, b(0xCC, 0x01), 0, 2)).isEqualTo(FrameLength.resync(1));
        assertThatThrownBy(() -> d.frameEnd(0, b(0xDD), 0, 1))
                .isInstanceOfSatisfying(
                        DriverException.class,
                        e -> {
                            assertThat(e.error()).isEqualTo(AbiError.E_UNSUPPORTED);
                            assertThat(e.call()).isEqualTo("weir_frame_end");
                        });
        assertThatThrownBy(() -> d.frameEnd(0, b(0xEE), 0, 1))
                .isInstanceOfSatisfying(
                        DriverException.class,
                        e -> {
                            assertThat(e.error()).isEqualTo(AbiError.E_PROTO);
                            assertThat(e.driverText())
                                    .isEqualTo("fixture11: silence framing error");
                        });
        // None of these answers is a violation: the instance lives on.
        assertThat(d.dead()).isFalse();
    }

    @Test
    void aFrameAtSilenceMayBeEveryByteGivenButNotOneMore() throws Exception {
        DriverInstance exact = hostile(Fault.FRAME_LEN_AT_GIVEN);
        assertThat(exact.frameEnd(0, new byte[7], 0, 7)).isEqualTo(FrameLength.complete(7));
        DriverInstance over = hostile(Fault.FRAME_LEN_OVER_GIVEN);
        assertThatThrownBy(() -> over.frameEnd(0, new byte[7], 0, 7))
                .isInstanceOf(DriverTrapped.class)
                .hasMessageEndingWith(
                        "weir_frame_end returned frame length 8, more than the 7 bytes given"
                                + " (ABI §9)");
        assertThat(over.dead()).isTrue();
    }

    @Test
    void aResyncAtSilenceSkipsOneToAllBytesGiven() throws Exception {
        DriverInstance zero = hostile(Fault.SKIP_ZERO);
        assertThatThrownBy(() -> zero.frameEnd(0, new byte[5], 0, 5))
                .isInstanceOf(DriverTrapped.class)
                .hasMessageEndingWith(
                        "weir_frame_end asked to skip 0 bytes of 5 (must be 1..5) (ABI §9)");
        DriverInstance over = hostile(Fault.SKIP_OVER_GIVEN);
        assertThatThrownBy(() -> over.frameEnd(0, new byte[5], 0, 5))
                .isInstanceOf(DriverTrapped.class)
                .hasMessageEndingWith(
                        "weir_frame_end asked to skip 6 bytes of 5 (must be 1..5) (ABI §9)");
        // A skip of every byte given is allowed (fixture11 skips 1 of 1).
        assertThat(fixture11("device\n").frameEnd(0, b(0xCC), 0, 1))
                .isEqualTo(FrameLength.resync(1));
    }

    @Test
    void frameEndIsNeverCalledWithNothingPendingNorForANegativeHandle() throws Exception {
        DriverInstance d = fixture11("device\n");
        assertThatThrownBy(() -> d.frameEnd(0, new byte[4], 0, 0))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("weir_frame_end is never called with rx_len 0 (ABI §7.10)");
        assertThatThrownBy(() -> d.frameEnd(-1, b(0xBB, 1), 0, 2))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("device handle must be 0..2^31-1, got -1");
        assertThat(d.dead()).isFalse();
    }

    @Test
    void aTickGivesTheDriversRecordsOrSaysItIsUnsupported() throws Exception {
        DriverInstance d = fixture11("device tick=1\n");
        assertThat(d.tick(0, NOW)).containsExactly(new DriverRecord(0, null, Value.u64(1), 0, NOW));
        assertThat(d.tick(0, NOW + 1))
                .containsExactly(new DriverRecord(0, null, Value.u64(2), 0, NOW + 1));
        DriverInstance unsup = fixture11("device tick=unsup\n");
        assertThatThrownBy(() -> unsup.tick(0, NOW))
                .isInstanceOfSatisfying(
                        DriverException.class,
                        e -> assertThat(e.error()).isEqualTo(AbiError.E_UNSUPPORTED));
        assertThatThrownBy(() -> d.tick(-1, NOW))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("device handle must be 0..2^31-1, got -1");
    }

    @Test
    void withAgreedVersion10TheHostCallsNoV11Export() throws Exception {
        DriverModule v10 =
                DriverModule.load(
                        new ChicoryEngine(),
                        "fixture11",
                        Fixtures.wasm("fixture11"),
                        DriverLimits.DEFAULT,
                        Watchdog.shared(),
                        Abi.MINOR_1_0);
        DriverInstance d = v10.instantiate("t");
        d.open(0, "device tick=1\n", NOW);
        long ticks = v10.stats().calls(Abi.Export.TICK);
        long ends = v10.stats().calls(Abi.Export.FRAME_END);
        assertThatThrownBy(() -> d.tick(0, NOW))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "weir_tick is ABI 1.1; the agreed version of fixture11 1.1.0 is 1.0, so a"
                                + " host does not call it (ABI §2.9)");
        assertThatThrownBy(() -> d.frameEnd(0, b(0xBB, 1), 0, 2))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("weir_frame_end is ABI 1.1; the agreed version");
        assertThat(v10.stats().calls(Abi.Export.TICK)).isEqualTo(ticks);
        assertThat(v10.stats().calls(Abi.Export.FRAME_END)).isEqualTo(ends);
        // With 1.0 the host reads neither meta.corr nor meta.frame_flags.
        byte[] frame = Fixtures.frame(1, 2);
        assertThat(d.frameLen(0, frame, 0, frame.length)).isEqualTo(FrameLength.complete(18, 0));
        assertThat(d.frameFlags()).isZero();
    }

    @Test
    void everyCallIsCountedOnceForItsExport() throws Exception {
        DriverInstance d = fixture11("device tick=1\n");
        CallStats stats = fixture11.stats();
        long frameEnds = stats.calls(Abi.Export.FRAME_END);
        long ticks = stats.calls(Abi.Export.TICK);
        long frames = stats.calls(Abi.Export.ON_FRAME);
        long polls = stats.calls(Abi.Export.POLL);
        for (int i = 0; i < 20; i++) {
            d.frameEnd(0, b(0xBB, i), 0, 2);
            d.onFrame(0, 2, NOW, (p, n, v, q, t, f) -> {});
            d.tick(0, NOW);
        }
        d.poll(0, NOW);
        // Calls reach the stats in batches; all of them once the instance closes.
        d.close();
        assertThat(stats.calls(Abi.Export.FRAME_END) - frameEnds).isEqualTo(20);
        assertThat(stats.calls(Abi.Export.ON_FRAME) - frames).isEqualTo(20);
        assertThat(stats.calls(Abi.Export.TICK) - ticks).isEqualTo(20);
        assertThat(stats.calls(Abi.Export.POLL) - polls).isEqualTo(1);
    }

    @Test
    void aClosedInstanceIsDeadAndMakesNoCall() throws Exception {
        DriverInstance d = fixture11("device\n");
        long polls = fixture11.stats().calls(Abi.Export.POLL);
        d.close();
        assertThat(d.dead()).isTrue();
        assertThat(d.death()).isEqualTo("closed by the host");
        assertThatThrownBy(() -> d.poll(0, NOW))
                .isInstanceOf(DriverTrapped.class)
                .hasMessageEndingWith("instance is dead since closed by the host");
        assertThat(fixture11.stats().calls(Abi.Export.POLL)).isEqualTo(polls);
    }

    @Test
    void closingATrappedInstanceKeepsWhyItDied() throws Exception {
        DriverInstance d = hostile(Fault.FRAME_LEN_OVER_GIVEN);
        byte[] frame = Fixtures.frame(1);
        assertThatThrownBy(() -> d.frameLen(0, frame, 0, frame.length))
                .isInstanceOf(DriverTrapped.class);
        String why = d.death();
        assertThat(why)
                .isEqualTo("weir_frame_len returned frame length 11, more than the 10 bytes given");
        d.close();
        assertThat(d.death()).isEqualTo(why);
    }

    @Test
    void theInstanceShowsItsLayoutMemoryAndVersion() throws Exception {
        DriverInstance d = fixture11("device\n");
        assertThat(d.agreedMinor()).isEqualTo(Abi.MINOR_1_1);
        assertThat(d.layout().rxCap()).isEqualTo(1024);
        assertThat(d.rxCapacity()).isEqualTo(1024);
        assertThat(d.memoryPages()).isEqualTo(2);
        assertThat(d.instantiateNanos()).isPositive();
        assertThat(d.supports(Abi.Export.FRAME_END)).isTrue();
        assertThat(d.supports(Abi.Export.GC)).isFalse();
        assertThat(d.dead()).isFalse();
        assertThat(d.death()).isNull();
        d.write(0, 0, ValueType.I64, 5, NOW);
    }

    @Test
    void theSinkFormsReturnHowManyRecordsTheyHandedOn() throws Exception {
        DriverInstance d = fixture11("device tick=1\n");
        List<DriverRecord> seen = new ArrayList<>();
        assertThat(
                        d.tick(
                                0,
                                NOW,
                                (p, n, v, q, t, f) -> seen.add(new DriverRecord(p, n, v, q, t, f))))
                .isEqualTo(1);
        assertThat(seen).hasSize(1);
        DriverInstance h = hostile(Fault.SILENT_DEVICE);
        Fixtures.request(h, 0, NOW);
        seen.clear();
        assertThat(
                        h.onTimeout(
                                0,
                                NOW,
                                (p, n, v, q, t, f) -> seen.add(new DriverRecord(p, n, v, q, t, f))))
                .isEqualTo(1)
                .isEqualTo(seen.size());
    }

    @Test
    void aTrapIsCountedAndItsStopTimeKeptOnceForTheDriverVersion() throws Exception {
        DriverModule fresh =
                DriverModule.load(
                        new ChicoryEngine(),
                        "hostile.wasm",
                        Hostile.wasm(),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000),
                        Watchdog.shared());
        DriverInstance d = fresh.instantiate("t");
        d.open(0, Hostile.config(Fault.UNREACHABLE, 0), NOW);
        CallStats stats = fresh.stats();
        Fixtures.request(d, 0, NOW);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> d.onFrame(0, Fixtures.frame(1), 0, 10, NOW))
                .isInstanceOf(DriverTrapped.class);
        long wallMicros = (System.nanoTime() - t0) / 1000;
        assertThat(stats.traps()).isEqualTo(1);
        // Roomy budgets: the call had the open budget, so its stop time is a cold one.
        assertThat(stats.stopMicros(false).getTotalCount()).isEqualTo(1);
        assertThat(stats.stopMicros(true).getTotalCount()).isZero();
        // The stop time is the call's own: never more than the time measured around it (the
        // histogram keeps two significant digits).
        assertThat(stats.stopMicros(false).getMaxValue())
                .isLessThanOrEqualTo(wallMicros * 101 / 100 + 1);
    }

    @Test
    void theFirstCallOfAnExportIsTimedForTheStatistics() throws Exception {
        DriverModule fresh =
                DriverModule.load(
                        new ChicoryEngine(),
                        "fixture11",
                        Fixtures.wasm("fixture11"),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000),
                        Watchdog.shared());
        DriverInstance d = fresh.instantiate("t");
        d.open(0, "device tick=1\n", NOW);
        assertThat(fresh.stats().nanos(Abi.Export.TICK)).isZero();
        d.tick(0, NOW);
        // One call in 16 is timed, the first among them, and counts for 16.
        assertThat(fresh.stats().nanos(Abi.Export.TICK)).isPositive();
        assertThat(fresh.stats().calls(Abi.Export.TICK)).isEqualTo(1);
    }
}
