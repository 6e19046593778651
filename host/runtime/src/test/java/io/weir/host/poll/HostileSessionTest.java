package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.weir.abi.Abi;
import io.weir.abi.DeviceConfig;
import io.weir.abi.Quality;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Hostile;
import io.weir.host.driver.Hostile.Fault;
import io.weir.host.io.FakeLink;
import io.weir.host.io.LinkAddress;
import io.weir.host.points.Point;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The faults of {@code hostile.wat} whose end lives in the session, not in the instance: a cycle
 * that never ends, a response timeout of 24 days, a point index outside the device's point map (ABI
 * §9: requests and bytes per cycle, the timeout cap, the point-index check). Sans-I/O, on the
 * test's thread with fake time, as {@code SessionTest} drives the session.
 */
class HostileSessionTest {
    private static final long INTERVAL_MS = 100;

    private final ManualClock clock = new ManualClock();
    private final List<Point> points = new ArrayList<>();

    private Session started(FakeLink link, Fault fault) {
        DriverModule module = DriverModule.load("hostile.wasm", Hostile.wasm());
        DeviceSpec spec =
                new DeviceSpec(
                        "bad",
                        LinkAddress.parse("127.0.0.1:502"),
                        "hostile",
                        new DeviceConfig(
                                Map.of("fault", String.valueOf(fault.code), "after", "0"),
                                List.of(Map.of("k", "v"))),
                        List.of("p0"),
                        Duration.ofMillis(INTERVAL_MS));
        Session s =
                new Session(
                        spec,
                        new InstanceGroup(module, 1, Runnable::run),
                        link,
                        points::addAll,
                        clock,
                        clock);
        s.start();
        link.up();
        return s;
    }

    @Test
    void aCycleThatNeverEndsIsCutAtTheRequestCap() {
        FakeLink link = new FakeLink("bad");
        Session s = started(link, Fault.ENDLESS_CYCLE);
        // On the test's thread, the first tick runs the cycle; it must come back.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> clock.advanceMillis(INTERVAL_MS));
        assertThat(link.sentCount()).isLessThanOrEqualTo(Abi.MAX_REQUESTS_PER_CYCLE);
        SessionStatus st = s.status();
        assertThat(st.lastError()).contains(String.valueOf(Abi.MAX_REQUESTS_PER_CYCLE));
        assertThat(points).isNotEmpty();
        assertThat(points.get(points.size() - 1).quality()).isEqualTo(Quality.BAD.code());
    }

    @Test
    void anAbsurdTimeoutIsClampedToSixtySeconds() {
        FakeLink link = new FakeLink("bad");
        Session s = started(link, Fault.TIMEOUT_ABSURD);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.takeSent()).hasSize(1);
        // The device stays silent: BAD_COMM at the cap, not after 24 days.
        clock.advanceMillis(Abi.MAX_TIMEOUT_MS);
        assertThat(s.status().timeouts()).isEqualTo(1);
        assertThat(points).isNotEmpty();
        assertThat(points.get(points.size() - 1).quality()).isEqualTo(Quality.BAD_COMM.code());
    }

    @Test
    void aPointIndexOutsideThePointMapIsAViolation() {
        FakeLink link = new FakeLink("bad");
        link.answerWith(request -> io.weir.host.driver.Fixtures.frame(7));
        Session s = started(link, Fault.POINT_OUTSIDE_MAP);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(s.status().traps()).isEqualTo(1);
        assertThat(s.status().lastError()).contains("1000000");
        assertThat(points).noneMatch(p -> p.point().equals("#1000000"));
    }
}
