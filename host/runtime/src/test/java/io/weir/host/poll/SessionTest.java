package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.weir.abi.DeviceConfig;
import io.weir.abi.Quality;
import io.weir.host.LogCapture;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Fixtures;
import io.weir.host.io.FakeLink;
import io.weir.host.io.LinkAddress;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session as a state machine: a fake link, fake time and the real fixture driver (ABI v1 in
 * WAT), all on the test's thread. No socket, no sleep: a thousand cycles take milliseconds.
 */
class SessionTest {
    private static final DeviceConfig TWO_POINTS =
            new DeviceConfig(Map.of(), List.of(Map.of("k", "a"), Map.of("k", "b")));
    private static final long INTERVAL_MS = 100;

    private final ManualClock clock = new ManualClock();
    private final List<Point> points = new ArrayList<>();
    private DriverModule module;

    @BeforeEach
    void freshModule() {
        // A module per test: traps count per driver version, and quarantine is for good.
        module = DriverModule.load("fixture.wasm", Fixtures.wasm("fixture"));
    }

    private Session session(String name, FakeLink link, InstanceGroup group) {
        DeviceSpec spec =
                new DeviceSpec(
                        name,
                        LinkAddress.parse("127.0.0.1:502"),
                        "fixture",
                        TWO_POINTS,
                        List.of("temp", "speed"),
                        Duration.ofMillis(INTERVAL_MS));
        return new Session(spec, group, link, points::addAll, clock, clock);
    }

    /** A started session whose link is up; the first tick is one interval away. */
    private Session started(FakeLink link) {
        Session s = session("plc1", link, new InstanceGroup(module, 1, Runnable::run));
        s.start();
        link.up();
        return s;
    }

    private List<Point> take() {
        List<Point> out = new ArrayList<>(points);
        points.clear();
        return out;
    }

    private static Point point(String name, long value, long ts) {
        return new Point("plc1", name, Value.i64(value), 0, ts, null);
    }

    @Test
    void aTickPollsAndTheResponseGivesNamedTypedPoints() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.takeSent()).hasSize(1);
        clock.advanceMillis(3);
        link.receive(Fixtures.frame(21, 42));
        long ts = clock.currentTimeMillis();
        assertThat(take()).containsExactly(point("temp", 21, ts), point("speed", 42, ts));
        SessionStatus st = s.status();
        assertThat(st.cycles()).isEqualTo(1);
        assertThat(st.lastLatencyMicros()).as("request to end of cycle").isEqualTo(3000);
        assertThat(st.driver()).isEqualTo("fixture 1.0.0");
        assertThat(st.garbageBytes()).isZero();
        assertThat(st.points()).isEqualTo(2);
    }

    @Test
    void cycleLatenciesAddToAMergedHistogramWithoutBeingTakenOrReset() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        for (long ms : new long[] {3, 50}) {
            clock.advanceMillis(INTERVAL_MS);
            link.takeSent();
            clock.advanceMillis(ms);
            link.receive(Fixtures.frame(1, 2));
        }
        Histogram merged = new Histogram(600_000_000L, 3);
        s.addLatencyTo(merged);
        assertThat(merged.getTotalCount()).isEqualTo(2);
        // The session keeps one significant digit: 3 ms and 50 ms within their buckets (1/16).
        assertThat(merged.getMinValue()).isCloseTo(3_000L, withinPercentage(7));
        assertThat(merged.getMaxValue()).isCloseTo(50_000L, withinPercentage(7));
        // A sum: a second add (another device, or the same one later) counts again.
        s.addLatencyTo(merged);
        assertThat(merged.getTotalCount()).isEqualTo(4);
        assertThat(s.latencyMicros().getTotalCount()).isEqualTo(2);
    }

    @Test
    void answersAreDecodedOnTheLinksThreadOnceTheDriverHasBeenQuickManyTimesInARow() {
        HeldPool pool = new HeldPool();
        FakeLink link = new FakeLink("plc1").runningShortTasks();
        Session s = session("plc1", link, new InstanceGroup(module, 1, pool));
        s.start();
        link.up();
        pool.runAll();
        int onWorkers = 0;
        boolean here = false;
        // A slow decode (a cold JIT, a loaded machine) starts the count again, so allow many.
        for (int i = 0; i < 50 * QuickDecodes.FIRST && !here; i++) {
            here = pool.cycle(clock, INTERVAL_MS, link, Fixtures.frame(i, i));
            onWorkers += here ? 0 : 1;
        }
        assertThat(here).as("an answer was decoded on the link's thread").isTrue();
        assertThat(onWorkers).isGreaterThanOrEqualTo(QuickDecodes.FIRST);
        assertThat(s.status().cycles()).isEqualTo(onWorkers + 1);
        // A busy executor queues the answer behind its task instead.
        clock.advanceMillis(INTERVAL_MS);
        pool.runAll();
        link.takeSent();
        s.quarantineCleared(); // a task of the session's executor, harmless here
        link.receive(Fixtures.frame(3, 4));
        assertThat(pool.held()).as("queued behind the other task").isEqualTo(1);
        pool.runAll();
        // One trap of the version, by any instance, sends its answers to the workers for good.
        module.recordTrap(clock.currentTimeMillis(), "a test trap");
        for (int i = 0; i < 2 * QuickDecodes.FIRST; i++) {
            assertThat(pool.cycle(clock, INTERVAL_MS, link, Fixtures.frame(i, i)))
                    .as("answer %d after the trap", i)
                    .isFalse();
        }
        assertThat(take()).isNotEmpty().allMatch(p -> p.quality() == 0);
    }

    @Test
    void onceTheDriverIsQuickATickStartsItsCycleOnTheLinksThreadAndNoWorkerWakes() {
        HeldPool pool = new HeldPool();
        HeldPool io = new HeldPool();
        FakeLink link = new FakeLink("plc1").runningShortTasks().ioThread(io);
        Session s = session("plc1", link, new InstanceGroup(module, 1, pool));
        s.start();
        link.up();
        pool.runAll();
        int onWorkers = 0;
        boolean onIo = false;
        // A slow decode (a cold JIT, a loaded machine) starts the count again, so allow many.
        for (int i = 0; i < 50 * QuickDecodes.FIRST && !onIo; i++) {
            clock.advanceMillis(INTERVAL_MS);
            onIo = io.held() == 1;
            assertThat(pool.held()).as("tick %d on a worker", i).isEqualTo(onIo ? 0 : 1);
            onWorkers += onIo ? 0 : 1;
            io.runAll();
            // From the link's thread the request is out before any worker ran.
            assertThat(link.takeSent()).as("tick %d", i).hasSize(onIo ? 1 : 0);
            pool.runAll();
            link.takeSent();
            link.receive(Fixtures.frame(i, i));
            pool.runAll();
        }
        assertThat(onIo).as("a tick ran on the link's thread").isTrue();
        assertThat(onWorkers).isGreaterThanOrEqualTo(QuickDecodes.FIRST);
        assertThat(s.status().cycles()).isEqualTo(onWorkers + 1);
        assertThat(take()).hasSize(2 * (onWorkers + 1)).allMatch(p -> p.quality() == 0);

        // A busy executor queues the tick behind its task: never two tasks of a group at once.
        s.quarantineCleared(); // a task of the session's executor, harmless here
        clock.advanceMillis(INTERVAL_MS);
        io.runAll();
        assertThat(link.takeSent()).as("queued behind the other task").isEmpty();
        assertThat(pool.held()).isEqualTo(1);
        pool.runAll();
        assertThat(link.takeSent()).hasSize(1);
        link.receive(Fixtures.frame(7, 8));
        pool.runAll();
        assertThat(take()).hasSize(2);

        // A link down has no I/O thread: the tick goes to the workers.
        link.down("cable pulled");
        pool.runAll();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(io.held()).isZero();
        assertThat(pool.held()).isEqualTo(1);
        pool.runAll();
        link.up();
        pool.runAll();

        // One trap of the version, by any instance, keeps its cycles on the workers for good.
        module.recordTrap(clock.currentTimeMillis(), "a test trap");
        for (int i = 0; i < 2 * QuickDecodes.FIRST; i++) {
            clock.advanceMillis(INTERVAL_MS);
            assertThat(io.held()).as("tick %d after the trap", i).isZero();
            assertThat(pool.held()).as("tick %d after the trap", i).isEqualTo(1);
            pool.runAll();
            link.takeSent();
            link.receive(Fixtures.frame(i, i));
            pool.runAll();
        }
    }

    @Test
    void aLinkWhoseThreadMustNotRunDriverCodeAlwaysHandsAnswersToTheWorkers() {
        HeldPool pool = new HeldPool();
        FakeLink link = new FakeLink("plc1");
        Session s = session("plc1", link, new InstanceGroup(module, 1, pool));
        s.start();
        link.up();
        pool.runAll();
        for (int i = 0; i < 3 * QuickDecodes.FIRST; i++) {
            assertThat(pool.cycle(clock, INTERVAL_MS, link, Fixtures.frame(i, i)))
                    .as("answer %d", i)
                    .isFalse();
        }
        assertThat(s.status().cycles()).isEqualTo(3 * QuickDecodes.FIRST);
    }

    @Test
    void ticksFallOnTheirGridAndAThousandCyclesTakeNoTime() {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.frame(1, 2));
        Session s = started(link);
        long t0 = System.nanoTime();
        clock.advance(Duration.ofMillis(INTERVAL_MS * 1000));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        SessionStatus st = s.status();
        assertThat(st.cycles()).isEqualTo(1000);
        assertThat(st.missed()).isZero();
        assertThat(st.points()).isEqualTo(2000);
        assertThat(take()).allMatch(p -> p.quality() == 0).hasSize(2000);
        System.out.printf("1000 simulated cycles in %d ms%n", ms);
    }

    @Test
    void aPhaseOffsetShiftsEveryTick() {
        FakeLink link = new FakeLink("plc1");
        Session s = session("plc1", link, new InstanceGroup(module, 1, Runnable::run));
        s.start(40_000_000L);
        link.up();
        clock.advanceMillis(INTERVAL_MS + 39);
        assertThat(link.sentCount()).isZero();
        clock.advanceMillis(1);
        assertThat(link.takeSent()).hasSize(1);
    }

    @Test
    void fragmentsAreReassembledAndLeadingGarbageIsSkippedAndCounted() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        byte[] frame = Fixtures.frame(7, 8);
        byte[] head = new byte[2 + 5];
        head[0] = 0x01;
        head[1] = 0x02;
        System.arraycopy(frame, 0, head, 2, 5);
        link.receive(head);
        assertThat(points).isEmpty();
        link.receive(Arrays.copyOfRange(frame, 5, frame.length));
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(7), Value.i64(8));
        assertThat(s.status().garbageBytes()).isEqualTo(2);
        assertThat(s.status().timeouts()).isZero();
    }

    @Test
    void bytesNobodyAskedForAreDroppedAndCounted() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        link.receive(Fixtures.frame(1, 1));
        assertThat(points).isEmpty();
        assertThat(s.status().garbageBytes()).isEqualTo(18);
    }

    @Test
    void aMissingResponseTimesOutToBadCommAndTheNextCycleRecovers() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        clock.advanceMillis(199);
        assertThat(points).isEmpty();
        // The device answers again from the next request on.
        link.answerWith(req -> Fixtures.frame(1, 2));
        clock.advanceMillis(1);
        List<Point> after = take();
        // The fixture's weir_on_timeout writes one BAD_COMM record, for point 0.
        assertThat(after).hasSize(3);
        Point bad = after.get(0);
        assertThat(bad.point()).isEqualTo("temp");
        assertThat(bad.quality()).isEqualTo(Quality.BAD_COMM.code());
        assertThat(bad.value()).isEqualTo(Value.NULL);
        assertThat(bad.error()).isEqualTo("no response within 200 ms");
        assertThat(after.subList(1, 3)).extracting(Point::quality).containsOnly(0);
        SessionStatus st = s.status();
        assertThat(st.timeouts()).isEqualTo(1);
        // The tick between request and timeout found the cycle running: missed, not queued.
        assertThat(st.missed()).isEqualTo(1);
        assertThat(st.cycles()).isEqualTo(2);
    }

    @Test
    void aDeviceExceptionCarriesTheDriverText() {
        FakeLink link = new FakeLink("plc1");
        started(link);
        clock.advanceMillis(INTERVAL_MS);
        link.receive(Fixtures.command(Fixtures.DEVICE_EXCEPTION));
        Point bad = take().get(0);
        assertThat(bad.quality()).isEqualTo(Quality.BAD_DEVICE.code());
        assertThat(bad.value()).isEqualTo(Value.u64(2));
        assertThat(bad.error()).isEqualTo("fixture: exception 2 (illegal data address)");
    }

    @Test
    void aFrameThatDoesNotAnswerKeepsTheRequestOutstanding() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        link.receive(Fixtures.command(Fixtures.NOT_AN_ANSWER));
        assertThat(points).isEmpty();
        assertThat(s.status().protocolErrors()).isEqualTo(1);
        link.receive(Fixtures.frame(3, 4));
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(3), Value.i64(4));
        assertThat(s.status().timeouts()).isZero();
    }

    @Test
    void aTrapDiscardsTheInstanceAndTheNextTickRecreatesIt() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        link.receive(Fixtures.command(Fixtures.TRAP));
        List<Point> bad = take();
        assertThat(bad).extracting(Point::quality).containsOnly(Quality.BAD_COMM.code());
        assertThat(bad.get(0).error())
                .startsWith("driver trapped: fixture 1.0.0 (plc1) weir_on_frame trapped");
        link.answerWith(req -> Fixtures.frame(5, 6));
        clock.advanceMillis(INTERVAL_MS);
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(5), Value.i64(6));
        assertThat(s.status().traps()).isEqualTo(1);
        assertThat(s.status().state()).isEqualTo(SessionState.RUNNING);
    }

    @Test
    void aPanicMessageReachesThePoints() {
        FakeLink link = new FakeLink("plc1");
        started(link);
        clock.advanceMillis(INTERVAL_MS);
        link.receive(Fixtures.command(Fixtures.PANIC));
        assertThat(take().get(0).error()).contains("panicked: fixture panic: frame asked for it");
    }

    @Test
    void fiveTrapsQuarantineTheDriverVersion() {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.command(Fixtures.TRAP));
        Session s = started(link);
        // Traps at 0.1 s and 0.2 s, then the crash-loop breaker waits 1 s, 2 s, 4 s: the fifth
        // trap falls at 7.2 s, well within the ten minutes.
        clock.advanceMillis(7200);
        assertThat(s.status().traps()).isEqualTo(5);
        assertThat(s.status().state()).isEqualTo(SessionState.QUARANTINED);
        points.clear();
        clock.advanceMillis(INTERVAL_MS);
        Point q = take().get(0);
        assertThat(q.error())
                .startsWith(
                        "driver fixture 1.0.0 is quarantined after 5 traps within 10 minutes"
                                + " (since 2023-11-14T22:13:32.200Z; last: fixture 1.0.0 (plc1)"
                                + " weir_on_frame trapped");
        assertThat(module.quarantined()).isTrue();
        assertThat(s.status().quarantine().traps()).isEqualTo(5);
        assertThat(s.status().quarantine().sinceMillis())
                .isEqualTo(ManualClock.EPOCH_MILLIS + 5_000 + 7_200);
        // Every tick without an instance (backoff, then quarantine) is counted, not skipped:
        // 73 ticks in 7.3 s, 5 of them cycles that trapped.
        assertThat(s.status().cycles()).isEqualTo(5);
        assertThat(s.status().unserved()).isEqualTo(73 - 5);
        assertThat(s.status().missed()).isZero();
    }

    @Test
    void aCycleStillRunningAtTheTickIsCountedAsMissedNotQueued() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        for (int i = 0; i < 4; i++) {
            assertThat(link.takeSent()).as("one request per started cycle").hasSize(1);
            // The answer takes 150 ms: the tick 100 ms after the request finds the cycle running.
            clock.advanceMillis(150);
            link.receive(Fixtures.frame(5, 5));
            clock.advanceMillis(50);
        }
        SessionStatus st = s.status();
        assertThat(st.missed()).isEqualTo(4);
        assertThat(st.cycles()).isEqualTo(5);
        assertThat(st.timeouts()).isZero();
        assertThat(take()).hasSize(8);
    }

    @Test
    void ticksThatFellDueWhileTheExecutorWasLateAreMissed() {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.frame(1, 2));
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(s.status().cycles()).isEqualTo(1);
        // A pause of three and a half periods: the tick due first runs, late; the two after it
        // fell due while nothing ran.
        clock.jump(Duration.ofMillis(INTERVAL_MS * 3 + 50));
        clock.advanceMillis(0);
        assertThat(s.status().cycles()).isEqualTo(2);
        assertThat(s.status().missed()).isEqualTo(2);
        // And the grid holds: the next tick is at the next multiple of the interval.
        clock.advanceMillis(49);
        assertThat(s.status().cycles()).isEqualTo(2);
        clock.advanceMillis(1);
        assertThat(s.status().cycles()).isEqualTo(3);
    }

    @Test
    void anOutageGivesBadCommAndTheLinkRecovers() {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.frame(3, 4));
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(take()).extracting(Point::quality).containsOnly(0);
        link.down("connection reset by peer");
        clock.advanceMillis(INTERVAL_MS);
        List<Point> down = take();
        assertThat(down).extracting(Point::quality).containsOnly(Quality.BAD_COMM.code());
        assertThat(down.get(0).error()).isEqualTo("link down: connection reset by peer");
        assertThat(s.status().unserved()).as("the tick of the outage").isEqualTo(1);
        link.up();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(3), Value.i64(4));
        assertThat(s.status().unserved()).isEqualTo(1);
        assertThat(s.status().cycles()).isEqualTo(2);
    }

    @Test
    void aLinkLostWithARequestOutstandingGivesBadCommAtOnce() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        link.down("connection reset by peer");
        List<Point> down = take();
        assertThat(down).extracting(Point::quality).containsOnly(Quality.BAD_COMM.code());
        assertThat(down.get(0).error()).isEqualTo("link down: connection reset by peer");
        assertThat(s.status().timeouts()).isZero();
        clock.advanceMillis(500);
        assertThat(s.status().timeouts()).as("the abandoned request does not time out").isZero();
    }

    @Test
    void stopCutsOffTheOutstandingRequestWithoutPoints() {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.takeSent()).hasSize(1);
        s.stop();
        assertThat(link.closed()).isTrue();
        // Past the fixture's 200 ms response timeout and several ticks: had the request or the
        // link's end been reported, BAD_COMM points would be here.
        clock.advanceMillis(1000);
        SessionStatus st = s.status();
        assertThat(points).isEmpty();
        assertThat(st.state()).isEqualTo(SessionState.STOPPED);
        assertThat(st.timeouts()).isZero();
        assertThat(st.lastError()).isNull();
        assertThat(clock.pendingTasks()).as("no tick or timeout left behind").isZero();
    }

    @Test
    void aDriverThatServesOneDevicePerInstanceGetsPrivateInstancesInAGroup() {
        InstanceGroup group = new InstanceGroup(module, 4, Runnable::run);
        FakeLink a = new FakeLink("a");
        FakeLink b = new FakeLink("b");
        Session sa = session("a", a, group);
        Session sb = session("b", b, group);
        a.answerWith(req -> Fixtures.frame(1, 1));
        b.answerWith(req -> Fixtures.frame(2, 2));
        sa.start();
        sb.start();
        a.up();
        b.up();
        clock.advanceMillis(INTERVAL_MS);
        // The fixture answers weir_open for handle 1 with E_UNSUPPORTED (§2.6).
        assertThat(sa.status().deviceHandle()).isZero();
        assertThat(sb.status().deviceHandle()).isEqualTo(1);
        assertThat(sb.status().sharedInstance()).isFalse();
        assertThat(take()).extracting(Point::quality).containsOnly(0).hasSize(4);
        // A trap of a's instance leaves b's private instance alone.
        a.answerWith(req -> Fixtures.command(Fixtures.TRAP));
        clock.advanceMillis(INTERVAL_MS);
        assertThat(sa.status().traps()).isEqualTo(1);
        assertThat(sb.status().traps()).isZero();
        assertThat(sb.status().lastError()).isNull();
    }

    // ---- writes (ABI §7.6) ----------------------------------------------------------------------

    private static final byte[] ACK = {(byte) 0xAA, 0x00};

    private static String text(byte[] b) {
        return new String(b, 0, 4, java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void aWriteBetweenCyclesGoesAtOnceAndItsAnswerIsNotAReading() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        var result = s.write("temp", Value.i64(7));
        List<byte[]> sent = link.takeSent();
        assertThat(sent).hasSize(1);
        assertThat(text(sent.get(0))).isEqualTo("WRT?");
        assertThat(sent.get(0)[4]).as("the value's low byte").isEqualTo((byte) 7);
        assertThat(result).isNotDone();
        link.receive(ACK);
        assertThat(result.get().outcome()).isEqualTo(WriteResult.Outcome.ACKNOWLEDGED);
        assertThat(points).as("a write's answer is not a reading").isEmpty();
        assertThat(s.status().cycles()).isZero();
    }

    @Test
    void aWriteDuringACycleWaitsForTheTransactionAndGoesBeforeTheNextPoll() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(text(link.takeSent().get(0))).isEqualTo("REQ?");
        var result = s.write("temp", Value.f64(21.5));
        assertThat(link.sentCount()).as("never two requests outstanding").isZero();
        link.receive(Fixtures.frame(1, 2));
        assertThat(take()).hasSize(2);
        assertThat(text(link.takeSent().get(0))).isEqualTo("WRT?");
        link.receive(ACK);
        assertThat(result.get().ok()).isTrue();
        assertThat(points).isEmpty();
        assertThat(s.status().cycles()).isEqualTo(1);
    }

    @Test
    void writesGoToTheLinkAsWritesAndPollsAsPolls() throws Exception {
        // A shared bus puts a write ahead of the polls that wait (Link.sendWrite); the session
        // must say which request is which, including a write that ends a cycle's wait.
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        var first = s.write("temp", Value.i64(1));
        link.receive(ACK);
        clock.advanceMillis(INTERVAL_MS);
        var second = s.write("temp", Value.i64(2));
        link.receive(Fixtures.frame(1, 2));
        link.receive(ACK);
        assertThat(first.get().ok()).isTrue();
        assertThat(second.get().ok()).isTrue();
        assertThat(link.takeSent())
                .extracting(SessionTest::text)
                .containsExactly("WRT?", "REQ?", "WRT?");
        assertThat(link.takeKinds()).containsExactly("write", "poll", "write");
    }

    @Test
    void aDeviceExceptionToAWriteComesBackWithItsCodeAndText() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        var result = s.write("temp", Value.TRUE);
        link.receive(Fixtures.command(Fixtures.DEVICE_EXCEPTION));
        WriteResult r = result.get();
        assertThat(r.outcome()).isEqualTo(WriteResult.Outcome.DEVICE_EXCEPTION);
        assertThat(r.exceptionCode()).isEqualTo(2);
        assertThat(r.detail()).isEqualTo("fixture: exception 2 (illegal data address)");
        assertThat(points).as("no BAD_DEVICE reading for a write").isEmpty();
    }

    @Test
    void anUnansweredWriteTimesOutWithoutBadCommReadings() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        var result = s.write("temp", Value.u64(-1L));
        clock.advanceMillis(199);
        assertThat(result).isNotDone();
        clock.advanceMillis(1);
        assertThat(result.get())
                .isEqualTo(
                        WriteResult.of(WriteResult.Outcome.TIMEOUT, "no response within 200 ms"));
        assertThat(points).isEmpty();
        assertThat(s.status().timeouts()).isEqualTo(1);
    }

    @Test
    void aTickDuringAWriteStartsTheCycleAfterItsAnswerNotMissed() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS - 10);
        var result = s.write("temp", Value.i64(1));
        link.takeSent();
        clock.advanceMillis(20);
        assertThat(link.sentCount()).as("the poll waits for the write's answer").isZero();
        link.receive(ACK);
        assertThat(result.get().ok()).isTrue();
        assertThat(text(link.takeSent().get(0))).isEqualTo("REQ?");
        assertThat(s.status().missed()).isZero();
        assertThat(s.status().cycles()).isEqualTo(1);
    }

    @Test
    void writesThatCannotGoAreAnsweredAtOnce() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        WriteResult refused = s.write("speed", Value.i64(1)).get();
        assertThat(refused.outcome()).isEqualTo(WriteResult.Outcome.REFUSED);
        assertThat(refused.detail()).isNotBlank();
        link.down("connection refused");
        assertThat(s.write("temp", Value.i64(1)).get())
                .isEqualTo(
                        WriteResult.of(
                                WriteResult.Outcome.LINK_DOWN, "link down: connection refused"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.write("nope", Value.TRUE))
                .hasMessage("device plc1 has no point \"nope\"");
        assertThat(link.sentCount()).isZero();
    }

    @Test
    void stopAnswersTheWritesStillWaiting() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        var first = s.write("temp", Value.i64(1));
        var second = s.write("temp", Value.i64(2));
        s.stop();
        assertThat(first.get().outcome()).isEqualTo(WriteResult.Outcome.UNAVAILABLE);
        assertThat(second.get())
                .isEqualTo(
                        WriteResult.of(WriteResult.Outcome.UNAVAILABLE, "device plc1 is stopped"));
        assertThat(s.write("temp", Value.i64(3)).get().detail())
                .isEqualTo("device plc1 is stopped");
    }

    @Test
    void aLinkLostUnderAWriteSaysSo() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        var result = s.write("temp", Value.i64(1));
        link.down("connection reset by peer");
        assertThat(result.get())
                .isEqualTo(
                        WriteResult.of(
                                WriteResult.Outcome.LINK_DOWN,
                                "link down: connection reset by peer"));
        assertThat(points).isEmpty();
    }

    // ---- graceful stop
    // ----------------------------------------------------------------------------

    @Test
    void finishWaitsForTheAnswerOnTheWireThenStops() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link);
        clock.advanceMillis(INTERVAL_MS);
        link.takeSent();
        var done = s.finish();
        assertThat(done).isNotDone();
        assertThat(link.closed()).isFalse();
        link.receive(Fixtures.frame(4, 5));
        assertThat(take()).extracting(Point::value).containsExactly(Value.i64(4), Value.i64(5));
        assertThat(done).isDone();
        assertThat(s.state()).isEqualTo(SessionState.STOPPED);
        assertThat(link.closed()).isTrue();
        clock.advanceMillis(INTERVAL_MS * 3);
        assertThat(link.sentCount()).as("no request after finish").isZero();
        assertThat(points).isEmpty();
    }

    @Test
    void finishOfAnIdleSessionStopsAtOnceAndATimeoutEndsAWait() throws Exception {
        FakeLink idle = new FakeLink("plc1");
        Session s = started(idle);
        assertThat(s.finish()).isDone();
        assertThat(idle.closed()).isTrue();

        FakeLink silent = new FakeLink("plc2");
        Session t = session("plc2", silent, new InstanceGroup(module, 1, Runnable::run));
        t.start();
        silent.up();
        clock.advanceMillis(INTERVAL_MS);
        var done = t.finish();
        clock.advanceMillis(200);
        assertThat(done).isDone();
        assertThat(t.status().timeouts()).isEqualTo(1);
    }

    @Test
    void aLinkThatStaysDownIsLoggedOncePerOutageNotOncePerAttempt() {
        List<String> lines;
        try (LogCapture log = LogCapture.of("io.weir.poll")) {
            FakeLink link = new FakeLink("plc");
            started(link);
            // A device that went away: the link retries and reports every failed attempt.
            link.down("connection reset");
            for (int i = 0; i < 5; i++) {
                link.down("connect to 127.0.0.1:502 failed: Connection refused");
            }
            link.up();
            // A second outage is a new line, even for the same reason.
            link.down("connection reset");
            link.down("connection reset");
            lines = log.lines();
        }
        assertThat(lines)
                .filteredOn(l -> l.startsWith("plc1: "))
                .containsExactly(
                        "plc1: fake plc up",
                        "plc1: fake plc down: connection reset",
                        "plc1: fake plc down: connect to 127.0.0.1:502 failed: Connection refused",
                        "plc1: fake plc up (after 4 more failed attempts)",
                        "plc1: fake plc down: connection reset");
    }
}
