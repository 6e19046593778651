package io.weir.host.can;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.weir.abi.CanFrame;
import io.weir.host.io.LinkAddress;
import io.weir.host.serial.PtyPair;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The slcan link on one end of a socat pty pair, an adapter played from the spec on the other. */
class SlcanLinkIT {
    @BeforeAll
    static void needsPseudoTerminals() {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
    }

    private final CanTransport transport = new CanTransport();
    @TempDir Path dir;
    private PtyPair pty;
    private ScriptedAdapter adapter;

    @AfterEach
    void close() {
        transport.close();
        if (adapter != null) {
            adapter.close();
        }
        if (pty != null) {
            pty.close();
        }
    }

    private CanLink start(String params, Events e) throws Exception {
        if (pty == null) {
            pty = PtyPair.open(dir);
        }
        CanLink link = transport.open(LinkAddress.parse("slcan:" + pty.first() + "?" + params));
        link.start(e);
        return link;
    }

    private static final List<String> TRUCK =
            List.of(
                    "10FDA300#FFFF07FFFFFFFFFF",
                    "18FEE000#FFFFFFFFB05C6800",
                    "0CF00400#207D87481400F087");

    @Test
    void setsUpTheAdapterThenDeliversAndSendsFrames() throws Exception {
        pty = PtyPair.open(dir);
        adapter = new ScriptedAdapter(pty.second(), ScriptedAdapter::lawicel);
        Events e = new Events();
        CanLink link = start("bitrate=250000", e);
        assertThat(e.next()).isEqualTo("up");
        // Lawicel: clear the buffer with CRs, close, set the bit rate, open.
        assertThat(adapter.commands.subList(0, 3)).containsExactly("", "", "");
        assertThat(adapter.real()).containsExactly("C", "S5", "O");
        assertThat(link.describe()).isEqualTo("slcan " + pty.first() + " 250 kbit/s #1");

        // The three truck frames of pretty_j1939's tests/candump.log, as an adapter writes them
        // (the last with a Z1 millisecond timestamp), and an FD frame with bit rate switch.
        adapter.emit("T10FDA3008FFFF07FFFFFFFFFF\r");
        adapter.emit("T18FEE0008FFFFFFFFB05C6800\rT0CF004008207D87481400F0871A2B\r");
        adapter.emit("b1239112233445566778899AABBCC\r");
        e.awaitFrames(4);
        assertThat(e.candump().subList(0, 3)).containsExactlyElementsOf(TRUCK);
        assertThat(e.frames.get(3))
                .isEqualTo(CanFrame.parseCandump("123##1112233445566778899AABBCC"));

        // Two frames back to back in one send, ABI §6.4 encoded.
        ByteArrayOutputStream tx = new ByteArrayOutputStream();
        tx.writeBytes(CanFrame.parseCandump("18EAFF0B#ECFE00").encode());
        tx.writeBytes(CanFrame.parseCandump("321#R4").encode());
        assertThat(link.send(tx.toByteArray())).isTrue();
        awaitCommands(5);
        assertThat(adapter.real()).containsExactly("C", "S5", "O", "T18EAFF0B3ECFE00", "r3214");
        assertThat(link.bus().stats().framesSent()).isEqualTo(2);
        assertThat(link.bus().stats().framesReceived()).isEqualTo(4);
    }

    @Test
    void aFrameInTheSameReadAsTheOpensAnswerIsDeliveredAfterTheUp() throws Exception {
        pty = PtyPair.open(dir);
        adapter =
                new ScriptedAdapter(
                        pty.second(), cmd -> cmd.equals("O") ? "\rt1230\rt7FF1AA\r" : "\r");
        Events e = new Events();
        start("bitrate=500000", e);
        assertThat(e.next()).isEqualTo("up");
        assertThat(e.next()).isEqualTo("rx 123#");
        assertThat(e.next()).isEqualTo("rx 7FF#AA");
    }

    @Test
    void garbageAndRefusalsAreCountedAndTheFramesAroundThemStillArrive() throws Exception {
        pty = PtyPair.open(dir);
        adapter = new ScriptedAdapter(pty.second(), ScriptedAdapter::lawicel);
        Events e = new Events();
        CanLink link = start("bitrate=500000", e);
        assertThat(e.next()).isEqualTo("up");
        adapter.emit("t1230\rhello\r\u0007t123111\rt12\rt4561AA\r");
        e.awaitFrames(3);
        assertThat(e.candump()).containsExactly("123#", "123#11", "456#AA");
        CanStats s = link.bus().stats();
        // "hello" + CR and "t12" + CR.
        assertThat(s.garbage()).isEqualTo(10);
        assertThat(s.refused()).isEqualTo(1);
        assertThat(link.connected()).isTrue();
    }

    @Test
    void anAdapterThatRefusesOrIsSilentIsReportedDownOnceAndSetUpAgain() throws Exception {
        pty = PtyPair.open(dir);
        // Refuses the bit rate until told otherwise.
        adapter = new ScriptedAdapter(pty.second(), cmd -> cmd.startsWith("S") ? "\u0007" : "\r");
        Events e = new Events();
        CanLink link = start("bitrate=500000&databitrate=2000000&reopen=100ms", e);
        assertThat(e.next())
                .isEqualTo("down the slcan adapter on " + pty.first() + " refused 'S6'");
        Thread.sleep(500);
        assertThat(e.queue).as("retries are not reported again").isEmpty();
        assertThat(adapter.real().stream().filter(c -> c.equals("S6")).count()).isGreaterThan(2);
        adapter.answer = ScriptedAdapter::lawicel;
        assertThat(e.next()).isEqualTo("up");
        assertThat(link.connected()).isTrue();
        List<String> cmds = adapter.real();
        assertThat(cmds.subList(cmds.size() - 4, cmds.size()))
                .containsExactly("C", "S6", "Y2", "O");
    }

    @Test
    void aSilentAdapterIsNamedAsSuch() throws Exception {
        pty = PtyPair.open(dir);
        adapter = new ScriptedAdapter(pty.second(), cmd -> null);
        Events e = new Events();
        start("bitrate=125000&timeout=200ms&listen=true", e);
        assertThat(e.next())
                .isEqualTo(
                        "down the slcan adapter on "
                                + pty.first()
                                + " did not answer 'C' within 200 ms (is it an slcan adapter, at"
                                + " 115200 8N1?)");
    }

    @Test
    void aQuietAdapterIsAskedForItsStatusAndAHungOneIsSetUpAgain() throws Exception {
        pty = PtyPair.open(dir);
        adapter =
                new ScriptedAdapter(
                        pty.second(),
                        cmd -> cmd.equals("F") ? "F00\r" : ScriptedAdapter.lawicel(cmd));
        Events e = new Events();
        CanLink link = start("bitrate=500000&keepalive=200ms&timeout=200ms&reopen=100ms", e);
        assertThat(e.next()).isEqualTo("up");
        Thread.sleep(700);
        assertThat(adapter.real()).contains("F");
        assertThat(e.queue).as("an adapter that answers F stays up").isEmpty();
        // The firmware hangs: the port stays open, nothing answers.
        adapter.answer = cmd -> null;
        assertThat(e.next())
                .isEqualTo(
                        "down the slcan adapter on "
                                + pty.first()
                                + " stopped answering (no answer to F within 200 ms)");
        assertThat(link.connected()).isFalse();
        adapter.answer = ScriptedAdapter::lawicel;
        assertThat(e.next()).isEqualTo("up");
    }

    @Test
    void listenOnlyOpensWithLAndSendsNothing() throws Exception {
        pty = PtyPair.open(dir);
        adapter = new ScriptedAdapter(pty.second(), ScriptedAdapter::lawicel);
        Events e = new Events();
        CanLink link = start("bitrate=125000&listen=true", e);
        assertThat(e.next()).isEqualTo("up");
        assertThat(adapter.real()).containsExactly("C", "S4", "L");
        assertThat(link.send(CanFrame.parseCandump("123#00").encode())).isTrue();
        Thread.sleep(200);
        assertThat(adapter.real()).containsExactly("C", "S4", "L");
        assertThat(link.bus().stats().notTransmitted()).isEqualTo(1);
    }

    @Test
    void anAdapterUnpluggedAndPluggedInAgainIsSetUpAgain() throws Exception {
        pty = PtyPair.open(dir);
        adapter = new ScriptedAdapter(pty.second(), ScriptedAdapter::lawicel);
        Events e = new Events();
        CanLink link = start("bitrate=500000&reopen=50ms", e);
        assertThat(e.next()).isEqualTo("up");
        adapter.close();
        pty.close();
        assertThat(e.next()).startsWith("down serial port " + pty.first() + " failed to read");
        assertThat(link.send(CanFrame.parseCandump("123#00").encode())).isFalse();
        Thread.sleep(500);
        assertThat(e.queue).isEmpty();
        pty = PtyPair.open(dir);
        adapter = new ScriptedAdapter(pty.second(), ScriptedAdapter::lawicel);
        assertThat(e.next()).isEqualTo("up");
        adapter.emit("t1230\r");
        assertThat(e.next()).isEqualTo("rx 123#");
    }

    private void awaitCommands(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (adapter.real().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }
}
