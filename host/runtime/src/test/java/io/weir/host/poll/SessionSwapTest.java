package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.DeviceConfig;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.Fixtures;
import io.weir.host.io.FakeLink;
import io.weir.host.io.LinkAddress;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Hot swap (ABI §7.7) on the sans-I/O session: a fake link, fake time and the {@code counter}
 * fixture, whose every answer is the request's sequence number and whose state is the next number.
 * A swap that hands the state across continues the numbers; a cold start begins again at 1. No
 * socket, no sleep.
 */
public class SessionSwapTest {
    private static final long INTERVAL_MS = 100;
    private static final byte[] ANSWER = {(byte) 0xAA, 0x00};

    private final ManualClock clock = new ManualClock();
    private final List<Point> points = new ArrayList<>();

    /** The counter fixture with its manifest text patched (same length). */
    public static DriverModule counter(String version, int schema) {
        String text = new String(Fixtures.wasm("counter"), StandardCharsets.ISO_8859_1);
        text = text.replace("\"version\":\"1.0.0\"", "\"version\":\"" + version + "\"");
        text = text.replace("\"state_schema\":1", "\"state_schema\":" + schema);
        return DriverModule.load("counter.wasm", text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * The {@code counter-link} fixture (ABI 1.1, link events, its readiness in its state), patched
     * as {@link #counter}.
     */
    public static DriverModule counterLink(String version, int schema) {
        String text = new String(Fixtures.wasm("counter-link"), StandardCharsets.ISO_8859_1);
        text = text.replace("\"version\":\"1.0.0\"", "\"version\":\"" + version + "\"");
        text = text.replace("\"state_schema\":1", "\"state_schema\":" + schema);
        return DriverModule.load("counter-link.wasm", text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private Session started(FakeLink link, DriverModule module) {
        return started(link, module, List.of("seq"));
    }

    private Session started(FakeLink link, DriverModule module, List<String> pointNames) {
        return started(link, module, pointNames, Runnable::run);
    }

    private Session started(
            FakeLink link,
            DriverModule module,
            List<String> pointNames,
            java.util.concurrent.Executor pool) {
        DeviceSpec spec =
                new DeviceSpec(
                        "plc1",
                        LinkAddress.parse("127.0.0.1:502"),
                        "counter",
                        new DeviceConfig(
                                Map.of(),
                                pointNames.stream().map(n -> Map.<String, String>of()).toList()),
                        pointNames,
                        Duration.ofMillis(INTERVAL_MS));
        Session s =
                new Session(
                        spec,
                        new InstanceGroup(module, 1, pool),
                        link,
                        points::addAll,
                        clock,
                        clock);
        s.start();
        link.up();
        return s;
    }

    private List<Long> values() {
        List<Long> out = new ArrayList<>();
        for (Point p : points) {
            out.add(p.value() instanceof Value.I64 i ? i.value() : -1L);
        }
        points.clear();
        return out;
    }

    private static Session.Swap done(CompletableFuture<Session.Swap> f) throws Exception {
        assertThat(f).isDone();
        return f.get();
    }

    /** Point {@code name}'s values, in order; the rest is dropped. */
    private List<Long> values(String name) {
        List<Long> out = new ArrayList<>();
        for (Point p : points) {
            if (p.point().equals(name)) {
                out.add(p.value() instanceof Value.I64 i ? i.value() : -1L);
            }
        }
        points.clear();
        return out;
    }

    @Test
    void aLinkEventDriverWhoseStateWasRestoredGoesOnWithTheConnection() throws Exception {
        FakeLink link = new FakeLink("plc1").redials();
        link.answerWith(req -> ANSWER);
        Session s = started(link, counterLink("1.0.0", 1), List.of("seq", "links"));
        clock.advanceMillis(INTERVAL_MS * 3);
        assertThat(values("seq")).containsExactly(1L, 2L, 3L);

        Session.Swap swap = done(s.swap(s.group().successor(counterLink("2.0.0", 1))));
        assertThat(swap.stateRestored()).isTrue();
        clock.advanceMillis(INTERVAL_MS * 3);
        // §7.7: the connection goes on (no reconnect) and the new instance is not told of a link
        // it did not see come up: its link-up count stays 0, and it polls on the restored state.
        assertThat(link.reconnects()).isEmpty();
        List<Point> after = new ArrayList<>(points);
        assertThat(values("seq")).containsExactly(4L, 5L, 6L);
        points.addAll(after);
        assertThat(values("links")).containsExactly(0L, 0L, 0L);
        assertThat(s.status().missed()).isZero();
    }

    @Test
    void aLinkEventDriverThatStartsColdAfterASwapGetsAFreshConnection() throws Exception {
        FakeLink link = new FakeLink("plc1").redials();
        link.answerWith(req -> ANSWER);
        Session s = started(link, counterLink("1.0.0", 1), List.of("seq", "links"));
        clock.advanceMillis(INTERVAL_MS * 3);
        assertThat(values("seq")).containsExactly(1L, 2L, 3L);

        Session.Swap swap = done(s.swap(s.group().successor(counterLink("2.0.0", 2))));
        assertThat(swap.stateRestored()).isFalse();
        // §7.9: the device's side of the old connection has state the new instance cannot know.
        assertThat(link.reconnects()).hasSize(1);
        assertThat(link.reconnects().get(0)).contains("started cold after a swap");
        clock.advanceMillis(INTERVAL_MS * 3);
        List<Point> after = new ArrayList<>(points);
        assertThat(values("seq")).containsExactly(1L, 2L, 3L);
        points.addAll(after);
        assertThat(values("links")).containsExactly(1L, 1L, 1L);
    }

    /** The counter's answer that traps its instance. */
    private static final byte[] TRAP = {(byte) 0xAA, (byte) 0xFF};

    /** Answers every request, the next one with {@link #TRAP} once {@code trapNext} is set. */
    private static void answerTrapping(FakeLink link, AtomicBoolean trapNext) {
        link.answerWith(req -> trapNext.getAndSet(false) ? TRAP : ANSWER);
    }

    /**
     * Traps the instance with the next answer: the values of that cycle (none) and of the fresh
     * instance's first.
     */
    private List<Long> trapTheNextAnswer(AtomicBoolean trapNext) {
        trapNext.set(true);
        clock.advanceMillis(INTERVAL_MS * 2);
        return values();
    }

    @Test
    void theStateIsSavedAtAnInstancesFirstCycleThenOnceASecondAndATrapGoesOnFromIt()
            throws Exception {
        FakeLink link = new FakeLink("plc1");
        AtomicBoolean trapNext = new AtomicBoolean();
        answerTrapping(link, trapNext);
        started(link, counter("1.0.0", 1));
        // Cycle 1 (t = 100 ms) is the instance's first: its end saves "next is 2". Cycles 2-5 end
        // within a second of that save and save nothing.
        clock.advanceMillis(INTERVAL_MS * 5);
        assertThat(values()).containsExactly(1L, 2L, 3L, 4L, 5L);

        // Cycle 6's answer traps the instance. The fresh one opens at the next tick with the state
        // saved last and goes on from 2; its first cycle (t = 700 ms) saves "next is 3".
        trapNext.set(true);
        clock.advanceMillis(INTERVAL_MS * 3);
        assertThat(values()).containsExactly(-1L, 2L, 3L);

        // Cycles 8-16 end within a second of that save; cycle 17 (t = 1700 ms, sequence 12) ends
        // a second after it and saves "next is 13". Its successor traps, and the fresh instance
        // goes on from 13.
        clock.advanceMillis(INTERVAL_MS * 9);
        assertThat(values()).containsExactly(4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        assertThat(trapTheNextAnswer(trapNext)).containsExactly(-1L, 13L);
    }

    @Test
    void theFirstCycleAfterTheLinkCameUpAgainSavesTheState() throws Exception {
        // A driver may keep what it negotiated on a connection in its state (§7.9): a state saved
        // before the connection it no longer has must not outlive the next cycle.
        FakeLink link = new FakeLink("plc1");
        AtomicBoolean trapNext = new AtomicBoolean();
        answerTrapping(link, trapNext);
        started(link, counter("1.0.0", 1));
        clock.advanceMillis(INTERVAL_MS * 3);
        assertThat(values()).containsExactly(1L, 2L, 3L);
        link.down("connection reset");
        link.up();
        // Cycle 4 is the first on the new connection: its end saves "next is 5", within a second
        // of the save at cycle 1.
        clock.advanceMillis(INTERVAL_MS * 2);
        assertThat(values()).containsExactly(4L, 5L);
        assertThat(trapTheNextAnswer(trapNext)).containsExactly(-1L, 5L);
    }

    @Test
    void aSwapBetweenCyclesHandsTheStateAcrossAndKeepsTheLink() throws Exception {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> ANSWER);
        Session s = started(link, counter("1.0.0", 1));
        clock.advanceMillis(INTERVAL_MS * 5);
        assertThat(values()).containsExactly(1L, 2L, 3L, 4L, 5L);

        Session.Swap swap = done(s.swap(s.group().successor(counter("2.0.0", 1))));
        assertThat(swap.from()).isEqualTo("counter 1.0.0");
        assertThat(swap.to()).isEqualTo("counter 2.0.0");
        assertThat(swap.stateRestored()).isTrue();

        clock.advanceMillis(INTERVAL_MS * 5);
        assertThat(values()).containsExactly(6L, 7L, 8L, 9L, 10L);
        SessionStatus st = s.status();
        assertThat(st.driver()).isEqualTo("counter 2.0.0");
        assertThat(st.missed()).isZero();
        assertThat(st.cycles()).isEqualTo(10);
        assertThat(link.connected()).isTrue();
        assertThat(link.closed()).isFalse();
        assertThat(s.swaps()).isEqualTo(1);
    }

    @Test
    void aNewVersionEarnsDecodingOnTheLinksThreadAnew() throws Exception {
        HeldPool pool = new HeldPool();
        FakeLink link = new FakeLink("plc1").runningShortTasks();
        Session s = started(link, counter("1.0.0", 1), List.of("seq"), pool);
        pool.runAll();
        boolean here = false;
        for (int i = 0; i < 50 * QuickDecodes.FIRST && !here; i++) {
            here = pool.cycle(clock, INTERVAL_MS, link, ANSWER);
        }
        assertThat(here).as("1.0.0 earned decoding on the link's thread").isTrue();

        CompletableFuture<Session.Swap> f = s.swap(s.group().successor(counter("2.0.0", 1)));
        pool.runAll();
        assertThat(pool.cycle(clock, INTERVAL_MS, link, ANSWER)).isFalse();
        assertThat(done(f).to()).isEqualTo("counter 2.0.0");
        for (int i = 0; i < QuickDecodes.FIRST - 1; i++) {
            assertThat(pool.cycle(clock, INTERVAL_MS, link, ANSWER))
                    .as("answer %d of 2.0.0 goes to a worker", i)
                    .isFalse();
        }
        assertThat(s.status().missed()).isZero();
    }

    @Test
    void theExchangeInFlightFinishesOnTheOldVersion() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link, counter("1.0.0", 1));
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.takeSent()).hasSize(1);

        CompletableFuture<Session.Swap> f = s.swap(s.group().successor(counter("2.0.0", 1)));
        assertThat(f).as("waits for the answer on the wire").isNotDone();
        assertThat(s.status().driver()).isEqualTo("counter 1.0.0");

        link.receive(ANSWER);
        assertThat(values()).containsExactly(1L);
        assertThat(done(f).stateRestored()).isTrue();
        assertThat(s.status().driver()).isEqualTo("counter 2.0.0");

        link.answerWith(req -> ANSWER);
        clock.advanceMillis(INTERVAL_MS);
        assertThat(values()).containsExactly(2L);
        assertThat(s.status().missed()).isZero();
    }

    @Test
    void aSwapCalledOffBeforeTheCycleBoundaryNeverHappens() throws Exception {
        FakeLink link = new FakeLink("plc1");
        Session s = started(link, counter("1.0.0", 1));
        clock.advanceMillis(INTERVAL_MS);
        assertThat(link.takeSent()).hasSize(1);

        Session.Prepared p = s.prepareSwap(s.group().successor(counter("2.0.0", 1)));
        CompletableFuture<Session.Swap> f = s.swap(p);
        assertThat(f).as("waits for the answer on the wire").isNotDone();
        assertThat(s.cancelSwap(p)).isDone();
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::get).hasMessageContaining("plc1: swap called off");

        link.receive(ANSWER);
        link.answerWith(req -> ANSWER);
        clock.advanceMillis(INTERVAL_MS * 2);
        assertThat(values()).containsExactly(1L, 2L, 3L);
        assertThat(s.status().driver())
                .as("the cycle boundary passed, and the old version runs on")
                .isEqualTo("counter 1.0.0");
        assertThat(s.swaps()).isZero();
        assertThat(s.cancelSwap(p)).as("calling off twice is harmless").isDone();
    }

    @Test
    void aSwapThatHappenedCannotBeCalledOff() throws Exception {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> ANSWER);
        Session s = started(link, counter("1.0.0", 1));
        clock.advanceMillis(INTERVAL_MS);
        values();
        Session.Prepared p = s.prepareSwap(s.group().successor(counter("2.0.0", 1)));
        CompletableFuture<Session.Swap> f = s.swap(p);
        assertThat(done(f).stateRestored()).isTrue();
        s.cancelSwap(p);
        assertThat(f.isCompletedExceptionally()).isFalse();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(values()).containsExactly(2L);
        assertThat(s.status().driver()).isEqualTo("counter 2.0.0");
    }

    @Test
    void aDifferentStateSchemaIsAColdStart() throws Exception {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> ANSWER);
        Session s = started(link, counter("1.0.0", 1));
        clock.advanceMillis(INTERVAL_MS * 3);
        assertThat(values()).containsExactly(1L, 2L, 3L);

        assertThat(done(s.swap(s.group().successor(counter("2.0.0", 2)))).stateRestored())
                .isFalse();
        clock.advanceMillis(INTERVAL_MS * 2);
        assertThat(values()).containsExactly(1L, 2L);
    }

    @Test
    void aVersionThatRefusesTheDeviceLeavesItRunningTheOldOne() throws Exception {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> ANSWER);
        Session s = started(link, counter("1.0.0", 1));
        clock.advanceMillis(INTERVAL_MS * 2);
        values();

        CompletableFuture<Session.Swap> f = s.swap(s.group().successor(counter("9.0.0", 1)));
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::get)
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining(
                        "plc1: counter 9.0.0 refused the device: weir_open returned E_CONFIG");
        clock.advanceMillis(INTERVAL_MS * 2);
        assertThat(values()).containsExactly(3L, 4L);
        assertThat(s.status().driver()).isEqualTo("counter 1.0.0");
        assertThat(s.status().state()).isEqualTo(SessionState.RUNNING);
    }

    @Test
    void aQuarantinedDeviceRunsAgainOnTheNewVersion() throws Exception {
        DriverModule bad = DriverModule.load("fixture.wasm", Fixtures.wasm("fixture"));
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> Fixtures.command(Fixtures.TRAP));
        DeviceSpec spec =
                new DeviceSpec(
                        "plc1",
                        LinkAddress.parse("127.0.0.1:502"),
                        "fixture",
                        new DeviceConfig(Map.of(), List.of(Map.of())),
                        List.of("v"),
                        Duration.ofMillis(INTERVAL_MS));
        Session s =
                new Session(
                        spec,
                        new InstanceGroup(bad, 1, Runnable::run),
                        link,
                        points::addAll,
                        clock,
                        clock);
        s.start();
        link.up();
        // Five traps within ten minutes (ABI §9), the crash-loop backoff between them.
        for (int i = 0; i < 600 && s.state() != SessionState.QUARANTINED; i++) {
            clock.advanceMillis(INTERVAL_MS);
        }
        assertThat(s.state()).isEqualTo(SessionState.QUARANTINED);

        DriverModule good = DriverModule.load("fixture.wasm", Fixtures.wasm("fixture"));
        done(s.swap(s.group().successor(good)));
        assertThat(s.state()).isEqualTo(SessionState.RUNNING);
        link.answerWith(req -> Fixtures.frame(42));
        points.clear();
        clock.advanceMillis(INTERVAL_MS);
        assertThat(values()).containsExactly(42L);
    }

    @Test
    void aHundredSwapsInAThousandCyclesMissNothingAndRepeatNothing() throws Exception {
        FakeLink link = new FakeLink("plc1");
        link.answerWith(req -> ANSWER);
        DriverModule a = counter("1.0.0", 1);
        DriverModule b = counter("2.0.0", 1);
        Session s = started(link, a);
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            clock.advanceMillis(INTERVAL_MS * 10);
            all.addAll(values());
            assertThat(done(s.swap(s.group().successor(i % 2 == 0 ? b : a))).stateRestored())
                    .isTrue();
        }
        assertThat(all).hasSize(1000);
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i)).isEqualTo(i + 1L);
        }
        assertThat(s.status().missed()).isZero();
        assertThat(s.swaps()).isEqualTo(100);
    }
}
