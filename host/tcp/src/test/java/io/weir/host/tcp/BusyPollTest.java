package io.weir.host.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.SelectStrategy;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BusyPollTest {

    /** A clock that moves 10 µs at every reading. */
    private final AtomicLong now = new AtomicLong(1_000_000);

    /** How far the clock moves at a reading. */
    private final AtomicLong step = new AtomicLong(10_000);

    private long tick() {
        return now.getAndAdd(step.get());
    }

    private final AtomicInteger looks = new AtomicInteger();
    private final AtomicInteger tasks = new AtomicInteger();

    private BusyPoll spin(long micros) {
        return new BusyPoll(micros * 1000, this::tick, tasks::get);
    }

    @Test
    void anIdleLoopLooksUntilTheSpinIsOverThenSleeps() throws Exception {
        // 50 µs at 10 µs a reading: the start, then five looks, the last at the deadline.
        int strategy =
                spin(50).calculateStrategy(
                                () -> {
                                    looks.incrementAndGet();
                                    return 0;
                                },
                                false);
        assertThat(strategy).isEqualTo(SelectStrategy.SELECT);
        assertThat(looks.get()).isEqualTo(5);
    }

    @Test
    void aSocketReadyWhileSpinningIsHandledAtOnce() throws Exception {
        int strategy =
                spin(50).calculateStrategy(() -> looks.incrementAndGet() == 3 ? 2 : 0, false);
        assertThat(strategy).isEqualTo(2);
        assertThat(looks.get()).isEqualTo(3);
    }

    @Test
    void aTaskHandedToTheLoopWhileSpinningEndsTheSpinSoThatItRuns() throws Exception {
        int strategy =
                spin(50).calculateStrategy(
                                () -> {
                                    if (looks.incrementAndGet() == 2) {
                                        tasks.set(1);
                                    }
                                    return 0;
                                },
                                false);
        assertThat(strategy).isEqualTo(SelectStrategy.CONTINUE);
        assertThat(looks.get()).isEqualTo(2);
    }

    /**
     * One idle moment of {@code p}: whether it looked for work at all, a socket being ready at its
     * first look when {@code answers}.
     */
    private boolean idle(BusyPoll p, boolean answers) throws Exception {
        int before = looks.get();
        int strategy =
                p.calculateStrategy(
                        () -> {
                            looks.incrementAndGet();
                            return answers ? 1 : 0;
                        },
                        false);
        boolean looked = looks.get() > before;
        assertThat(strategy).isEqualTo(looked && answers ? 1 : SelectStrategy.SELECT);
        return looked;
    }

    @Test
    void aLoopWhoseSpinsPayGoesOnSpinningEveryIdleMoment() throws Exception {
        BusyPoll p = spin(50);
        for (int i = 1; i <= BusyPoll.SCORE_ON; i++) {
            assertThat(idle(p, true)).as("probe %d", i).isTrue();
            assertThat(p.score()).isEqualTo(i);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(idle(p, true)).isTrue();
        }
        assertThat(p.score()).as("capped").isEqualTo(BusyPoll.SCORE_MAX);
        // Two spins that run out cost 8 of 16: still spinning; the third stops it.
        assertThat(idle(p, false)).isTrue();
        assertThat(idle(p, false)).isTrue();
        assertThat(p.score()).isEqualTo(8);
        assertThat(p.spinsNext()).isTrue();
        assertThat(idle(p, false)).isTrue();
        assertThat(p.score()).isEqualTo(4);
        assertThat(p.spinsNext()).isFalse();
    }

    @Test
    void fourSpinsInFiveThatPayKeepItSpinningOneInTwoDoesNot() throws Exception {
        BusyPoll p = spin(50);
        for (int i = 0; i < BusyPoll.SCORE_ON; i++) {
            idle(p, true);
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(idle(p, i % 5 != 4)).as("idle moment %d", i).isTrue();
        }
        BusyPoll q = spin(50);
        for (int i = 0; i < BusyPoll.SCORE_MAX; i++) {
            idle(q, true);
        }
        // Half the idle moments end within a spin, at random.
        java.util.Random random = new java.util.Random(7);
        int paid = 0;
        int ranOut = 0;
        int moments = 100_000;
        for (int i = 0; i < moments; i++) {
            boolean answers = random.nextBoolean();
            if (idle(q, answers)) {
                if (answers) {
                    paid++;
                } else {
                    ranOut++;
                }
            }
        }
        // A spin that runs out doubles the distance to the next probe and one that pays halves it,
        // so the spins wasted are at most those that paid, plus the ten doublings to 1,024 and one
        // probe in 1,024 moments.
        assertThat(ranOut).isLessThanOrEqualTo(paid + 10 + moments / BusyPoll.PROBE_MAX);
        assertThat(paid + ranOut).as("spun").isLessThan(moments / 2);
    }

    @Test
    void spinsThatRunOutBackOffToOneProbeInAThousandAndTwentyFourIdleMoments() throws Exception {
        BusyPoll p = spin(50);
        java.util.List<Integer> probes = new java.util.ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            if (idle(p, false)) {
                probes.add(i);
            }
        }
        // The distance doubles from 1 up to 1,024: idle moments 0, 2, 6, … 2,046, then every 1,024.
        assertThat(probes)
                .containsExactly(0, 2, 6, 14, 30, 62, 126, 254, 510, 1022, 2046, 3070, 4094, 5118);
        assertThat(p.probeEvery()).isEqualTo(BusyPoll.PROBE_MAX);
        assertThat(p.score()).isZero();
        assertThat(looks.get()).as("each probe looks 5 times").isEqualTo(5 * probes.size());
    }

    @Test
    void aProbeThatPaysHalvesTheDistanceToTheNext() throws Exception {
        BusyPoll p = spin(50);
        idle(p, false);
        idle(p, false);
        idle(p, false); // a probe: 4 between probes now
        assertThat(p.probeEvery()).isEqualTo(4);
        for (int i = 0; i < 3; i++) {
            assertThat(idle(p, true)).isFalse();
        }
        assertThat(idle(p, true)).isTrue();
        assertThat(p.probeEvery()).isEqualTo(2);
        assertThat(p.score()).isEqualTo(1);
        assertThat(idle(p, true)).isFalse();
        assertThat(idle(p, true)).isTrue();
        assertThat(p.probeEvery()).isEqualTo(1);
        // From here every idle moment probes, and the eighth paying spin turns spinning on.
        for (int i = 2; i < BusyPoll.SCORE_ON; i++) {
            assertThat(idle(p, true)).isTrue();
        }
        assertThat(p.score()).isEqualTo(BusyPoll.SCORE_ON);
        assertThat(p.spinsNext()).isTrue();
    }

    @Test
    void aSpinWhoseThreadLosesItsCoreEndsAtOnceAsOneThatRanOut() throws Exception {
        BusyPoll p = spin(50);
        for (int i = 0; i < BusyPoll.SCORE_MAX; i++) {
            idle(p, true);
        }
        // The clock moves 10 µs to the end of the first look, 20 µs to the end of the second (not
        // yet a stall), 20.001 µs to the end of the third, within the 50 µs spin.
        AtomicInteger k = new AtomicInteger();
        int strategy =
                p.calculateStrategy(
                        () -> {
                            int n = k.incrementAndGet();
                            step.set(n == 1 ? BusyPoll.STALL_NANOS : BusyPoll.STALL_NANOS + 1);
                            return 0;
                        },
                        false);
        assertThat(strategy).isEqualTo(SelectStrategy.SELECT);
        assertThat(k.get()).as("the look before the stall").isEqualTo(3);
        assertThat(p.score()).isEqualTo(BusyPoll.SCORE_MAX - BusyPoll.MISS_COST);
        assertThat(p.probeEvery()).isEqualTo(2);
        // Stalls at every look: each spin ends after its second look and costs the score.
        step.set(BusyPoll.STALL_NANOS + 1);
        k.set(0);
        assertThat(p.calculateStrategy(() -> k.incrementAndGet() * 0, false))
                .isEqualTo(SelectStrategy.SELECT);
        assertThat(k.get()).isEqualTo(1);
        assertThat(p.score()).isEqualTo(BusyPoll.SCORE_MAX - 2 * BusyPoll.MISS_COST);
        assertThat(p.spinsNext()).isTrue();
        p.calculateStrategy(() -> 0, false);
        assertThat(p.spinsNext()).as("a crowded machine stops the spinning").isFalse();
    }

    @Test
    void aTaskThatEndsASpinCountsAsPaid() throws Exception {
        BusyPoll p = spin(50);
        tasks.set(1);
        assertThat(p.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.CONTINUE);
        assertThat(p.score()).isEqualTo(1);
        assertThat(p.probeEvery()).isEqualTo(1);
    }

    @Test
    void withTasksWaitingItLooksOnceWithoutSpinning() throws Exception {
        assertThat(spin(50).calculateStrategy(() -> looks.incrementAndGet() - 1, true)).isZero();
        assertThat(looks.get()).isEqualTo(1);
        long before = now.get();
        assertThat(spin(50).calculateStrategy(() -> 4, true)).isEqualTo(4);
        assertThat(now.get()).as("no clock read").isEqualTo(before);
    }

    @Test
    void aLoopSeesTheTasksHandedToItOthersDoNot() throws Exception {
        var group =
                new io.netty.channel.MultiThreadIoEventLoopGroup(
                        1, SocketFamily.CURRENT.handlers(Duration.ofNanos(50_000)));
        try {
            var loop = group.next();
            int seen =
                    loop.submit(
                                    () -> {
                                        // Two tasks queued behind this one.
                                        loop.execute(() -> {});
                                        loop.execute(() -> {});
                                        return BusyPoll.currentLoopTasks();
                                    })
                            .get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(seen).isEqualTo(2);
            assertThat(BusyPoll.currentLoopTasks()).as("off a loop").isZero();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aSpinIsAboveZeroAndAtMostAMillisecond() {
        assertThatThrownBy(() -> spin(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BusyPoll(1_000_001, this::tick, tasks::get))
                .hasMessageContaining("outside 1 ns..1 ms");
        assertThat(new BusyPoll(1_000_000, this::tick, tasks::get)).isNotNull();
        assertThatThrownBy(
                        () ->
                                new TcpTransport(
                                        1, TcpLink.Options.DEFAULT, Duration.ofNanos(1_000_001)))
                .hasMessageContaining("busy poll of PT0.001000001S is outside 0..PT0.001S");
        assertThatThrownBy(() -> new TcpTransport(1, TcpLink.Options.DEFAULT, Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePropertyIsWholeMicrosecondsFromZeroToAThousand() {
        assertThat(BusyPoll.fromProperty(null)).isEqualTo(Duration.ofNanos(50_000));
        assertThat(BusyPoll.fromProperty(" ")).isEqualTo(BusyPoll.DEFAULT);
        assertThat(BusyPoll.fromProperty("0")).isZero();
        assertThat(BusyPoll.fromProperty(" 50 ")).isEqualTo(Duration.ofNanos(50_000));
        assertThat(BusyPoll.fromProperty("1000")).isEqualTo(Duration.ofMillis(1));
        for (String bad : new String[] {"-1", "1001", "50us", "0.5"}) {
            assertThatThrownBy(() -> BusyPoll.fromProperty(bad))
                    .hasMessage(
                            "-Dweir.tcp.busyPollMicros="
                                    + bad
                                    + ": give the busy poll in microseconds, 0 (off) to 1000");
        }
    }

    @Test
    void aLinkOnSpinningLoopsExchangesBytesAndReportsItsPeerGoing() throws Exception {
        Duration spin = Duration.ofNanos(50_000);
        try (TcpTransport transport = new TcpTransport(1, TcpLink.Options.DEFAULT, spin);
                ServerSocket server = new ServerSocket()) {
            assertThat(transport.busyPoll()).isEqualTo(spin);
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            TcpLink link = transport.link("127.0.0.1", server.getLocalPort());
            TcpLinkTest.Events events = new TcpLinkTest.Events();
            link.start(events);
            try (Socket peer = server.accept()) {
                assertThat(events.next()).isEqualTo("up");
                InputStream in = peer.getInputStream();
                for (int i = 0; i < 200; i++) {
                    // A send from this thread is a task handed to the spinning loop.
                    assertThat(link.send(("q" + (i % 10)).getBytes())).isTrue();
                    assertThat(new String(in.readNBytes(2))).isEqualTo("q" + (i % 10));
                    peer.getOutputStream().write(("a" + (i % 10)).getBytes());
                    assertThat(events.next()).isEqualTo("rx a" + (i % 10));
                }
            }
            assertThat(events.next()).isEqualTo("down");
            link.close();
        }
    }
}
