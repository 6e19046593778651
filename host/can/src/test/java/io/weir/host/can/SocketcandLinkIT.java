package io.weir.host.can;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.CanFrame;
import io.weir.host.io.LinkAddress;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SocketcandLinkIT {

    private final CanTransport transport = new CanTransport();
    private ScriptedDaemon daemon;

    @AfterEach
    void close() throws Exception {
        transport.close();
        if (daemon != null) {
            daemon.close();
        }
    }

    private CanLink link(String bus, String params) {
        return transport.open(
                LinkAddress.parse(
                        "socketcand://127.0.0.1:"
                                + daemon.port()
                                + "/"
                                + bus
                                + (params.isEmpty() ? "" : "?" + params)));
    }

    @Test
    void opensTheBusInRawModeAndCarriesFramesBothWays() throws Exception {
        daemon = new ScriptedDaemon(0);
        CanLink link = link("can0", "");
        Events e = new Events();
        link.start(e);
        assertThat(e.next()).isEqualTo("up");
        assertThat(link.describe()).isEqualTo("socketcand 127.0.0.1:" + daemon.port() + "/can0 #1");
        daemon.awaitClients(1);
        // As the daemon writes them, then as its protocol document does, an FD frame, an error
        // frame, a remote frame, an echo, and garbage.
        daemon.broadcast("< frame 0CF00400 1612543138.000100 207D87481400F087 >");
        daemon.broadcast("< frame 123 23.424242 11 22 33 44 >xx");
        daemon.broadcast("< fdframe 123 05 1.000000 112233445566778899AABBCC >");
        daemon.broadcast("< error 004 1.000000 >< echo >< frame 12 1.0 00 >");
        daemon.broadcast("< rtr 321 1.000000 4 >");
        e.awaitFrames(4);
        assertThat(e.candump())
                .containsExactly(
                        "0CF00400#207D87481400F087",
                        "123#11223344",
                        "123##1112233445566778899AABBCC",
                        "321#R4");
        CanStats s = link.bus().stats();
        assertThat(s.errorFrames()).isEqualTo(1);
        // "xx" and "< frame 12 1.0 00 >".
        assertThat(s.garbage()).isEqualTo(2 + 19);

        ByteArrayOutputStream tx = new ByteArrayOutputStream();
        tx.writeBytes(CanFrame.parseCandump("1AAAAAAA#01F1").encode());
        tx.writeBytes(CanFrame.parseCandump("123##1112233445566778899AABBCC").encode());
        assertThat(link.send(tx.toByteArray())).isTrue();
        assertThat(daemon.received.poll(5, TimeUnit.SECONDS))
                .isEqualTo("< send 1AAAAAAA 2 01 F1 >");
        assertThat(daemon.received.poll(5, TimeUnit.SECONDS))
                .isEqualTo("< fdsend 123 1 12 11 22 33 44 55 66 77 88 99 AA BB CC >");
    }

    @Test
    void aRefusedBusIsReportedOnceAndTriedAgain() throws Exception {
        daemon = new ScriptedDaemon(0);
        daemon.bus = "can1";
        CanLink link = link("can0", "backoff=50ms&backoffmax=100ms");
        Events e = new Events();
        link.start(e);
        assertThat(e.next())
                .isEqualTo(
                        "down socketcand 127.0.0.1:"
                                + daemon.port()
                                + " refused bus can0: could not open bus");
        Thread.sleep(500);
        assertThat(e.queue).isEmpty();
        assertThat(daemon.connections.get()).isGreaterThan(2);
        daemon.bus = "can0";
        assertThat(e.next()).isEqualTo("up");
        assertThat(link.connected()).isTrue();
    }

    @Test
    void aLostConnectionIsReportedOnceAndMadeAgain() throws Exception {
        daemon = new ScriptedDaemon(0);
        int port = daemon.port();
        CanLink link = link("can0", "backoff=50ms&backoffmax=100ms");
        Events e = new Events();
        link.start(e);
        assertThat(e.next()).isEqualTo("up");
        daemon.awaitClients(1);
        daemon.close();
        assertThat(e.next())
                .isEqualTo("down socketcand 127.0.0.1:" + port + " closed the connection");
        assertThat(link.send(CanFrame.parseCandump("123#00").encode())).isFalse();
        Thread.sleep(400);
        assertThat(e.queue).as("refused connects are not reported again").isEmpty();
        daemon = new ScriptedDaemon(port);
        assertThat(e.next()).isEqualTo("up");
        daemon.awaitClients(1);
        daemon.broadcast("< frame 7FF 1.000000 01 >");
        assertThat(e.next()).isEqualTo("rx 7FF#01");
    }

    @Test
    void aQuietBusIsAskedForAnEchoAndAHungServerIsLeft() throws Exception {
        daemon = new ScriptedDaemon(0);
        CanLink link = link("can0", "keepalive=200ms&backoff=50ms&backoffmax=100ms");
        Events e = new Events();
        link.start(e);
        assertThat(e.next()).isEqualTo("up");
        // A quiet bus with a live server: echoes asked and answered, the link stays up.
        assertThat(daemon.received.poll(5, TimeUnit.SECONDS)).isEqualTo("< echo >");
        assertThat(daemon.received.poll(5, TimeUnit.SECONDS)).isEqualTo("< echo >");
        assertThat(e.queue).isEmpty();
        // The server hangs: no answer, no FIN.
        daemon.mute = true;
        assertThat(e.next())
                .isEqualTo(
                        "down socketcand 127.0.0.1:"
                                + daemon.port()
                                + " did not answer < echo > within 200 ms");
        daemon.mute = false;
        assertThat(e.next()).isEqualTo("up");
    }

    @Test
    void aServerThatNeverGreetsIsNamedAsSuch() throws Exception {
        daemon = new ScriptedDaemon(0);
        daemon.greet = false;
        CanLink link = link("can0", "handshake=200ms&backoff=1s");
        Events e = new Events();
        link.start(e);
        assertThat(e.next())
                .isEqualTo(
                        "down socketcand 127.0.0.1:"
                                + daemon.port()
                                + " did not complete the handshake within 200 ms");
        assertThat(link.downReason()).endsWith("did not complete the handshake within 200 ms");
    }
}
