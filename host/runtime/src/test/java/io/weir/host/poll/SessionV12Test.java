package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.Abi;
import io.weir.abi.DeviceConfig;
import io.weir.abi.Quality;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Fixtures;
import io.weir.host.driver.Watchdog;
import io.weir.host.io.FakeLink;
import io.weir.host.io.LinkAddress;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.wasm.ChicoryEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * ABI v1.2 in the session (§7.1, §7.13), with {@code hostile12.wat}: a request marked {@code LAST}
 * ends its cycle without the closing {@code weir_poll} (after its answer, its timeout, or at once
 * with {@code meta.expect} 0), responses are framed and decoded by {@code weir_on_bytes}, whole or
 * in pieces, and a violation of {@code weir_on_bytes} ends the instance as one of the calls it
 * replaces would. With a v1.1 host the same module runs as before. Sans-I/O, on the test's thread
 * with fake time, as {@code HostileSessionTest} drives the session.
 */
class SessionV12Test {
    private static final long INTERVAL_MS = 100;

    private final ManualClock clock = new ManualClock();
    private final List<Point> points = new ArrayList<>();

    /** Requests the fake device answered. */
    private final AtomicInteger asked = new AtomicInteger();

    /** Makes the fake device answer every request with a frame of {@code value}. */
    private void answer(FakeLink link, long value) {
        link.answerWith(
                request -> {
                    asked.incrementAndGet();
                    return Fixtures.frame(value);
                });
    }

    private static DriverModule module(int hostMinor) {
        return DriverModule.load(
                new ChicoryEngine(),
                "hostile12.wasm",
                Fixtures.wasm("hostile12"),
                DriverLimits.DEFAULT,
                Watchdog.shared(),
                hostMinor);
    }

    private Session started(FakeLink link, DriverModule module, int fault, int last) {
        DeviceSpec spec =
                new DeviceSpec(
                        "dev",
                        LinkAddress.parse("127.0.0.1:502"),
                        "hostile",
                        new DeviceConfig(
                                Map.of(
                                        "fault", String.valueOf(fault),
                                        "after", "0",
                                        "final", String.valueOf(last)),
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

    private Session started(FakeLink link, int fault, int last) {
        return started(link, module(Abi.MINOR_1_2), fault, last);
    }

    private List<Value> values() {
        return points.stream().map(Point::value).toList();
    }

    @Test
    void aLastRequestEndsItsCycleWithItsAnswer() {
        FakeLink link = new FakeLink("dev");
        answer(link, 7);
        Session s = started(link, 0, 1);
        clock.advanceMillis(INTERVAL_MS);
        // A closing weir_poll would have sent a second request: hostile12 with final=1 starts
        // the next cycle at the next weir_poll.
        assertThat(asked).hasValue(1);
        assertThat(values()).containsExactly(Value.i64(7));
        clock.advanceMillis(INTERVAL_MS);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(asked).hasValue(3);
        assertThat(values()).hasSize(3);
        SessionStatus st = s.status();
        assertThat(st.cycles()).isEqualTo(3);
        assertThat(st.traps()).isZero();
        assertThat(st.protocolErrors()).isZero();
    }

    @Test
    void aLastRequestThatTimesOutEndsItsCycleToo() {
        FakeLink link = new FakeLink("dev");
        Session s = started(link, 0, 1);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.takeSent()).hasSize(1);
        // hostile's timeout is 200 ms; the device stays silent. The tick at 200 ms finds the
        // cycle running; the one at 300 ms comes with the timeout.
        clock.advanceMillis(199);
        assertThat(s.status().timeouts()).isZero();
        answer(link, 8);
        clock.advanceMillis(1);
        assertThat(s.status().timeouts()).isEqualTo(1);
        assertThat(points.get(0).quality()).isEqualTo(Quality.BAD_COMM.code());
        // No closing weir_poll after the timeout (it would have been a request of its own): the
        // tick at 300 ms started one cycle of one request, answered.
        assertThat(asked).hasValue(1);
        assertThat(values()).endsWith(Value.i64(8));
        assertThat(s.status().cycles()).isEqualTo(2);
    }

    @Test
    void aLastRequestThatExpectsNoAnswerEndsItsCycleOnceSent() {
        // Fault 36 is a cycle whose requests expect no answer, forever: with LAST on each, every
        // cycle is one request, where without it the cycle is cut at 1024 requests (§9).
        FakeLink link = new FakeLink("dev");
        Session s = started(link, 36, 1);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.sentCount()).isEqualTo(1);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.sentCount()).isEqualTo(2);
        assertThat(s.status().traps()).isZero();
        assertThat(s.status().lastError()).isNull();
    }

    @Test
    void unknownRequestFlagsAreZeroAndTheClosingPollComes() {
        FakeLink link = new FakeLink("dev");
        answer(link, 1);
        Session s = started(link, 0, 2);
        for (int i = 0; i < 3; i++) {
            clock.advanceMillis(INTERVAL_MS);
        }
        // Were the unknown bits taken for LAST, the closing weir_poll would be missing and every
        // second tick would find hostile's cycle over at once, sending nothing.
        assertThat(asked).hasValue(3);
        assertThat(s.status().cycles()).isEqualTo(3);
    }

    @Test
    void aResponseInPiecesIsFramedAndDecodedByOnBytes() {
        FakeLink link = new FakeLink("dev");
        Session s = started(link, 0, 1);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.takeSent()).hasSize(1);
        byte[] frame = Fixtures.frame(42);
        // Noise first (resync), then the frame in three pieces (E_PARTIAL twice).
        link.receive(new byte[] {0x01, 0x02});
        link.receive(Arrays.copyOfRange(frame, 0, 1));
        link.receive(Arrays.copyOfRange(frame, 1, 6));
        assertThat(points).isEmpty();
        link.receive(Arrays.copyOfRange(frame, 6, frame.length));
        assertThat(values()).as("points %s", points).containsExactly(Value.i64(42));
        assertThat(s.status().traps()).isZero();
        assertThat(s.status().garbageBytes()).isEqualTo(2);
    }

    @Test
    void aRefusedFrameIsDroppedAndTheRequestWaitsForItsAnswer() {
        FakeLink link = new FakeLink("dev");
        // Fault 42: weir_on_frame (and so weir_on_bytes) returns -12345 for every frame.
        Session s = started(link, 42, 1);
        clock.advanceMillis(INTERVAL_MS);
        link.receive(Fixtures.frame(1));
        SessionStatus st = s.status();
        assertThat(st.protocolErrors()).isEqualTo(1);
        assertThat(st.lastError())
                .isEqualTo(
                        "weir_on_bytes returned E_INTERNAL (unknown code -12345): hostile: frame"
                                + " refused");
        assertThat(st.garbageBytes()).isEqualTo(10);
        assertThat(st.traps()).isZero();
    }

    @Test
    void aViolationOfOnBytesEndsTheInstance() {
        FakeLink link = new FakeLink("dev");
        answer(link, 1);
        Session s = started(link, 60, 1);
        clock.advanceMillis(INTERVAL_MS);
        SessionStatus st = s.status();
        assertThat(st.traps()).isEqualTo(1);
        assertThat(st.lastError())
                .contains(
                        "weir_on_bytes wrote meta.need = 11 as the length of the frame it decoded,"
                                + " more than the 10 bytes given");
        assertThat(points).noneMatch(p -> p.quality() == Quality.GOOD.code());
    }

    @Test
    void aPointIndexOutsideThePointMapIsAViolationOfOnBytes() {
        FakeLink link = new FakeLink("dev");
        answer(link, 7);
        Session s = started(link, 45, 1);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(s.status().traps()).isEqualTo(1);
        assertThat(s.status().lastError()).contains("weir_on_bytes").contains("1000000");
        assertThat(points).noneMatch(p -> p.point().equals("#1000000"));
    }

    @Test
    void aV11HostRunsTheSameModuleWithTheClosingPollAndFrameLen() {
        FakeLink link = new FakeLink("dev");
        answer(link, 5);
        // Fault 60 lives in weir_on_bytes only, which a v1.1 host never calls.
        Session s = started(link, module(Abi.MINOR_1_1), 60, 0);
        for (int i = 0; i < 3; i++) {
            clock.advanceMillis(INTERVAL_MS);
        }
        assertThat(asked).hasValue(3);
        assertThat(values()).containsExactly(Value.i64(5), Value.i64(5), Value.i64(5));
        assertThat(s.status().traps()).isZero();
    }
}
