package io.weir.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.Abi;
import io.weir.abi.Quality;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.Fixtures;
import io.weir.host.driver.Hostile;
import io.weir.host.driver.Hostile.Fault;
import io.weir.host.io.FakeLink;
import io.weir.host.io.FakeTransport;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.Session;
import io.weir.host.poll.SessionState;
import io.weir.host.poll.SessionStatus;
import io.weir.host.poll.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fault of {@code hostile.wat} in a running gateway: a {@link Kernel} with the fake transport
 * (the fake device answers each request as a device would), a healthy fixture device polled every
 * 200 ms throughout, and for each fault a fresh hostile driver version with one device polled every
 * 50 ms. Each test shows that the gateway survives (the kernel still answers, the hostile device
 * ends as ABI §9 says), that its status says what happened in one line, and that the healthy device
 * missed no cycle while it happened.
 *
 * <p>The budgets are the ABI's call budget and an open budget of 250 ms (so that a loop in a cold
 * call costs a quarter of a second, not a second); the kernel has the default two workers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileDriversTest {
    private static final long OPEN_BUDGET_MS = 250;
    private static final Duration HEALTHY_INTERVAL = Duration.ofMillis(200);
    private static final Duration HOSTILE_INTERVAL = Duration.ofMillis(50);

    private final FakeTransport tcp = new FakeTransport();
    private final List<Point> healthyPoints = new ArrayList<>();
    private final AtomicInteger devices = new AtomicInteger();
    private Kernel kernel;
    private Session healthy;

    @BeforeAll
    void startTheGateway() throws Exception {
        kernel =
                new Kernel(
                        batch -> {
                            synchronized (healthyPoints) {
                                for (Point p : batch) {
                                    if (p.device().equals("healthy")) {
                                        healthyPoints.add(p);
                                    }
                                }
                            }
                        },
                        new Kernel.Options(
                                2,
                                // The crash-loop breaker backs off from 50 ms, not 1 s: each
                                // fault reaches quarantine in well under a second of waits
                                // (the breaker itself is SessionV11Test's).
                                new DriverLimits(
                                                Abi.MEMORY_CAP_PAGES,
                                                Abi.CALL_BUDGET_MS,
                                                OPEN_BUDGET_MS)
                                        .withRestartBackoff(50, 200),
                                1),
                        tcp);
        kernel.loadDriver("fixture.wasm", Fixtures.wasm("fixture"));
        healthy =
                kernel.addDevice(
                        DeviceSpec.of(
                                "healthy",
                                "tcp://healthy:1",
                                "fixture",
                                "device\npoint 0 k=v\n",
                                List.of("value"),
                                HEALTHY_INTERVAL));
        kernel.start();
        FakeLink link = tcp.link("tcp://healthy:1");
        link.answerWith(request -> Fixtures.frame(42));
        link.up();
        await(() -> healthy.status().cycles() >= 2, 5000);
    }

    @AfterAll
    void stopTheGateway() {
        kernel.close();
    }

    /** A fault, what the hostile device's fake device does, and what the test expects. */
    record Scenario(Fault fault, int after, boolean deviceAnswers, Expect expect, String said) {
        @Override
        public String toString() {
            return fault.label();
        }
    }

    enum Expect {
        /** The driver version is quarantined after its traps (ABI §9). */
        QUARANTINED,
        /** The device goes on; the driver refused frames (a protocol error, not a trap). */
        PROTOCOL_ERROR,
        /** Nothing the host must stop: the device goes on with no trap. */
        RUNS
    }

    static Stream<Arguments> scenarios() {
        String timedOut = " ran past its budget of ";
        return Stream.of(
                        q(Fault.LOOP_OPEN, "weir_open" + timedOut + OPEN_BUDGET_MS + " ms"),
                        q(Fault.LOOP_POLL, "weir_poll" + timedOut),
                        q(Fault.LOOP_FRAME_LEN, "weir_frame_len" + timedOut),
                        q(Fault.LOOP_ON_FRAME, "weir_on_frame" + timedOut),
                        new Scenario(
                                Fault.LOOP_ON_TIMEOUT,
                                0,
                                false,
                                Expect.QUARANTINED,
                                "weir_on_timeout" + timedOut),
                        q(Fault.LOOP_LAST_ERROR, "weir_last_error" + timedOut),
                        q(Fault.LOOP_SAVE_STATE, "weir_save_state" + timedOut + OPEN_BUDGET_MS),
                        new Scenario(
                                Fault.LOOP_LOAD_STATE,
                                2,
                                true,
                                Expect.QUARANTINED,
                                "weir_load_state" + timedOut + OPEN_BUDGET_MS),
                        q(Fault.LOOP_GC, "weir_gc" + timedOut),
                        q(Fault.GROW_MEMORY, "weir_on_frame" + timedOut),
                        q(Fault.RECURSION, "weir_on_frame trapped: call stack exhausted"),
                        q(Fault.UNREACHABLE, "weir_on_frame trapped: Trapped on unreachable"),
                        q(Fault.TX_OVER_CAP, "weir_poll returned length 4097, beyond tx capacity"),
                        q(
                                Fault.FRAME_LEN_OVER_GIVEN,
                                "weir_frame_len returned frame length 11, more than the 10 bytes"
                                        + " given"),
                        q(Fault.SKIP_ZERO, "weir_frame_len asked to skip 0 bytes of 10"),
                        q(Fault.SKIP_OVER_GIVEN, "weir_frame_len asked to skip 11 bytes of 10"),
                        q(Fault.EXPECT_TWO, "weir_poll wrote meta.expect = 2, not 0 or 1"),
                        q(Fault.TIMEOUT_NEGATIVE, "weir_poll wrote a negative meta.timeout_ms -1"),
                        q(Fault.RECORDS_OVER_CAP, "returned 4097 records, more than the 4096"),
                        q(Fault.RECORDS_OVER_OUT, "returned 5001 records; out holds 5000"),
                        q(Fault.BLOB_OVER_CAP, "meta.blob_used = 1048577, more than the 1048576"),
                        q(Fault.BLOB_NEGATIVE, "meta.blob_used = -1, beyond blob capacity"),
                        q(Fault.ERR_OVER_CAP, "weir_last_error returned length 4097"),
                        q(Fault.STATE_OVER_CAP, "weir_save_state returned length 4097"),
                        q(Fault.GARBAGE_RECORDS, "weir_on_frame record "),
                        q(
                                Fault.CONTROL_PANIC,
                                "weir_on_frame panicked: " + Hostile.CONTROL_TEXT_ESCAPED),
                        q(Fault.POINT_U32_MAX, "point index 4294967295 is out of range"),
                        q(Fault.NAME_OUTSIDE_BLOB, "record name at blob offset 5000 lies beyond"),
                        q(Fault.STR_NOT_UTF8, "is not valid UTF-8"),
                        new Scenario(
                                Fault.UNKNOWN_ERROR_CODE,
                                0,
                                true,
                                Expect.PROTOCOL_ERROR,
                                "weir_on_frame returned E_INTERNAL (unknown code -12345)"),
                        new Scenario(
                                Fault.CONTROL_ERROR,
                                0,
                                true,
                                Expect.PROTOCOL_ERROR,
                                "weir_on_frame returned E_PROTO: " + Hostile.CONTROL_TEXT_ESCAPED),
                        new Scenario(
                                Fault.ERR_AT_CAP,
                                0,
                                true,
                                Expect.PROTOCOL_ERROR,
                                "e".repeat(1024) + "… (truncated from 4096 bytes)"),
                        runs(Fault.TX_AT_CAP),
                        runs(Fault.FRAME_LEN_AT_GIVEN),
                        runs(Fault.RECORDS_AT_CAP),
                        runs(Fault.BLOB_AT_CAP),
                        runs(Fault.NEED_NEGATIVE),
                        runs(Fault.CONTROL_LOG),
                        runs(Fault.CONTROL_NAME),
                        runs(Fault.LOG_FLOOD),
                        // Its memory.grow is refused past the growth per call (and at the cap);
                        // it copes, so nothing is stopped (ABI §9).
                        runs(Fault.GROW_UNTIL_REFUSED),
                        // hostile agrees on ABI 1.1: the session calls weir_link_up at every
                        // connect and weir_tick at every tick.
                        q(Fault.LOOP_LINK_UP, "weir_link_up" + timedOut),
                        q(Fault.LOOP_TICK, "weir_tick" + timedOut),
                        // Replay's call, and weir_frame_end, which only serial links make.
                        runs(Fault.LOOP_OBSERVE),
                        runs(Fault.LOOP_FRAME_END),
                        new Scenario(
                                Fault.SILENT_DEVICE,
                                0,
                                false,
                                Expect.RUNS,
                                "no response within 200 ms"))
                .map(Arguments::of);
    }

    private static Scenario q(Fault fault, String said) {
        return new Scenario(fault, 0, true, Expect.QUARANTINED, said);
    }

    private static Scenario runs(Fault fault) {
        return new Scenario(fault, 0, true, Expect.RUNS, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void theGatewaySurvivesEveryFaultAndTheHealthyDeviceMissesNoCycle(Scenario s) throws Exception {
        SessionStatus before = healthy.status();
        Session bad = hostileDevice(s.fault(), s.after(), s.deviceAnswers());
        try {
            watch(s, bad);
        } finally {
            // Devices that go on polling would load the workers for the tests after this one.
            bad.stop();
        }
        // The gateway still answers, and the healthy device kept its schedule.
        assertThat(kernel.status()).isNotEmpty();
        assertHealthyMissedNothingSince(before);
    }

    private void watch(Scenario s, Session bad) throws InterruptedException {
        switch (s.expect()) {
            case QUARANTINED -> await(() -> bad.state() == SessionState.QUARANTINED, 10_000);
            case PROTOCOL_ERROR -> await(() -> bad.status().protocolErrors() >= 2, 5_000);
            case RUNS -> await(() -> bad.status().cycles() >= 4, 5_000);
        }
        SessionStatus st = bad.status();
        System.out.printf(
                "%-22s %-12s traps=%d: %s%n",
                s.fault().label(), st.state(), st.traps(), st.lastError());
        switch (s.expect()) {
            case QUARANTINED -> {
                assertThat(st.traps()).isGreaterThanOrEqualTo(Abi.QUARANTINE_TRAPS);
                assertThat(st.lastError()).contains(s.said());
            }
            case PROTOCOL_ERROR -> {
                assertThat(st.traps()).isZero();
                assertThat(st.state()).isEqualTo(SessionState.RUNNING);
                assertThat(st.lastError()).contains(s.said());
            }
            case RUNS -> {
                assertThat(st.traps()).isZero();
                assertThat(st.state()).isEqualTo(SessionState.RUNNING);
                if (s.said() != null) {
                    assertThat(st.lastError()).contains(s.said());
                }
            }
        }
        if (st.lastError() != null) {
            assertThat(st.lastError()).doesNotContain("\n").doesNotContain("\r");
        }
    }

    @Test
    void aLoopInWeirCloseIsInterruptedWhenTheDeviceStops() throws Exception {
        SessionStatus before = healthy.status();
        Session bad = hostileDevice(Fault.LOOP_CLOSE, 0, true);
        await(() -> bad.status().cycles() >= 2, 5_000);
        long t0 = System.nanoTime();
        bad.stop();
        bad.stopped().get(OPEN_BUDGET_MS + 2_000, TimeUnit.MILLISECONDS);
        System.out.printf(
                "loop in weir_close: the device stopped %.0f ms after stop() (open budget %d"
                        + " ms)%n",
                (System.nanoTime() - t0) / 1e6, OPEN_BUDGET_MS);
        assertThat(bad.state()).isEqualTo(SessionState.STOPPED);
        // Session.stop() drops the trap of weir_close without a log line or a count: noted for
        // the session's owner; here the point is that the stop ends.
        assertHealthyMissedNothingSince(before);
    }

    @Test
    void aLoopInWeirWriteAndAnEmptyWriteAnswerTheWriteAndEndTheInstance() throws Exception {
        SessionStatus before = healthy.status();
        for (Fault f : List.of(Fault.LOOP_WRITE, Fault.EMPTY_WRITE)) {
            Session bad = hostileDevice(f, 0, true);
            await(() -> bad.status().cycles() >= 1, 5_000);
            WriteResult r =
                    kernel.write(bad.spec().name(), "p0", Value.i64(1)).get(5, TimeUnit.SECONDS);
            System.out.printf("%-22s write: %s %s%n", f.label(), r.outcome(), r.detail());
            await(() -> bad.status().traps() == 1, 5_000);
            bad.stop();
            assertThat(r.outcome()).isEqualTo(WriteResult.Outcome.UNAVAILABLE);
            assertThat(r.detail())
                    .startsWith("driver trapped: ")
                    .contains(
                            f == Fault.LOOP_WRITE
                                    ? "weir_write ran past its budget"
                                    : "weir_write returned an empty request");
        }
        assertHealthyMissedNothingSince(before);
    }

    /** Every module of {@code HostileModuleTest} that must not load, and the runaway ones. */
    static Stream<String> refusedAtLoad() {
        return Stream.of(
                "import-env",
                "import-unknown",
                "import-global",
                "import-memory",
                "import-table",
                "import-log-signature",
                "export-poll-signature",
                "export-layout-i64",
                "export-open-global",
                "memory-none",
                "memory-unexported",
                "memory-shared",
                "memory-two",
                "memory-max-1025",
                "memory-max-65536",
                "simd-instruction",
                "simd-local",
                "simd-global",
                "simd-param",
                "table-huge",
                "table-grows",
                "start-log",
                "start-panic",
                "start-trap",
                "start-recursion",
                "describe-over-blob",
                "layout-outside-memory",
                "layout-negative",
                "layout-region-outside",
                "start-loop",
                "loop-abi-version",
                "loop-layout",
                "loop-describe");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedAtLoad")
    void aModuleThatMisbehavesAtLoadIsRefusedWhileTheHealthyDeviceRuns(String fixture)
            throws Exception {
        SessionStatus before = healthy.status();
        int loaded = kernel.drivers().size();
        long t0 = System.nanoTime();
        Throwable refused = null;
        try {
            kernel.loadDriver(fixture + ".wasm", Fixtures.wasm(fixture));
        } catch (io.weir.host.driver.DriverRefused e) {
            refused = e;
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        assertThat(refused).as("%s was refused", fixture).isNotNull();
        System.out.printf("%-22s refused after %6.1f ms: %s%n", fixture, ms, refused.getMessage());
        assertThat(refused.getMessage())
                .startsWith("driver \"" + fixture + ".wasm\"")
                .doesNotContain("\n");
        assertThat(kernel.drivers()).hasSize(loaded);
        // A healthy cycle or two after the load, to see one that the load made late.
        long cycles = healthy.status().cycles();
        await(() -> healthy.status().cycles() > cycles, 5_000);
        assertHealthyMissedNothingSince(before);
    }

    private void assertHealthyMissedNothingSince(SessionStatus before) {
        SessionStatus after = healthy.status();
        assertThat(after.missed() - before.missed()).as("healthy device's missed cycles").isZero();
        assertThat(after.traps()).isZero();
        assertThat(after.timeouts()).isZero();
        assertThat(after.cycles()).isGreaterThan(before.cycles());
        synchronized (healthyPoints) {
            Point last = healthyPoints.get(healthyPoints.size() - 1);
            assertThat(last.quality()).isEqualTo(Quality.GOOD.code());
            assertThat(last.value()).isEqualTo(Value.i64(42));
        }
    }

    /** A fresh version of the hostile driver (its own trap count) and one device on it. */
    private Session hostileDevice(Fault fault, int after, boolean answers) throws Exception {
        kernel.loadDriver("hostile.wasm", Hostile.wasm());
        String name = "bad-" + devices.incrementAndGet() + "-" + fault.label();
        String address = "tcp://" + name + ":1";
        Session s =
                kernel.addDevice(
                        DeviceSpec.of(
                                name,
                                address,
                                "hostile",
                                Hostile.config(fault, after),
                                List.of("p0"),
                                HOSTILE_INTERVAL));
        FakeLink link = tcp.link(address);
        Function<byte[], byte[]> device = request -> answers ? Fixtures.frame(7) : null;
        link.answerWith(device);
        // A driver's new instance gets a fresh connection (ABI §7.9): the device accepts it.
        link.redials();
        link.up();
        return s;
    }

    private static void await(java.util.function.BooleanSupplier condition, long maxMillis)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + maxMillis + " ms");
            }
            Thread.sleep(10);
        }
    }
}
