package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.Abi;
import io.weir.abi.CanFrame;
import io.weir.abi.DeviceConfig;
import io.weir.abi.Quality;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Fixtures;
import io.weir.host.driver.Watchdog;
import io.weir.host.io.FakeLink;
import io.weir.host.io.LinkAddress;
import io.weir.host.points.DeviceStatus;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import io.weir.host.points.Value;
import io.weir.host.wasm.ChicoryEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session with a driver that agreed on ABI v1.1 (the {@code fixture11} WAT driver): link
 * events, line silence, ticks, frame and record flags, host keys, and the §9 limits and crash-loop
 * breaker that apply to every driver. One behaviour per test, a fake link and fake time on the
 * test's thread: no socket, no sleep.
 */
class SessionV11Test {
    private static final long INTERVAL_MS = 100;

    /** Modbus RTU's 3.5 characters above 19200 baud (ABI §7.10): 1750 µs. */
    private static final long SILENCE_NANOS = 1_750_000;

    private final ManualClock clock = new ManualClock();
    private final List<Point> points = new ArrayList<>();
    private final List<DeviceStatus> statuses = new ArrayList<>();
    private final PointSink sink =
            new PointSink() {
                @Override
                public void accept(List<Point> batch) {
                    points.addAll(batch);
                }

                @Override
                public void deviceStatus(DeviceStatus status) {
                    statuses.add(status);
                }
            };
    private DriverModule module;

    @BeforeEach
    void freshModule() {
        // A module per test: traps, quarantine and "unsupported" answers count per version.
        module = DriverModule.load("fixture11.wasm", Fixtures.wasm("fixture11"));
    }

    private Session session(String deviceLine, FakeLink link, String kind) {
        DeviceSpec spec =
                new DeviceSpec(
                        "plc1",
                        LinkAddress.parse("127.0.0.1:502"),
                        module.manifest().name(),
                        DeviceConfig.parse(deviceLine + "\npoint 0 k=a\npoint 1 k=b\n"),
                        List.of("temp", "speed"),
                        Duration.ofMillis(INTERVAL_MS));
        return new Session(
                spec, new InstanceGroup(module, 1, Runnable::run), link, sink, clock, clock, kind);
    }

    /** A started session on a tcp link that is up; the first tick is one interval away. */
    private Session started(String deviceLine, FakeLink link) {
        return started(deviceLine, link, "tcp");
    }

    private Session started(String deviceLine, FakeLink link, String kind) {
        Session s = session(deviceLine, link, kind);
        s.start();
        link.up();
        return s;
    }

    private List<Point> take() {
        List<Point> out = new ArrayList<>(points);
        points.clear();
        return out;
    }

    /** fixture11's request: "Q", dev, link_up count, transport letter, tick count. */
    private record Query(int linkUps, char transport, int ticks) {
        static Query of(byte[] b) {
            assertThat(b).hasSize(5);
            assertThat((char) b[0]).isEqualTo('Q');
            return new Query(b[2], (char) b[3], b[4]);
        }
    }

    private static Query onlyQuery(FakeLink link) {
        List<byte[]> sent = link.takeSent();
        assertThat(sent).as("one request").hasSize(1);
        return Query.of(sent.get(0));
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    // ---- version agreement and host keys (§3.3, §5.1) ----------------------------------------

    @Test
    void theFixtureAgreesOnV11() {
        assertThat(module.agreedVersion()).isEqualTo(Abi.VERSION_1_1);
        assertThat(module.abiVersion()).isEqualTo(Abi.VERSION);
        assertThat(module.manifest().transports()).containsExactly("tcp", "serial");
        assertThat(module.manifest().maxDevices()).isEqualTo(4);
        assertThat(module.manifest().unsolicited()).isTrue();
    }

    @Test
    void theDriverLearnsTheLinksTransportFromTheHostKey() {
        FakeLink link = new FakeLink("plc1");
        started("device", link, "serial");
        clock.advanceMillis(INTERVAL_MS);
        assertThat(onlyQuery(link).transport()).isEqualTo('s');
    }

    @Test
    void aDriverThatAgreedOnV10IsCalledAsAV10DriverWithoutHostKeys() {
        module =
                DriverModule.load(
                        new ChicoryEngine(),
                        "fixture11.wasm",
                        Fixtures.wasm("fixture11"),
                        DriverLimits.DEFAULT,
                        Watchdog.shared(),
                        Abi.MINOR_1_0);
        assertThat(module.agreedMinor()).isZero();
        assertThat(module.manifest().transports()).as("a v1.1 field, ignored").isNull();
        FakeLink link = new FakeLink("plc1");
        started("device tick=1", link);
        clock.advanceMillis(INTERVAL_MS);
        // No weir_link_up, no weir_tick, and no weir.transport in its config.
        assertThat(onlyQuery(link)).isEqualTo(new Query(0, 't', 0));
        assertThat(take()).isEmpty();
    }

    // ---- link events (§7.9) -------------------------------------------------------------------

    @Test
    void weirLinkUpIsCalledAfterEveryConnect() {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.frame(1, 2));
        started("device", link);
        link.answerWith(null);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(onlyQuery(link).linkUps()).isEqualTo(1);
        link.receive(Fixtures.frame(1, 2));
        link.down("connection reset by peer");
        link.up();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(onlyQuery(link).linkUps()).isEqualTo(2);
    }

    @Test
    void aRefusedLinkIsReconnectedAndTheDeviceIsBadCommMeanwhile() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device lu=refuse", link);
        assertThat(link.reconnects())
                .singleElement()
                .asString()
                .startsWith("driver fixture11 1.1.0 refused the link: weir_link_up returned")
                .endsWith("fixture11: link refused (lu=refuse)");
        assertThat(take())
                .extracting(Point::quality)
                .containsOnly(Quality.BAD_COMM.code())
                .hasSize(2);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.sentCount()).isZero();
        assertThat(s.status().deviceQuality()).isEqualTo(Quality.BAD_COMM.code());
    }

    @Test
    void linkUpUnsupportedStopsTheCallsForTheDriverVersion() {
        FakeLink link = new FakeLink("plc1");
        started("device lu=unsup", link);
        assertThat(module.usesLinkEvents()).isFalse();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(onlyQuery(link).linkUps()).isZero();
        assertThat(link.reconnects()).isEmpty();
    }

    @Test
    void aNewInstanceOnAnUpLinkOfALinkEventDriverGetsAFreshConnection() {
        FakeLink link = new FakeLink("plc1");
        started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        link.takeSent();
        link.receive(Fixtures.command(Fixtures.TRAP));
        assertThat(link.reconnects()).isEmpty();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.reconnects())
                .containsExactly(
                        "a new instance of driver fixture11 1.1.0 needs a fresh connection (ABI"
                                + " §7.9)");
        assertThat(link.sentCount()).as("no request on the old connection").isZero();
        link.up();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(onlyQuery(link).linkUps()).as("the new instance saw the connect").isEqualTo(1);
    }

    @Test
    void aNewInstanceAfterLinkUpUnsupportedKeepsTheConnection() {
        FakeLink link = new FakeLink("plc1");
        started("device lu=unsup", link);
        clock.advanceMillis(INTERVAL_MS);
        link.takeSent();
        link.receive(Fixtures.command(Fixtures.TRAP));
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.reconnects()).isEmpty();
        assertThat(link.takeSent()).hasSize(1);
    }

    // ---- line silence (§7.10) -----------------------------------------------------------------

    /** A started session on a serial line with a frame silence, its request sent. */
    private Session polledOnSerial(FakeLink link) {
        link.silence(SILENCE_NANOS);
        Session s = started("device", link, "serial");
        clock.advanceMillis(INTERVAL_MS);
        onlyQuery(link);
        return s;
    }

    @Test
    void aSilenceEndsAFrameThatFrameLenCannotDelimit() {
        FakeLink link = new FakeLink("plc1");
        Session s = polledOnSerial(link);
        link.receive(bytes(0xBB, 7));
        clock.advance(Duration.ofNanos(SILENCE_NANOS - 1));
        assertThat(points).isEmpty();
        clock.advance(Duration.ofNanos(1));
        assertThat(take()).extracting(Point::value).containsExactly(Value.u64(7));
        clock.advanceMillis(200);
        assertThat(s.status().timeouts()).as("the frame answered the request").isZero();
    }

    @Test
    void bytesWithinTheSilenceRestartIt() {
        FakeLink link = new FakeLink("plc1");
        polledOnSerial(link);
        link.receive(bytes(0xBB));
        clock.advance(Duration.ofNanos(1_500_000));
        link.receive(bytes(9));
        clock.advance(Duration.ofNanos(SILENCE_NANOS - 1));
        assertThat(points).isEmpty();
        clock.advance(Duration.ofNanos(1));
        assertThat(take()).extracting(Point::value).containsExactly(Value.u64(9));
    }

    @Test
    void frameEndZeroDropsThePendingBytesAndTheRequestStaysOutstanding() {
        FakeLink link = new FakeLink("plc1");
        Session s = polledOnSerial(link);
        link.receive(bytes(0xBB));
        clock.advanceMillis(1);
        clock.advance(Duration.ofNanos(SILENCE_NANOS));
        assertThat(s.status().garbageBytes()).isEqualTo(1);
        link.receive(Fixtures.frame(4, 5));
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(4), Value.i64(5));
    }

    @Test
    void frameEndResyncSkipsThenFramesWhatRemains() {
        FakeLink link = new FakeLink("plc1");
        Session s = polledOnSerial(link);
        link.receive(bytes(0xCC, 0xBB, 5));
        clock.advance(Duration.ofNanos(SILENCE_NANOS));
        assertThat(take()).extracting(Point::value).containsExactly(Value.u64(5));
        assertThat(s.status().garbageBytes()).isEqualTo(1);
    }

    @Test
    void afterAFrameFoundAtSilenceFrameLenRunsOnTheRest() {
        FakeLink link = new FakeLink("plc1");
        polledOnSerial(link);
        byte[] rest = Fixtures.frame(1, 2);
        byte[] all = new byte[2 + rest.length];
        all[0] = (byte) 0xBB;
        all[1] = 6;
        System.arraycopy(rest, 0, all, 2, rest.length);
        link.receive(all);
        assertThat(points).as("frame_len waits on 0xBB").isEmpty();
        clock.advance(Duration.ofNanos(SILENCE_NANOS));
        // The answer, then the unsolicited frame behind it (fixture11 is unsolicited).
        assertThat(take())
                .extracting(Point::value)
                .containsExactly(Value.u64(6), Value.i64(1), Value.i64(2));
    }

    @Test
    void frameEndUnsupportedKeepsTheBytesUntilTheTimeout() {
        FakeLink link = new FakeLink("plc1");
        Session s = polledOnSerial(link);
        link.receive(bytes(0xDD, 1));
        clock.advance(Duration.ofNanos(SILENCE_NANOS));
        assertThat(module.calls(Abi.Export.FRAME_END)).isFalse();
        assertThat(s.status().garbageBytes()).isZero();
        clock.advanceMillis(200);
        assertThat(s.status().timeouts()).isEqualTo(1);
        assertThat(s.status().garbageBytes()).as("dropped at the timeout").isEqualTo(2);
    }

    @Test
    void frameEndErrorDropsTheBytesAndCountsAProtocolError() {
        FakeLink link = new FakeLink("plc1");
        Session s = polledOnSerial(link);
        link.receive(bytes(0xEE, 1, 2));
        clock.advance(Duration.ofNanos(SILENCE_NANOS));
        assertThat(s.status().protocolErrors()).isEqualTo(1);
        assertThat(s.status().garbageBytes()).isEqualTo(3);
        assertThat(s.status().lastError()).endsWith("fixture11: silence framing error");
        link.receive(Fixtures.frame(8, 9));
        assertThat(take()).as("the request was still outstanding").hasSize(2);
    }

    @Test
    void aLinkWithoutSilenceNeverCallsFrameEnd() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link, "serial");
        clock.advanceMillis(INTERVAL_MS);
        link.takeSent();
        link.receive(bytes(0xBB, 7));
        clock.advanceMillis(199);
        assertThat(points).isEmpty();
        clock.advanceMillis(1);
        assertThat(s.status().timeouts()).isEqualTo(1);
    }

    // ---- ticks (§7.11) ------------------------------------------------------------------------

    @Test
    void weirTickRunsAtEveryTickBeforeThePollWithItsRecords() {
        FakeLink link = new FakeLink("plc1");
        started("device tick=1", link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(take())
                .containsExactly(new Point("plc1", "temp", Value.u64(1), 0, tsNow(), null));
        assertThat(onlyQuery(link).ticks()).isEqualTo(1);
    }

    private long tsNow() {
        return clock.currentTimeMillis();
    }

    @Test
    void weirTickRunsWhileTheLinkIsDownAndWhileACycleRuns() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device tick=1", link);
        clock.advanceMillis(INTERVAL_MS);
        take();
        link.takeSent();
        // The request is unanswered: the next tick finds the cycle running.
        clock.advanceMillis(INTERVAL_MS);
        assertThat(take()).extracting(Point::value).containsExactly(Value.u64(2));
        assertThat(s.status().missed()).isEqualTo(1);
        link.down("cable pulled");
        take();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(take())
                .extracting(Point::value)
                .containsExactly(Value.u64(3), Value.NULL, Value.NULL);
    }

    @Test
    void weirTickUnsupportedIsNotCalledAgain() {
        FakeLink link = new FakeLink("plc1");
        started("device tick=unsup", link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(module.calls(Abi.Export.TICK)).isFalse();
        assertThat(onlyQuery(link).ticks()).isZero();
    }

    // ---- frame flags (§7.3)
    // ----------------------------------------------------------------------

    @Test
    void aNotAnswerFrameLeavesTheRequestOutstanding() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        link.takeSent();
        link.receive(Fixtures.command(0xF0));
        assertThat(s.status().deviceQuality()).isEqualTo(Quality.BAD_DEVICE.code());
        clock.advanceMillis(50);
        link.receive(Fixtures.frame(3, 4));
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(3), Value.i64(4));
        assertThat(s.status().lastLatencyMicros())
                .as("the cycle ended with the answer, not with the event")
                .isEqualTo(50_000);
        assertThat(s.status().timeouts()).isZero();
        assertThat(s.status().protocolErrors()).isZero();
    }

    @Test
    void aNotAnswerFrameDoesNotRestartTheTimeout() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        clock.advanceMillis(150);
        link.receive(Fixtures.command(0xF0));
        clock.advanceMillis(49);
        assertThat(s.status().timeouts()).isZero();
        clock.advanceMillis(1);
        assertThat(s.status().timeouts()).as("200 ms after the request").isEqualTo(1);
    }

    @Test
    void pollNowWithNoCycleRunningStartsOneAtOnce() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        clock.advanceMillis(30);
        link.receive(Fixtures.command(0xF1));
        assertThat(onlyQuery(link).linkUps()).isEqualTo(1);
        assertThat(s.status().cycles()).isEqualTo(1);
    }

    @Test
    void pollNowInAnAnswerMakesWeirPollTheNextCallBeforeAWaitingWrite() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        link.takeSent();
        var write = s.write("temp", Value.i64(5));
        link.receive(Fixtures.command(0xF1));
        List<byte[]> sent = link.takeSent();
        assertThat(sent).hasSize(1);
        assertThat((char) sent.get(0)[0]).as("the poll, not the write").isEqualTo('Q');
        link.receive(Fixtures.frame(1, 2));
        assertThat((char) link.takeSent().get(0)[0]).isEqualTo('W');
        assertThat(write).isNotDone();
        assertThat(s.status().cycles()).isEqualTo(1);
    }

    // ---- write results (§6.3, §7.6)
    // ---------------------------------------------------------------

    @Test
    void aWriteResultRecordCompletesTheWriteWithTheConfirmedValue() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        var result = s.write("temp", Value.i64(42));
        assertThat((char) link.takeSent().get(0)[0]).isEqualTo('W');
        link.receive(Fixtures.command(0xF3));
        WriteResult r = result.get();
        assertThat(r.outcome()).isEqualTo(WriteResult.Outcome.ACKNOWLEDGED);
        assertThat(r.confirmed()).isEqualTo(Value.i64(42));
        // The reading the response carried besides (as Modbus FC23 reads while it writes).
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(99));
    }

    @Test
    void aFailedWriteResultIsADeviceException() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        var result = s.write("temp", Value.i64(42));
        link.receive(Fixtures.command(0xF4));
        WriteResult r = result.get();
        assertThat(r.outcome()).isEqualTo(WriteResult.Outcome.DEVICE_EXCEPTION);
        assertThat(r.exceptionCode()).isEqualTo(3);
        assertThat(r.detail()).isEqualTo("fixture11: write refused, code 3");
        assertThat(points).isEmpty();
    }

    @Test
    void aResponseWithoutAWriteResultConfirmsTheWrite() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        var result = s.write("temp", Value.i64(42));
        link.receive(Fixtures.frame());
        assertThat(result.get()).isEqualTo(WriteResult.acknowledged());
        assertThat(points).isEmpty();
    }

    @Test
    void aTimedOutWriteFailsWhateverTheTimeoutRecordsSay() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        var result = s.write("temp", Value.i64(42));
        clock.advanceMillis(200);
        assertThat(result.get().outcome()).isEqualTo(WriteResult.Outcome.TIMEOUT);
        assertThat(points).as("its WRITE_RESULT record is no reading").isEmpty();
    }

    @Test
    void writeResultsWithNoWriteOutstandingAreNoReadings() {
        FakeLink link = new FakeLink("plc1");
        started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        link.receive(Fixtures.command(0xF3));
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(99));
    }

    // ---- device status (§6.3)
    // ---------------------------------------------------------------------

    @Test
    void theHostSetsTheDeviceStatusAtLinkEvents() {
        FakeLink link = new FakeLink("plc1");
        Session s = session("device", link, "tcp");
        assertThat(s.status().deviceQuality()).isEqualTo(Quality.BAD_COMM.code());
        s.start();
        link.up();
        assertThat(s.status().deviceQuality()).isZero();
        assertThat(s.status().deviceStatus()).isNull();
        link.down("connection reset by peer");
        assertThat(s.status().deviceStatus()).isEqualTo("link down: connection reset by peer");
        assertThat(statuses)
                .extracting(DeviceStatus::quality, DeviceStatus::fromDriver)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Quality.GOOD.code(), false),
                        org.assertj.core.groups.Tuple.tuple(Quality.BAD_COMM.code(), false));
    }

    @Test
    void aDeviceStatusRecordReplacesItUntilTheNextLinkEvent() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        link.receive(Fixtures.command(0xF2));
        SessionStatus st = s.status();
        assertThat(st.deviceQuality()).isEqualTo(Quality.UNCERTAIN.code());
        assertThat(st.deviceStatus()).isEqualTo("warming up");
        DeviceStatus last = statuses.get(statuses.size() - 1);
        assertThat(last.fromDriver()).isTrue();
        assertThat(last.value()).isEqualTo(Value.str("warming up"));
        assertThat(points).as("a device status is no point value").isEmpty();
        link.down("connection reset by peer");
        assertThat(s.status().deviceQuality()).isEqualTo(Quality.BAD_COMM.code());
    }

    // ---- unsolicited and passive drivers (§7.1, §7.3)
    // ------------------------------------------------

    @Test
    void anUnsolicitedDriverGetsFramesWithNothingOutstanding() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        link.receive(Fixtures.frame(6, 7));
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(6), Value.i64(7));
        assertThat(s.status().garbageBytes()).isZero();
    }

    @Test
    void aFrameTheLineIsCarryingAtASwapIsFramedByTheNewVersion() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        byte[] whole = Fixtures.frame(6, 7);
        link.receive(java.util.Arrays.copyOfRange(whole, 0, 5));
        String text = new String(Fixtures.wasm("fixture11"), StandardCharsets.ISO_8859_1);
        DriverModule next =
                DriverModule.load(
                        "fixture11.wasm",
                        text.replace("\"version\":\"1.1.0\"", "\"version\":\"1.1.1\"")
                                .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(next.label()).endsWith("1.1.1");
        assertThat(s.swap(s.group().successor(next))).isDone();
        assertThat(s.status().driver()).endsWith("1.1.1");
        link.receive(java.util.Arrays.copyOfRange(whole, 5, whole.length));
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(6), Value.i64(7));
        assertThat(s.status().garbageBytes()).isZero();
    }

    @Test
    void aPassiveDriverMaySendRequestsThatExpectNoResponse() {
        module = DriverModule.load("fixture11-passive.wasm", Fixtures.wasm("fixture11-passive"));
        FakeLink link = new FakeLink("bus");
        Session s = started("device", link, "can");
        clock.advanceMillis(INTERVAL_MS);
        List<byte[]> sent = link.takeSent();
        assertThat(sent).hasSize(1);
        // One CAN frame (ABI §6.4) carrying fixture11's request.
        List<CanFrame> frames = CanFrame.decodeAll(sent.get(0), 0, sent.get(0).length);
        assertThat(frames).extracting(CanFrame::toCandump).hasSize(1);
        assertThat(frames.get(0).id()).isEqualTo(0x18EA00F9);
        assertThat(Query.of(frames.get(0).data()).transport()).isEqualTo('c');
        assertThat(link.transactionsEnded()).as("nothing to wait for").isEqualTo(1);
        assertThat(s.status().cycles()).isEqualTo(1);
        assertThat(s.latencyMicros().getTotalCount()).as("the cycle is complete").isEqualTo(1);
        clock.advanceMillis(1000);
        assertThat(s.status().timeouts()).isZero();
    }

    @Test
    void aCanLinkDeliversOneFrameAtATimeAndNeverJoinsThem() {
        module = DriverModule.load("fixture11-passive.wasm", Fixtures.wasm("fixture11-passive"));
        FakeLink link = new FakeLink("bus");
        Session s = started("device", link, "can");
        // What the driver frames whole is decoded; a delivery it wants more for is garbage, not
        // the start of something the next delivery completes.
        link.receive(Fixtures.frame(3, 4));
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(3), Value.i64(4));
        byte[] whole = Fixtures.frame(5);
        link.receive(java.util.Arrays.copyOf(whole, 6));
        link.receive(java.util.Arrays.copyOfRange(whole, 6, whole.length));
        assertThat(points).isEmpty();
        assertThat(s.status().garbageBytes()).isEqualTo(whole.length);
    }

    @Test
    void aMalformedCanFrameInTxIsAViolation() {
        module = DriverModule.load("fixture11-passive.wasm", Fixtures.wasm("fixture11-passive"));
        FakeLink link = new FakeLink("bus");
        // flood=1 sends "FLOD", four bytes: no CAN frame.
        Session s = started("device flood=1", link, "can");
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.sentCount()).isZero();
        assertThat(s.status().violations()).isEqualTo(1);
        assertThat(s.status().lastError())
                .contains("weir_poll wrote a malformed CAN frame: CAN frame at offset 0");
    }

    // ---- §9 limits
    // ------------------------------------------------------------------------------------

    @Test
    void aCycleThatNeverEndsIsCutAtTheRequestLimitAsAViolation() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device flood=1", link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.sentCount()).isEqualTo(Abi.MAX_REQUESTS_PER_CYCLE);
        List<Point> bad = take();
        assertThat(bad).extracting(Point::quality).containsOnly(Quality.BAD.code()).hasSize(2);
        assertThat(bad.get(0).error())
                .startsWith("cycle ended: fixture11 1.1.0 (plc1) weir_poll sent more than 1024")
                .endsWith("(ABI §9)");
        SessionStatus st = s.status();
        assertThat(st.violations()).isEqualTo(1);
        assertThat(st.traps()).as("a violation is treated as a trap").isEqualTo(1);
        assertThat(st.deviceQuality()).isEqualTo(Quality.BAD.code());
    }

    @Test
    void aCycleOverTheByteLimitEndsAsAViolation() {
        module =
                DriverModule.load(
                        new ChicoryEngine(),
                        "fixture11.wasm",
                        Fixtures.wasm("fixture11"),
                        DriverLimits.DEFAULT.withCycleLimits(Abi.MAX_REQUESTS_PER_CYCLE, 10),
                        Watchdog.shared());
        FakeLink link = new FakeLink("plc1");
        Session s = started("device flood=1", link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.sentCount()).as("two 4-byte requests fit, the third does not").isEqualTo(2);
        assertThat(s.status().lastError()).contains("sent more than 10 bytes in one cycle");
        assertThat(s.status().violations()).isEqualTo(1);
    }

    @Test
    void aResponseTimeoutAboveTheCapIsClamped() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device slow=1", link);
        clock.advanceMillis(INTERVAL_MS);
        clock.advanceMillis(Abi.MAX_TIMEOUT_MS - 1);
        assertThat(s.status().timeouts()).isZero();
        clock.advanceMillis(1);
        assertThat(s.status().timeouts()).isEqualTo(1);
        assertThat(s.status().lastError()).isEqualTo("no response within 60000 ms");
    }

    @Test
    void aRecordOutsideThePointMapIsAViolation() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        link.receive(Fixtures.command(0xF5));
        List<Point> bad = take();
        assertThat(bad).extracting(Point::quality).containsOnly(Quality.BAD_COMM.code());
        assertThat(bad.get(0).error())
                .contains("wrote a record for point 50, outside the point map of 2 points");
        assertThat(s.status().violations()).isEqualTo(1);
        assertThat(s.status().traps()).isEqualTo(1);
    }

    // ---- shared lines (Link.transactionEnded, queued sends)
    // --------------------------------------

    @Test
    void everyEndOfATransactionIsToldToTheLink() {
        FakeLink link = new FakeLink("plc1");
        started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        link.receive(Fixtures.frame(1, 2));
        assertThat(link.transactionsEnded()).as("answered").isEqualTo(1);
        clock.advanceMillis(INTERVAL_MS);
        clock.advanceMillis(200);
        assertThat(link.transactionsEnded()).as("timed out").isEqualTo(2);
        // The tick at 400 ms sent the next request; the link goes down under it.
        link.down("gone");
        assertThat(link.transactionsEnded()).as("abandoned").isEqualTo(3);
    }

    @Test
    void aQueuedRequestsTimeoutRunsFromTheWire() {
        FakeLink link = new FakeLink("bus").queueing();
        Session s = started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.sentCount()).isEqualTo(1);
        // Other devices on the bus go first: 300 ms in the queue, longer than the timeout.
        clock.advanceMillis(300);
        assertThat(s.status().timeouts()).isZero();
        link.wire();
        clock.advanceMillis(199);
        assertThat(s.status().timeouts()).isZero();
        clock.advanceMillis(1);
        assertThat(s.status().timeouts()).isEqualTo(1);
    }

    // ---- the crash-loop breaker
    // -------------------------------------------------------------------

    @Test
    void aDeviceWhoseInstancesKeepTrappingWaitsExponentiallyLonger() {
        module = DriverModule.load("fixture.wasm", Fixtures.wasm("fixture"));
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.command(Fixtures.TRAP));
        Session s = started("device", link);
        clock.advanceMillis(2 * INTERVAL_MS);
        assertThat(s.status().traps()).isEqualTo(2);
        take();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(take().get(0).error())
                .isEqualTo("driver instance re-created in 900 ms, after 2 traps in a row");
        clock.advanceMillis(800);
        assertThat(s.status().traps()).isEqualTo(2);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(s.status().traps()).as("1 s after the second").isEqualTo(3);
        clock.advanceMillis(1900);
        assertThat(s.status().traps()).isEqualTo(3);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(s.status().traps()).as("2 s after the third").isEqualTo(4);
    }

    @Test
    void aCompleteCycleEndsTheCrashLoop() {
        module = DriverModule.load("fixture.wasm", Fixtures.wasm("fixture"));
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.command(Fixtures.TRAP));
        Session s = started("device", link);
        clock.advanceMillis(2 * INTERVAL_MS);
        link.answerWith(req -> Fixtures.frame(1, 2));
        clock.advanceMillis(1000);
        assertThat(s.status().cycles()).isEqualTo(3);
        link.answerWith(req -> Fixtures.command(Fixtures.TRAP));
        clock.advanceMillis(INTERVAL_MS);
        link.answerWith(req -> Fixtures.frame(1, 2));
        take();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(take())
                .as("one trap after a good cycle costs one tick")
                .extracting(Point::quality)
                .containsOnly(0);
    }

    @Test
    void clearingTheQuarantineLetsTheDeviceRunAgain() {
        module = DriverModule.load("fixture.wasm", Fixtures.wasm("fixture"));
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.command(Fixtures.TRAP));
        Session s = started("device", link);
        clock.advanceMillis(7200);
        assertThat(s.state()).isEqualTo(SessionState.QUARANTINED);
        link.answerWith(req -> Fixtures.frame(1, 2));
        assertThat(module.clearQuarantine()).isTrue();
        s.quarantineCleared();
        assertThat(s.state()).isEqualTo(SessionState.RUNNING);
        assertThat(s.status().quarantine()).isNull();
        take();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(1), Value.i64(2));
    }
}
