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

    private long tick() {
        return now.getAndAdd(10_000);
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
        assertThat(BusyPoll.fromProperty(null)).isZero();
        assertThat(BusyPoll.fromProperty(" ")).isZero();
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
