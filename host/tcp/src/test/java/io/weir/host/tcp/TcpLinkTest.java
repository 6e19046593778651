package io.weir.host.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.io.LinkAddress;
import io.weir.host.io.LinkListener;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A real loopback peer: connect, exchange, outage, reconnect. */
class TcpLinkTest {

    static final class Events implements LinkListener {
        final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        final java.util.List<String> reasons = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void linkUp() {
            queue.add("up");
        }

        @Override
        public void received(byte[] bytes) {
            queue.add("rx " + new String(bytes, java.nio.charset.StandardCharsets.US_ASCII));
        }

        @Override
        public void linkDown(String reason) {
            reasons.add(reason);
            queue.add("down");
        }

        String next() throws InterruptedException {
            String e = queue.poll(5, TimeUnit.SECONDS);
            assertThat(e).as("a link event within 5 s").isNotNull();
            return e;
        }
    }

    private static ServerSocket listen(int port) throws Exception {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress("127.0.0.1", port));
        return s;
    }

    @Test
    void exchangesBytesAndReconnectsAfterAnOutage() throws Exception {
        TcpLink.Options fast =
                new TcpLink.Options(
                        Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ofMillis(400));
        try (TcpTransport transport = new TcpTransport(1, fast)) {
            ServerSocket server = listen(0);
            int port = server.getLocalPort();
            TcpLink link = transport.link("127.0.0.1", port);
            Events events = new Events();
            link.start(events);
            Socket peer = server.accept();
            assertThat(events.next()).isEqualTo("up");
            assertThat(link.connected()).isTrue();
            assertThat(link.send("ping".getBytes())).isTrue();
            InputStream in = peer.getInputStream();
            assertThat(new String(in.readNBytes(4))).isEqualTo("ping");
            peer.getOutputStream().write("pong".getBytes());
            assertThat(events.next()).isEqualTo("rx pong");

            // Outage: the device goes away entirely.
            peer.close();
            server.close();
            assertThat(events.next()).isEqualTo("down");
            assertThat(link.send("lost".getBytes())).isFalse();
            assertThat(events.next()).as("a failed reconnect attempt").isEqualTo("down");
            assertThat(link.downReason()).contains("connect to 127.0.0.1:" + port + " failed");

            // The device comes back on the same port: the link reconnects by itself.
            try (ServerSocket again = listen(port)) {
                Socket peer2 = again.accept();
                String e;
                do {
                    e = events.next();
                } while (e.equals("down"));
                assertThat(e).isEqualTo("up");
                assertThat(link.connects()).isEqualTo(2);
                link.send("back".getBytes());
                assertThat(new String(peer2.getInputStream().readNBytes(4))).isEqualTo("back");
                link.close();
                peer2.close();
            }
        }
    }

    @Test
    void refusedConnectIsReportedAndRetried() throws Exception {
        ServerSocket probe = listen(0);
        int port = probe.getLocalPort();
        probe.close(); // nothing listens there now
        TcpLink.Options quick =
                new TcpLink.Options(
                        Duration.ofMillis(500), Duration.ofMillis(20), Duration.ofMillis(80));
        try (TcpTransport transport = new TcpTransport(1, quick)) {
            TcpLink link = transport.link("127.0.0.1", port);
            Events events = new Events();
            link.start(events);
            for (int i = 0; i < 3; i++) {
                assertThat(events.next()).isEqualTo("down");
            }
            assertThat(link.connected()).isFalse();
            assertThat(link.downReason())
                    .startsWith("connect to 127.0.0.1:" + port + " failed: ")
                    .containsIgnoringCase("connection refused")
                    .doesNotContain("(..)");
            link.close();
        }
    }

    @Test
    void aCloseByThePeerIsReportedAndACloseByTheHostIsNot() throws Exception {
        TcpLink.Options fast =
                new TcpLink.Options(
                        Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ofMillis(400));
        try (TcpTransport transport = new TcpTransport(1, fast);
                ServerSocket server = listen(0)) {
            TcpLink link = transport.link("127.0.0.1", server.getLocalPort());
            Events events = new Events();
            link.start(events);
            Socket peer = server.accept();
            assertThat(events.next()).isEqualTo("up");
            peer.close(); // FIN from the device
            assertThat(events.next()).isEqualTo("down");
            assertThat(events.reasons).containsExactly("connection closed by the peer");

            Socket peer2 = server.accept();
            assertThat(events.next()).isEqualTo("up");
            link.close();
            // The peer sees the host's FIN...
            assertThat(peer2.getInputStream().read()).isEqualTo(-1);
            // ...and the listener hears nothing: the host chose this end.
            assertThat(events.queue.poll(300, TimeUnit.MILLISECONDS)).isNull();
            assertThat(events.reasons).hasSize(1);
            assertThat(link.connected()).isFalse();
            assertThat(link.downReason()).isEqualTo("connection closed by the host");
            assertThat(link.send("late".getBytes())).isFalse();
            peer2.close();
        }
    }

    @Test
    void aReconnectTheHostAsksForIsReportedWithItsReasonAndConnectsAgain() throws Exception {
        TcpLink.Options fast =
                new TcpLink.Options(
                        Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ofMillis(400));
        try (TcpTransport transport = new TcpTransport(1, fast);
                ServerSocket server = listen(0)) {
            TcpLink link = transport.link("127.0.0.1", server.getLocalPort());
            Events events = new Events();
            link.start(events);
            Socket peer = server.accept();
            assertThat(events.next()).isEqualTo("up");
            link.reconnect("driver refused the link");
            assertThat(events.next()).isEqualTo("down");
            assertThat(events.reasons).containsExactly("reconnecting: driver refused the link");
            assertThat(peer.getInputStream().read()).as("the old connection ends").isEqualTo(-1);
            Socket peer2 = server.accept();
            assertThat(events.next()).isEqualTo("up");
            assertThat(link.connects()).isEqualTo(2);
            link.close();
            peer.close();
            peer2.close();
        }
    }

    @Test
    void rtuOverTcpIsSerialFramingOnATcpConnection() throws Exception {
        try (TcpTransport transport = new TcpTransport();
                ServerSocket server = listen(0)) {
            LinkAddress rtu = LinkAddress.parse("rtu+tcp://127.0.0.1:" + server.getLocalPort());
            assertThat(transport.schemes()).contains("tcp", "rtu+tcp");
            assertThat(transport.kind(rtu)).isEqualTo("serial");
            assertThat(transport.kind(LinkAddress.parse("tcp://127.0.0.1:502"))).isEqualTo("tcp");
            TcpLink link = transport.open(rtu);
            assertThat(link.describe()).isEqualTo("rtu+tcp 127.0.0.1:" + server.getLocalPort());
            assertThat(link.frameSilenceNanos()).as("TCP keeps no line timing").isZero();
            Events events = new Events();
            link.start(events);
            Socket peer = server.accept();
            peer.setSoTimeout(10_000);
            assertThat(events.next()).isEqualTo("up");
            // At once after the up: the channel must be there (it once was set a moment later).
            assertThat(link.send(new byte[] {1, 3, 0, 0, 0, 1, (byte) 0x84, 0x0A})).isTrue();
            assertThat(peer.getInputStream().readNBytes(8))
                    .containsExactly(1, 3, 0, 0, 0, 1, 0x84, 0x0A);
            link.close();
            peer.close();
        }
    }

    @Test
    void otherSchemesAndExtrasAreRefusedNamingTheAddress() {
        try (TcpTransport transport = new TcpTransport()) {
            assertThatThrownBy(() -> transport.open(LinkAddress.parse("rtu+tcp://plc")))
                    .hasMessage(
                            "TCP address \"rtu+tcp://plc\" needs a host and a port"
                                    + " (rtu+tcp://host:port)");
            assertThatThrownBy(() -> transport.open(LinkAddress.parse("serial:/dev/ttyUSB0")))
                    .hasMessage(
                            "TCP transport opens tcp:// and rtu+tcp:// addresses, not"
                                    + " \"serial:/dev/ttyUSB0\"");
        }
    }
}
