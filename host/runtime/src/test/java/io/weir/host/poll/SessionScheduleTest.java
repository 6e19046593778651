package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.DeviceConfig;
import io.weir.abi.Quality;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Fixtures;
import io.weir.host.io.FakeLink;
import io.weir.host.io.LinkAddress;
import io.weir.host.points.Point;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a session's schedule costs the threads around it, with the {@code fixture11} driver (ABI
 * v1.1, {@code weir_tick} on demand): which ticks reach a worker, how many timers a cycle of
 * several requests arms, and that every tick is still counted — as a cycle, missed or unserved.
 * Fake time and a pool that holds its tasks until the test runs them.
 */
class SessionScheduleTest {
    private static final long INTERVAL_MS = 100;

    private final ManualClock clock = new ManualClock();
    private final List<Point> points = new ArrayList<>();
    private final HeldPool pool = new HeldPool();
    private DriverModule module;

    @BeforeEach
    void freshModule() {
        // A module per test: "unsupported" answers count per driver version.
        module = DriverModule.load("fixture11.wasm", Fixtures.wasm("fixture11"));
    }

    /** A started session on a link that is up, its executor on the held pool, nothing held. */
    private Session started(String deviceLine, FakeLink link) {
        return started(deviceLine, link, Duration.ofMillis(INTERVAL_MS));
    }

    private Session started(String deviceLine, FakeLink link, Duration interval) {
        return started(deviceLine, link, interval, "tcp");
    }

    private Session started(String deviceLine, FakeLink link, Duration interval, String kind) {
        DeviceSpec spec =
                new DeviceSpec(
                        "plc1",
                        LinkAddress.parse("127.0.0.1:502"),
                        module.manifest().name(),
                        DeviceConfig.parse(deviceLine + "\npoint 0 k=a\npoint 1 k=b\n"),
                        List.of("temp", "speed"),
                        interval);
        Session s =
                new Session(
                        spec,
                        new InstanceGroup(module, 1, pool),
                        link,
                        points::addAll,
                        clock,
                        clock,
                        kind);
        s.start();
        link.up();
        pool.runAll();
        return s;
    }

    @Test
    void aTickThatFindsTheCycleRunningReachesNoWorkerWhenTheDriverHasNoTick() {
        FakeLink link = new FakeLink("plc1");
        // slow=1: the request's timeout is the cap (60 s), so that no timer but the ticks runs.
        Session s = started("device tick=unsup slow=1", link);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(pool.held()).as("the tick that starts a cycle goes to a worker").isEqualTo(1);
        pool.runAll();
        assertThat(link.takeSent()).hasSize(1);
        // The driver answered weir_tick with E_UNSUPPORTED: nothing left to do at a tick that
        // finds the cycle running but to count it.
        clock.advanceMillis(INTERVAL_MS);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(pool.held()).as("no hop for an overrun").isZero();
        assertThat(s.status().missed()).isEqualTo(2);
        link.receive(Fixtures.frame(1, 2));
        pool.runAll();
        assertThat(points).extracting(Point::quality).containsOnly(0);
        assertThat(s.status().cycles()).isEqualTo(1);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(pool.held()).as("the next tick starts a cycle").isEqualTo(1);
        pool.runAll();
        assertThat(s.status().cycles()).isEqualTo(2);
        assertThat(s.status().missed()).isEqualTo(2);
    }

    @Test
    void aTickThatFindsTheCycleRunningStillCallsADriversWeirTick() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device tick=1", link);
        clock.advanceMillis(INTERVAL_MS);
        pool.runAll();
        link.takeSent();
        points.clear();
        clock.advanceMillis(INTERVAL_MS / 2);
        link.receive(Fixtures.command(0xF1)); // the cycle goes on: a second request
        pool.runAll();
        assertThat(link.takeSent()).hasSize(1);
        clock.advanceMillis(INTERVAL_MS / 2);
        assertThat(pool.held()).as("weir_tick runs on a worker (§7.11)").isEqualTo(1);
        pool.runAll();
        assertThat(points).extracting(Point::point).containsExactly("temp");
        assertThat(s.status().missed()).isEqualTo(1);
        assertThat(s.status().cycles()).isEqualTo(1);
    }

    @Test
    void aTickThatABusyExecutorRunsAWholePeriodLateIsMissedAndTheNextOneServed() {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.frame(1, 2));
        Session s = started("device", link);
        clock.advanceMillis(INTERVAL_MS);
        clock.advanceMillis(INTERVAL_MS);
        // Both ticks wait in the device's queue behind one task of the pool.
        assertThat(pool.held()).isEqualTo(1);
        pool.runAll();
        SessionStatus st = s.status();
        assertThat(st.cycles()).as("the tick still on time").isEqualTo(1);
        assertThat(st.missed()).as("the tick one period late").isEqualTo(1);
        assertThat(st.unserved()).isZero();
        assertThat(points).hasSize(2);
    }

    @Test
    void theRequestsOfOneCycleShareOneTimeoutTimerAndEachKeepsItsOwnDeadline() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device tick=unsup", link);
        clock.advanceMillis(INTERVAL_MS);
        pool.runAll();
        link.takeSent();
        clock.advanceMillis(50);
        long before = clock.scheduled();
        // The answer asks for a second request in the same cycle (POLL_NOW).
        link.receive(Fixtures.command(0xF1));
        pool.runAll();
        assertThat(link.takeSent()).hasSize(1);
        assertThat(clock.scheduled() - before)
                .as("the first request's timer serves the second")
                .isZero();
        // The first request's deadline (200 ms after it) passes: the second's is 50 ms later.
        clock.advanceMillis(150);
        pool.runAll();
        assertThat(s.status().timeouts()).isZero();
        clock.advanceMillis(49);
        pool.runAll();
        assertThat(s.status().timeouts()).isZero();
        clock.advanceMillis(1);
        pool.runAll();
        assertThat(s.status().timeouts()).as("200 ms after the second request").isEqualTo(1);
        assertThat(points).extracting(Point::quality).contains(Quality.BAD_COMM.code());
    }

    @Test
    void aCycleThatEndsLeavesNoTimeoutTimerBehind() {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.frame(1, 2));
        Session s = started("device tick=unsup", link);
        clock.advanceMillis(INTERVAL_MS);
        pool.runAll();
        assertThat(s.status().cycles()).isEqualTo(1);
        assertThat(clock.pendingTasks()).as("the next tick, no timeout").isEqualTo(1);
        // Nothing reaches a worker until the next tick: no timer runs for an answered request.
        clock.advanceMillis(INTERVAL_MS - 1);
        assertThat(pool.held()).isZero();
    }

    // ---- continuous scanning (interval 0) ------------------------------------------------------

    @Test
    void anIntervalOfZeroStartsTheNextCycleAsSoonAsTheLastEndsOnTheThreadThatEndedIt() {
        FakeLink link = new FakeLink("plc1").runningShortTasks();
        Session s = started("device tick=unsup slow=1", link, Duration.ZERO);
        assertThat(link.takeSent()).as("the first cycle starts with the link").hasSize(1);
        assertThat(s.status().cycles()).isEqualTo(1);
        // No time passes: each answer ends a cycle and its task starts the next.
        boolean here = false;
        int answers = 0;
        for (; answers < 50 * QuickDecodes.FIRST && !here; answers++) {
            link.receive(Fixtures.frame(answers, answers));
            here = pool.held() == 0;
            pool.runAll();
            assertThat(link.takeSent()).as("answer %d", answers).hasSize(1);
        }
        assertThat(here)
                .as("a quick driver's next cycle starts on the link's thread: no worker")
                .isTrue();
        SessionStatus st = s.status();
        assertThat(st.cycles()).isEqualTo(answers + 1);
        assertThat(points).hasSize(2 * answers);
        // The retry ticks find the cycle running: nothing to do, nothing missed, no worker.
        clock.advanceMillis(3_500);
        assertThat(pool.held()).isZero();
        assertThat(s.status().missed()).isZero();
        assertThat(s.status().cycles()).isEqualTo(answers + 1);
    }

    @Test
    void aContinuousDeviceWhoseLinkIsDownRetriesEverySecondAndStartsWithTheLink() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device tick=unsup", link, Duration.ZERO);
        link.takeSent();
        link.down("connection refused");
        pool.runAll();
        points.clear();
        for (int i = 0; i < 3; i++) {
            clock.advanceMillis(1_000);
            pool.runAll();
        }
        SessionStatus st = s.status();
        assertThat(st.unserved()).as("one retry a second").isEqualTo(3);
        assertThat(st.missed()).isZero();
        assertThat(points).extracting(Point::quality).containsOnly(Quality.BAD_COMM.code());
        link.up();
        pool.runAll();
        assertThat(link.takeSent()).as("scanning starts again with the link").hasSize(1);
    }

    @Test
    void aContinuousCycleThatWaitsForNoAnswerRestsUntilTheRetryTick() {
        // A passive driver's cycle sends one request that expects no answer: scanning on at once
        // would spin a thread.
        module = DriverModule.load("fixture11-passive.wasm", Fixtures.wasm("fixture11-passive"));
        FakeLink link = new FakeLink("plc1");
        Session s = started("device tick=unsup", link, Duration.ZERO, "can");
        assertThat(s.status().cycles()).isEqualTo(1);
        assertThat(link.takeSent()).hasSize(1);
        clock.advanceMillis(999);
        pool.runAll();
        assertThat(s.status().cycles()).isEqualTo(1);
        clock.advanceMillis(1);
        pool.runAll();
        assertThat(s.status().cycles()).isEqualTo(2);
        assertThat(link.takeSent()).hasSize(1);
        assertThat(s.status().missed()).isZero();
    }

    @Test
    void aContinuousDeviceTimesOutAndScansOn() {
        FakeLink link = new FakeLink("plc1");
        Session s = started("device tick=unsup", link, Duration.ZERO);
        assertThat(link.takeSent()).hasSize(1);
        // fixture11's requests time out after 200 ms; the timeout ends the cycle and the next
        // one starts at once.
        clock.advanceMillis(200);
        pool.runAll();
        assertThat(s.status().timeouts()).isEqualTo(1);
        assertThat(s.status().cycles()).isEqualTo(2);
        assertThat(link.takeSent()).hasSize(1);
    }
}
