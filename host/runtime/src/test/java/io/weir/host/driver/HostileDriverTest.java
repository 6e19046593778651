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
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every misbehaviour of {@code hostile.wat} at the level of one instance: the call ends, the host
 * has control again within the call's budget, the instance is dead or alive as ABI §9 says, and the
 * exception says what happened in one line. The module is warmed first (its cold-start grace
 * spent), so data-plane calls have the call budget; the open budget is 200 ms here to keep the
 * loops in open, close and the state calls short.
 */
class HostileDriverTest {
    private static final long NOW = 1_700_000_000_000_000L;
    private static final long OPEN_BUDGET_MS = 200;
    private static DriverModule module;

    /**
     * The same driver with budgets no healthy call can exceed even on a loaded machine, for the
     * tests whose calls must succeed: what they check is not time.
     */
    private static DriverModule roomy;

    private static final List<String> logLines = new ArrayList<>();
    private static final Logger logger = Logger.getLogger("io.weir.driver");
    private static final Handler handler =
            new Handler() {
                @Override
                public synchronized void publish(LogRecord r) {
                    Object[] p = r.getParameters();
                    logLines.add(p == null ? r.getMessage() : String.valueOf(p[p.length - 1]));
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };

    @BeforeAll
    static void loadAndWarm() throws Exception {
        logger.addHandler(handler);
        logger.setLevel(Level.ALL);
        module =
                DriverModule.load(
                        new ChicoryEngine(),
                        "hostile.wasm",
                        Hostile.wasm(),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, Abi.CALL_BUDGET_MS, OPEN_BUDGET_MS),
                        Watchdog.shared());
        roomy =
                DriverModule.load(
                        new ChicoryEngine(),
                        "hostile.wasm",
                        Hostile.wasm(),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000),
                        Watchdog.shared());
        warmUp(module);
    }

    /** Spends the cold-start grace of every data-plane export of {@code m} (ABI §9). */
    private static void warmUp(DriverModule m) throws DriverException {
        DriverInstance d = m.instantiate("warm-up");
        d.open(0, "device\npoint 0 k=v\n", NOW);
        for (int i = 0; i < Abi.COLD_START_CALLS; i++) {
            Fixtures.request(d, 0, NOW);
            byte[] f = Fixtures.frame(i);
            assertThat(d.frameLen(0, f, 0, f.length)).isEqualTo(FrameLength.complete(10));
            assertThat(d.onFrame(0, 10, NOW, (p, n, v, q, t, fl) -> {})).isEqualTo(1);
            Fixtures.request(d, 0, NOW);
            assertThat(d.onTimeout(0, NOW)).hasSize(1);
            d.write(0, 0, ValueType.I64, 5, NOW);
            d.onTimeout(0, NOW);
            assertThat(d.lastError(0)).isEqualTo("hostile: frame refused");
            d.observe(0, new byte[] {1});
            d.onTimeout(0, NOW);
            d.gc();
        }
        assertThat(d.dead()).isFalse();
    }

    @AfterAll
    static void release() {
        logger.removeHandler(handler);
    }

    /**
     * An instance of the warm module (call budget 50 ms) with {@code fault} armed: for calls that
     * run away, to see them stopped at the budget.
     */
    private static DriverInstance warm(Fault fault) throws DriverException {
        DriverInstance d = module.instantiate(fault.label());
        d.open(0, Hostile.config(fault, 0), NOW);
        return d;
    }

    /**
     * An instance of the roomy module with {@code fault} armed: for calls that return, whose result
     * or violation is checked whatever the machine's load.
     */
    private static DriverInstance opened(Fault fault) throws DriverException {
        DriverInstance d = roomy.instantiate(fault.label());
        d.open(0, Hostile.config(fault, 0), NOW);
        return d;
    }

    /** Runs {@code call}, expects it to end the instance, and returns the time it took. */
    private static <T extends DriverTrapped> T ends(
            DriverInstance d, Class<T> type, ThrowingCall call) {
        long t0 = System.nanoTime();
        Throwable thrown = null;
        try {
            call.run();
        } catch (Throwable t) {
            thrown = t;
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        assertThat(thrown).isInstanceOf(type);
        assertThat(thrown.getMessage()).doesNotContain("\n").doesNotContain("\r");
        assertThat(d.dead()).as("the instance is dead after a trap (ABI §9)").isTrue();
        assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag cleared").isFalse();
        System.out.printf("%7.1f ms  %s%n", ms, ((DriverTrapped) thrown).problem());
        return type.cast(thrown);
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }

    // ---- runaway calls -----------------------------------------------------------------------

    @Test
    void aLoopInEveryDataPlaneCallIsInterruptedAtTheCallBudget() throws Exception {
        DriverInstance poll = warm(Fault.LOOP_POLL);
        assertBudget(ends(poll, CallTimedOut.class, () -> poll.poll(0, NOW)), "weir_poll", 50);

        DriverInstance frameLen = warm(Fault.LOOP_FRAME_LEN);
        assertBudget(
                ends(frameLen, CallTimedOut.class, () -> frameLen.frameLen(0, new byte[2], 0, 2)),
                "weir_frame_len",
                50);

        DriverInstance onFrame = warm(Fault.LOOP_ON_FRAME);
        Fixtures.request(onFrame, 0, NOW);
        assertBudget(
                ends(
                        onFrame,
                        CallTimedOut.class,
                        () -> onFrame.onFrame(0, Fixtures.frame(1), 0, 10, NOW)),
                "weir_on_frame",
                50);

        DriverInstance onTimeout = warm(Fault.LOOP_ON_TIMEOUT);
        Fixtures.request(onTimeout, 0, NOW);
        assertBudget(
                ends(onTimeout, CallTimedOut.class, () -> onTimeout.onTimeout(0, NOW)),
                "weir_on_timeout",
                50);

        DriverInstance write = warm(Fault.LOOP_WRITE);
        assertBudget(
                ends(write, CallTimedOut.class, () -> write.write(0, 0, ValueType.I64, 1, NOW)),
                "weir_write",
                50);

        DriverInstance observe = warm(Fault.LOOP_OBSERVE);
        assertBudget(
                ends(observe, CallTimedOut.class, () -> observe.observe(0, new byte[] {1})),
                "weir_observe",
                50);

        DriverInstance gc = warm(Fault.LOOP_GC);
        assertBudget(ends(gc, CallTimedOut.class, gc::gc), "weir_gc", 50);
    }

    @Test
    void aLoopInWeirLastErrorEndsTheCallThatAskedForIt() throws Exception {
        DriverInstance d = warm(Fault.LOOP_LAST_ERROR);
        Fixtures.request(d, 0, NOW);
        // weir_on_frame refuses the frame; the host asks weir_last_error why, which loops.
        CallTimedOut e =
                ends(d, CallTimedOut.class, () -> d.onFrame(0, Fixtures.frame(1), 0, 10, NOW));
        assertBudget(e, "weir_last_error", 50);
    }

    @Test
    void aLoopInAnOpeningOrStateCallIsInterruptedAtTheOpenBudget() throws Exception {
        DriverInstance open = module.instantiate("loop-open");
        assertBudget(
                ends(
                        open,
                        CallTimedOut.class,
                        () -> open.open(0, Hostile.config(Fault.LOOP_OPEN, 0), NOW)),
                "weir_open",
                OPEN_BUDGET_MS);

        DriverInstance close = warm(Fault.LOOP_CLOSE);
        assertBudget(
                ends(close, CallTimedOut.class, () -> close.close(0)),
                "weir_close",
                OPEN_BUDGET_MS);

        DriverInstance save = warm(Fault.LOOP_SAVE_STATE);
        assertBudget(
                ends(save, CallTimedOut.class, () -> save.saveState(0)),
                "weir_save_state",
                OPEN_BUDGET_MS);

        DriverInstance load = warm(Fault.LOOP_LOAD_STATE);
        byte[] state = {1, 0, 0, 0, 0, 0, 0, 0};
        assertBudget(
                ends(load, CallTimedOut.class, () -> load.loadState(0, state)),
                "weir_load_state",
                OPEN_BUDGET_MS);
    }

    private static void assertBudget(CallTimedOut e, String export, long budgetMs) {
        assertThat(e.budgetMs()).isEqualTo(budgetMs);
        assertThat(e.problem())
                .isEqualTo(
                        export + " ran past its budget of " + budgetMs + " ms and was interrupted");
    }

    @Test
    void unboundedMemoryGrowthIsRefusedPastTheGrowthPerCallAndTheLoopStoppedAtTheBudget()
            throws Exception {
        DriverInstance d = warm(Fault.GROW_MEMORY);
        int before = d.memoryPages();
        Fixtures.request(d, 0, NOW);
        CallTimedOut e =
                ends(d, CallTimedOut.class, () -> d.onFrame(0, Fixtures.frame(1), 0, 10, NOW));
        // ABI §9 (1.1): a warm call grows 64 pages at most, whatever the machine's speed; the
        // memory.grow after them fails (-1) and the loop that keeps asking runs into its budget.
        assertThat(d.memoryPages())
                .isEqualTo(before + DriverLimits.DEFAULT_MAX_GROW_PAGES_PER_CALL)
                .isLessThan(Abi.MEMORY_CAP_PAGES);
        assertThat(e.problem())
                .isEqualTo(
                        "weir_on_frame ran past its budget of 50 ms and was interrupted (the host"
                                + " refused its memory.grow of 1 page: a call after the cold-start"
                                + " grace may grow memory by 64 pages in all, ABI §9)");
        assertThat(e.getMessage()).endsWith(e.problem());
        // Calls with the open budget (here every call: budgets alike) grow up to the cap, and
        // memory.grow fails from there on (no declared maximum: the cap is the maximum, ABI §9).
        DriverModule patient =
                DriverModule.load(
                        new ChicoryEngine(),
                        "hostile.wasm",
                        Hostile.wasm(),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 2000, 2000),
                        Watchdog.shared());
        DriverInstance grower = patient.instantiate("grow");
        grower.open(0, Hostile.config(Fault.GROW_MEMORY, 0), NOW);
        Fixtures.request(grower, 0, NOW);
        ends(grower, CallTimedOut.class, () -> grower.onFrame(0, Fixtures.frame(1), 0, 10, NOW));
        assertThat(grower.memoryPages()).isEqualTo(Abi.MEMORY_CAP_PAGES);
    }

    @Test
    void aDriverThatCopesWithARefusedGrowthGoesOnAndEachCallHasItsOwnAllowance() throws Exception {
        DriverInstance d = warm(Fault.GROW_UNTIL_REFUSED);
        int pages = d.memoryPages();
        int perCall = DriverLimits.DEFAULT_MAX_GROW_PAGES_PER_CALL;
        // 16 pages at a time: four grows fit the 64 pages of a call, the fifth is refused and
        // the driver decodes the frame anyway. No trap, and the next call may grow again.
        for (int call = 0; call < 3; call++) {
            Fixtures.request(d, 0, NOW);
            assertThat(d.onFrame(0, Fixtures.frame(7), 0, 10, NOW))
                    .containsExactly(new DriverRecord(0, null, Value.i64(7), 0, NOW));
            pages += perCall;
            assertThat(d.memoryPages()).isEqualTo(pages);
        }
        // The cap still holds: the fourth call gets 32 of its 64 pages (20 + 3 × 64 + 32 = 244),
        // then the cap refuses 16 more.
        Fixtures.request(d, 0, NOW);
        assertThat(d.onFrame(0, Fixtures.frame(7), 0, 10, NOW)).hasSize(1);
        assertThat(d.memoryPages()).isEqualTo(244);
        assertThat(d.dead()).isFalse();
    }

    @Test
    void theGrowthPerCallIsTheHostsToSet() throws Exception {
        DriverModule tight =
                DriverModule.load(
                        new ChicoryEngine(),
                        "hostile.wasm",
                        Hostile.wasm(),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, Abi.CALL_BUDGET_MS, OPEN_BUDGET_MS)
                                .withGrowthPerCall(40),
                        Watchdog.shared());
        warmUp(tight);
        DriverInstance d = tight.instantiate("tight");
        d.open(0, Hostile.config(Fault.GROW_UNTIL_REFUSED, 0), NOW);
        int before = d.memoryPages();
        Fixtures.request(d, 0, NOW);
        assertThat(d.onFrame(0, Fixtures.frame(7), 0, 10, NOW)).hasSize(1);
        // Two grows of 16 fit 40 pages, the third would not.
        assertThat(d.memoryPages()).isEqualTo(before + 32);
    }

    @Test
    void inTheColdStartGraceACallGrowsUpToTheCap() throws Exception {
        // A fresh version of the driver: its first weir_on_frame has the open budget (ABI §9),
        // like a healthy driver's first calls, which build their heap.
        DriverModule cold =
                DriverModule.load(
                        new ChicoryEngine(),
                        "hostile.wasm",
                        Hostile.wasm(),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, Abi.CALL_BUDGET_MS, OPEN_BUDGET_MS),
                        Watchdog.shared());
        DriverInstance d = cold.instantiate("cold");
        d.open(0, Hostile.config(Fault.GROW_UNTIL_REFUSED, 0), NOW);
        Fixtures.request(d, 0, NOW);
        assertThat(d.onFrame(0, Fixtures.frame(7), 0, 10, NOW)).hasSize(1);
        // 20 + 14 × 16 = 244; 16 more would pass the cap of 256.
        assertThat(d.memoryPages()).isEqualTo(244);
    }

    @Test
    void deepRecursionAndUnreachableAreTraps() throws Exception {
        DriverInstance deep = opened(Fault.RECURSION);
        Fixtures.request(deep, 0, NOW);
        assertThat(
                        ends(
                                        deep,
                                        DriverTrapped.class,
                                        () -> deep.onFrame(0, Fixtures.frame(1), 0, 10, NOW))
                                .problem())
                .isEqualTo("weir_on_frame trapped: call stack exhausted");

        DriverInstance unreachable = opened(Fault.UNREACHABLE);
        Fixtures.request(unreachable, 0, NOW);
        assertThat(
                        ends(
                                        unreachable,
                                        DriverTrapped.class,
                                        () -> unreachable.onFrame(0, Fixtures.frame(1), 0, 10, NOW))
                                .problem())
                .isEqualTo("weir_on_frame trapped: Trapped on unreachable instruction");
    }

    // ---- lengths, counts and meta fields at and past their limits -----------------------------

    @Test
    void aRequestOfExactlyTxCapacityIsTakenAndOneMoreIsAViolation() throws Exception {
        DriverInstance atCap = opened(Fault.TX_AT_CAP);
        assertThat(atCap.poll(0, NOW).bytes()).hasSize(4096);
        assertThat(atCap.dead()).isFalse();

        DriverInstance over = opened(Fault.TX_OVER_CAP);
        assertViolation(
                ends(over, DriverTrapped.class, () -> over.poll(0, NOW)),
                "weir_poll returned length 4097, beyond tx capacity 4096");
    }

    @Test
    void aFrameLengthOfTheBytesGivenIsTakenAndOneMoreIsAViolation() throws Exception {
        byte[] bytes = new byte[12];
        System.arraycopy(Fixtures.frame(7), 0, bytes, 0, 10);
        DriverInstance atGiven = opened(Fault.FRAME_LEN_AT_GIVEN);
        assertThat(atGiven.frameLen(0, bytes, 0, 12)).isEqualTo(FrameLength.complete(12));

        DriverInstance over = opened(Fault.FRAME_LEN_OVER_GIVEN);
        assertViolation(
                ends(over, DriverTrapped.class, () -> over.frameLen(0, bytes, 0, 12)),
                "weir_frame_len returned frame length 13, more than the 12 bytes given");
    }

    @Test
    void aResyncMustSkipBetweenOneAndTheBytesGiven() throws Exception {
        DriverInstance zero = opened(Fault.SKIP_ZERO);
        assertViolation(
                ends(zero, DriverTrapped.class, () -> zero.frameLen(0, new byte[12], 0, 12)),
                "weir_frame_len asked to skip 0 bytes of 12 (must be 1..12)");
        DriverInstance over = opened(Fault.SKIP_OVER_GIVEN);
        assertViolation(
                ends(over, DriverTrapped.class, () -> over.frameLen(0, new byte[12], 0, 12)),
                "weir_frame_len asked to skip 13 bytes of 12 (must be 1..12)");
    }

    @Test
    void metaExpectAndTimeoutOutOfRangeAreViolations() throws Exception {
        DriverInstance expect = opened(Fault.EXPECT_TWO);
        assertViolation(
                ends(expect, DriverTrapped.class, () -> expect.poll(0, NOW)),
                "weir_poll wrote meta.expect = 2, not 0 or 1");
        DriverInstance negative = opened(Fault.TIMEOUT_NEGATIVE);
        assertViolation(
                ends(negative, DriverTrapped.class, () -> negative.poll(0, NOW)),
                "weir_poll wrote a negative meta.timeout_ms -1");
        // An absurd timeout is no violation: the session clamps it to 60 s (ABI §9).
        DriverInstance absurd = opened(Fault.TIMEOUT_ABSURD);
        assertThat(absurd.poll(0, NOW).timeoutMs()).isEqualTo(Integer.MAX_VALUE);
        assertThat(Abi.effectiveTimeoutMs(Integer.MAX_VALUE)).isEqualTo(Abi.MAX_TIMEOUT_MS);
    }

    @Test
    void recordsPerCallAreCappedAt4096AndAtTheOutRegion() throws Exception {
        DriverInstance atCap = opened(Fault.RECORDS_AT_CAP);
        Fixtures.request(atCap, 0, NOW);
        assertThat(atCap.onFrame(0, Fixtures.frame(1), 0, 10, NOW)).hasSize(4096);

        DriverInstance over = opened(Fault.RECORDS_OVER_CAP);
        Fixtures.request(over, 0, NOW);
        assertViolation(
                ends(
                        over,
                        DriverTrapped.class,
                        () -> over.onFrame(0, Fixtures.frame(1), 0, 10, NOW)),
                "weir_on_frame returned 4097 records, more than the 4096 one call may");

        DriverInstance out = opened(Fault.RECORDS_OVER_OUT);
        Fixtures.request(out, 0, NOW);
        assertViolation(
                ends(out, DriverTrapped.class, () -> out.onFrame(0, Fixtures.frame(1), 0, 10, NOW)),
                "weir_on_frame returned 5001 records; out holds 5000");
    }

    @Test
    void blobBytesPerCallAreCappedAtOneMebibyte() throws Exception {
        DriverInstance atCap = opened(Fault.BLOB_AT_CAP);
        Fixtures.request(atCap, 0, NOW);
        List<DriverRecord> r = atCap.onFrame(0, Fixtures.frame(1), 0, 10, NOW);
        assertThat(r).hasSize(1);
        assertThat(((Value.Str) r.get(0).value()).value()).hasSize(1024 * 1024);

        DriverInstance over = opened(Fault.BLOB_OVER_CAP);
        Fixtures.request(over, 0, NOW);
        assertViolation(
                ends(
                        over,
                        DriverTrapped.class,
                        () -> over.onFrame(0, Fixtures.frame(1), 0, 10, NOW)),
                "weir_on_frame wrote meta.blob_used = 1048577, more than the 1048576 blob bytes"
                        + " one call may use");

        DriverInstance negative = opened(Fault.BLOB_NEGATIVE);
        Fixtures.request(negative, 0, NOW);
        assertViolation(
                ends(
                        negative,
                        DriverTrapped.class,
                        () -> negative.onFrame(0, Fixtures.frame(1), 0, 10, NOW)),
                "weir_on_frame wrote meta.blob_used = -1, beyond blob capacity 1114112");
    }

    @Test
    void errorTextAndStateLengthsAreCheckedAndLongTextIsCut() throws Exception {
        DriverInstance over = opened(Fault.ERR_OVER_CAP);
        Fixtures.request(over, 0, NOW);
        assertViolation(
                ends(
                        over,
                        DriverTrapped.class,
                        () -> over.onFrame(0, Fixtures.frame(1), 0, 10, NOW)),
                "weir_last_error returned length 4097, beyond err capacity 4096");

        DriverInstance atCap = opened(Fault.ERR_AT_CAP);
        Fixtures.request(atCap, 0, NOW);
        assertThatThrownBy(() -> atCap.onFrame(0, Fixtures.frame(1), 0, 10, NOW))
                .isInstanceOfSatisfying(
                        DriverException.class,
                        e ->
                                assertThat(e.driverText())
                                        .isEqualTo(
                                                "e".repeat(1024)
                                                        + "… (truncated from 4096 bytes)"));
        assertThat(atCap.dead()).isFalse();

        DriverInstance state = opened(Fault.STATE_OVER_CAP);
        assertViolation(
                ends(state, DriverTrapped.class, () -> state.saveState(0)),
                "weir_save_state returned length 4097, beyond state capacity 4096");
    }

    @Test
    void recordFieldsOutOfRangeAreViolations() throws Exception {
        DriverInstance u32 = opened(Fault.POINT_U32_MAX);
        Fixtures.request(u32, 0, NOW);
        assertViolation(
                ends(u32, DriverTrapped.class, () -> u32.onFrame(0, Fixtures.frame(1), 0, 10, NOW)),
                "weir_on_frame record 0: point index 4294967295 is out of range");

        DriverInstance name = opened(Fault.NAME_OUTSIDE_BLOB);
        Fixtures.request(name, 0, NOW);
        assertViolation(
                ends(
                        name,
                        DriverTrapped.class,
                        () -> name.onFrame(0, Fixtures.frame(1), 0, 10, NOW)),
                "weir_on_frame record 0: record name at blob offset 5000 lies beyond blob_used"
                        + " 100");

        DriverInstance utf8 = opened(Fault.STR_NOT_UTF8);
        Fixtures.request(utf8, 0, NOW);
        assertViolation(
                ends(
                        utf8,
                        DriverTrapped.class,
                        () -> utf8.onFrame(0, Fixtures.frame(1), 0, 10, NOW)),
                "weir_on_frame record 0: string value at blob offset 0 is not valid UTF-8:"
                        + " fffe206e6f74205554462d38");

        DriverInstance empty = opened(Fault.EMPTY_WRITE);
        assertViolation(
                ends(empty, DriverTrapped.class, () -> empty.write(0, 0, ValueType.I64, 1, NOW)),
                "weir_write returned an empty request");
    }

    @Test
    void garbageInEveryRecordFieldIsDecodedOrRefusedNeverMore() throws Exception {
        DriverInstance d = opened(Fault.GARBAGE_RECORDS);
        Fixtures.request(d, 0, NOW);
        try {
            List<DriverRecord> records = d.onFrame(0, Fixtures.frame(1), 0, 10, NOW);
            assertThat(records).hasSize(64);
        } catch (DriverTrapped e) {
            assertThat(e.problem()).startsWith("weir_on_frame ").endsWith("(ABI §9)");
            assertThat(e.getMessage()).doesNotContain("\n");
            System.out.println("garbage records: " + e.problem());
        }
    }

    @Test
    void anUnknownNegativeCodeIsEInternalAndNoTrap() throws Exception {
        DriverInstance d = opened(Fault.UNKNOWN_ERROR_CODE);
        Fixtures.request(d, 0, NOW);
        assertThatThrownBy(() -> d.onFrame(0, Fixtures.frame(1), 0, 10, NOW))
                .isInstanceOfSatisfying(
                        DriverException.class,
                        e -> {
                            assertThat(e.error()).isEqualTo(AbiError.E_INTERNAL);
                            assertThat(e.code()).isEqualTo(-12345);
                            assertThat(e.getMessage())
                                    .isEqualTo(
                                            "weir_on_frame returned E_INTERNAL (unknown code"
                                                    + " -12345): hostile: frame refused");
                        });
        assertThat(d.dead()).isFalse();
    }

    @Test
    void aNegativeNeedIsReadAsUnknown() throws Exception {
        DriverInstance d = opened(Fault.NEED_NEGATIVE);
        assertThat(d.frameLen(0, Fixtures.frame(1, 2), 0, 5)).isEqualTo(FrameLength.needMore(0));
    }

    // ---- text from the driver ------------------------------------------------------------------

    @Test
    void controlCharactersInDriverTextAreEscapedButNamesStayData() throws Exception {
        DriverInstance log = opened(Fault.CONTROL_LOG);
        Fixtures.request(log, 0, NOW);
        synchronized (handler) {
            logLines.clear();
        }
        log.onFrame(0, Fixtures.frame(1), 0, 10, NOW);
        synchronized (handler) {
            assertThat(logLines).containsExactly(Hostile.CONTROL_TEXT_ESCAPED);
        }

        DriverInstance error = opened(Fault.CONTROL_ERROR);
        Fixtures.request(error, 0, NOW);
        assertThatThrownBy(() -> error.onFrame(0, Fixtures.frame(1), 0, 10, NOW))
                .isInstanceOfSatisfying(
                        DriverException.class,
                        e -> assertThat(e.driverText()).isEqualTo(Hostile.CONTROL_TEXT_ESCAPED));

        DriverInstance panic = opened(Fault.CONTROL_PANIC);
        Fixtures.request(panic, 0, NOW);
        DriverTrapped t =
                ends(
                        panic,
                        DriverTrapped.class,
                        () -> panic.onFrame(0, Fixtures.frame(1), 0, 10, NOW));
        assertThat(t.panicMessage()).isEqualTo(Hostile.CONTROL_TEXT_ESCAPED);
        assertThat(t.problem())
                .isEqualTo("weir_on_frame panicked: " + Hostile.CONTROL_TEXT_ESCAPED);

        // A point name is data: it reaches the points as the driver wrote it; printers escape.
        DriverInstance name = opened(Fault.CONTROL_NAME);
        Fixtures.request(name, 0, NOW);
        assertThat(name.onFrame(0, Fixtures.frame(1), 0, 10, NOW).get(0).name())
                .isEqualTo(Hostile.CONTROL_TEXT);
    }

    @Test
    void aLogFloodIsRateLimitedAndEndsInTime() throws Exception {
        DriverInstance d = opened(Fault.LOG_FLOOD);
        Fixtures.request(d, 0, NOW);
        synchronized (handler) {
            logLines.clear();
        }
        long t0 = System.nanoTime();
        assertThat(d.onFrame(0, Fixtures.frame(1), 0, 10, NOW)).hasSize(1);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("10000 log calls in one weir_on_frame took %.1f ms%n", seconds * 1e3);
        synchronized (handler) {
            // The burst of 20, the 5 per second that came back meanwhile, and the line that
            // counts the dropped ones.
            assertThat(logLines).hasSizeLessThanOrEqualTo(20 + (int) (seconds * 5) + 2);
        }
        assertThat(d.dead()).isFalse();
    }

    @Test
    void stopTimesOfTrappedCallsAreKeptPerModule() {
        // Every warm trap above is in the module's histogram, from call start to the host's
        // regaining control.
        var warm = module.stats().stopMicros(true);
        var cold = module.stats().stopMicros(false);
        System.out.printf(
                "warm traps: %d, max stop %.1f ms; cold traps: %d, max stop %.1f ms%n",
                warm.getTotalCount(),
                warm.getMaxValue() / 1e3,
                cold.getTotalCount(),
                cold.getMaxValue() / 1e3);
        assertThat(module.stats().traps()).isEqualTo(warm.getTotalCount() + cold.getTotalCount());
    }

    private static void assertViolation(DriverTrapped e, String problem) {
        assertThat(e).isNotInstanceOf(CallTimedOut.class);
        assertThat(e.problem()).isEqualTo(problem + " (ABI §9)");
    }
}
