package io.weir.host.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.weir.host.io.LinkAddress;
import io.weir.host.io.LinkListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared serial bus end to end: the gateway's links on one end of a socat pty pair, j2mod's
 * Modbus RTU slave on the other (a real serial peer), and for faults on the wire a {@link
 * LineEmulator} between two pty pairs.
 */
class SerialBusIT {
    @BeforeAll
    static void needsPseudoTerminals() {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
    }

    private static final LineSettings LINE = LineSettings.MODBUS_DEFAULT;
    private static final Duration T = Duration.ofMillis(500);

    @TempDir Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private SerialTransport transport;

    @BeforeEach
    void transport() {
        transport = new SerialTransport();
    }

    @AfterEach
    void close() throws Exception {
        transport.close();
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <C extends AutoCloseable> C keep(C c) {
        open.add(c);
        return c;
    }

    private PtyPair pty(String name) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        return keep(PtyPair.open(d));
    }

    private SerialLink link(Path port, String params) {
        return transport.open(
                LinkAddress.parse("serial:" + port + (params.isEmpty() ? "" : "?" + params)));
    }

    private static int[] regs(int base, int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = base + i;
        }
        return r;
    }

    @Test
    void pollsAndWritesAJ2modSlave() throws Exception {
        PtyPair pty = pty("one");
        RtuSlave slave = keep(new RtuSlave(pty.second(), LINE, Map.of(1, regs(100, 10))));
        SerialLink link = link(pty.first(), "");
        assertThat(link.queuesSends()).isTrue();
        // 19200 8E1: 11 bits a character, 3.5 characters = 2005 µs (ABI v1.1 §7.10).
        assertThat(link.frameSilenceNanos()).isEqualTo(2_005_208);
        Master m = new Master(link);
        m.awaitUp();

        byte[] answer = m.transact(Rtu.readHolding(1, 2, 3), T);
        assertThat(Rtu.crcOk(answer)).as("answer %s", SerialBus.hex(answer)).isTrue();
        assertThat(Rtu.registers(answer)).containsExactly(102, 103, 104);

        byte[] echo = m.transact(Rtu.writeSingle(1, 4, 4711), T);
        assertThat(echo).isEqualTo(Rtu.writeSingle(1, 4, 4711));
        assertThat(slave.register(1, 4)).isEqualTo(4711);
        assertThat(Rtu.registers(m.transact(Rtu.readHolding(1, 4, 1), T))).containsExactly(4711);

        SerialBus.Stats s = link.bus().stats();
        assertThat(s.requests()).isEqualTo(3);
        assertThat(s.unsolicitedBytes()).isZero();
        assertThat(s.misses()).isZero();
        assertThat(link.answered()).isEqualTo(3);
    }

    @Test
    void twoSlavesOnOneBusEachHearOnlyTheirOwnAnswers() throws Exception {
        PtyPair pty = pty("two");
        keep(new RtuSlave(pty.second(), LINE, Map.of(1, regs(1000, 8), 2, regs(2000, 8))));
        Master one = new Master(link(pty.first(), ""));
        Master two = new Master(link(pty.first(), ""));
        assertThat(((SerialLink) one.link).bus()).isSameAs(((SerialLink) two.link).bus());
        one.awaitUp();
        two.awaitUp();

        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<List<byte[]>> a = pool.submit(() -> run(one, 1, 40));
            Future<List<byte[]>> b = pool.submit(() -> run(two, 2, 40));
            for (byte[] f : a.get(60, TimeUnit.SECONDS)) {
                assertThat(Rtu.crcOk(f)).isTrue();
                assertThat(f[0]).isEqualTo((byte) 1);
                assertThat(Rtu.registers(f)).containsExactly(1000, 1001, 1002, 1003);
            }
            for (byte[] f : b.get(60, TimeUnit.SECONDS)) {
                assertThat(Rtu.crcOk(f)).isTrue();
                assertThat(f[0]).isEqualTo((byte) 2);
                assertThat(Rtu.registers(f)).containsExactly(2000, 2001, 2002, 2003);
            }
        } finally {
            pool.shutdownNow();
        }
        SerialBus.Stats s = ((SerialLink) one.link).bus().stats();
        assertThat(s.requests()).isEqualTo(80);
        assertThat(s.unsolicitedBytes()).isZero();
        assertThat(s.misses()).isZero();
    }

    private static List<byte[]> run(Master m, int unit, int n) throws Exception {
        List<byte[]> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            answers.add(m.transact(Rtu.readHolding(unit, 0, 4), T));
        }
        return answers;
    }

    @Test
    void aDeadSlaveIsBackedOffWhileTheLiveOneGoesOn() throws Exception {
        PtyPair pty = pty("dead");
        RtuSlave slave = keep(new RtuSlave(pty.second(), LINE, Map.of(1, regs(10, 4))));
        Master live = new Master(link(pty.first(), ""));
        Master dead = new Master(link(pty.first(), "misses=2&backoff=1500ms&backoffmax=3s"));
        SerialLink deadLink = (SerialLink) dead.link;
        live.awaitUp();
        dead.awaitUp();

        assertThat(dead.transact(Rtu.readHolding(7, 0, 1), Duration.ofMillis(200))).isEmpty();
        assertThat(deadLink.connected()).as("one miss is tolerated").isTrue();
        assertThat(dead.transact(Rtu.readHolding(7, 0, 1), Duration.ofMillis(200))).isEmpty();
        assertThat(deadLink.connected()).isFalse();
        assertThat(deadLink.backedOff()).isTrue();
        assertThat(deadLink.downReason())
                .startsWith("the device left 2 requests in a row unanswered; backed off");

        // Backed off: its requests are refused at once and never reach the bus.
        long before = deadLink.bus().stats().requests();
        for (int i = 0; i < 5; i++) {
            assertThat(dead.link.send(Rtu.readHolding(7, 0, 1))).isFalse();
            assertThat(Rtu.registers(live.transact(Rtu.readHolding(1, 0, 2), T)))
                    .containsExactly(10, 11);
        }
        assertThat(deadLink.bus().stats().requests()).isEqualTo(before + 5);
        assertThat(live.link.connected()).isTrue();

        // After the back-off one request probes it; silent again, the back-off doubles.
        awaitConnected(deadLink);
        assertThat(dead.transact(Rtu.readHolding(7, 0, 1), Duration.ofMillis(200))).isEmpty();
        assertThat(deadLink.connected()).as("a failed probe backs off again at once").isFalse();
        assertThat(deadLink.downReason()).matches(".*next try in [23]\\.\\d s");

        // The slave comes back (j2mod now serves unit 7): the next probe is answered.
        slave.serve(7, regs(70, 4));
        awaitConnected(deadLink);
        assertThat(Rtu.registers(dead.transact(Rtu.readHolding(7, 0, 1), T))).containsExactly(70);
        assertThat(deadLink.connected()).isTrue();
        assertThat(deadLink.missed()).isEqualTo(3);
        assertThat(deadLink.bus().stats().backoffs()).isEqualTo(2);
        assertThat(dead.log).as("a silent slave is not a port outage").containsOnly("up");
    }

    private static void awaitConnected(SerialLink link) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!link.connected()) {
            assertThat(System.nanoTime()).as("connected within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aRequestWithAWrongCrcOrGarbageGetsNoAnswerAndTheBusGoesOn() throws Exception {
        PtyPair pty = pty("crc");
        keep(new RtuSlave(pty.second(), LINE, Map.of(1, regs(5, 4))));
        Master m = new Master(link(pty.first(), "misses=5"));
        m.awaitUp();
        byte[] bad = Rtu.readHolding(1, 0, 2);
        bad[bad.length - 1] ^= 0x55;
        assertThat(m.transact(bad, Duration.ofMillis(300))).as("j2mod drops a wrong CRC").isEmpty();
        assertThat(m.transact(new byte[] {1, (byte) 0x99, 7, 7, 7}, Duration.ofMillis(300)))
                .as("nor does it answer an unknown function it cannot frame")
                .isEmpty();
        assertThat(Rtu.registers(m.transact(Rtu.readHolding(1, 0, 2), T))).containsExactly(5, 6);
        assertThat(((SerialLink) m.link).missed()).isEqualTo(2);
    }

    @Test
    void answersCorruptedOnTheWireReachTheirDeviceAndNoiseIsCountedAndDropped() throws Exception {
        PtyPair gateway = pty("gw");
        PtyPair slaveSide = pty("sl");
        keep(new RtuSlave(slaveSide.second(), LINE, Map.of(1, regs(40, 4))));
        LineEmulator wire =
                keep(
                        new LineEmulator(
                                gateway.second().toString(),
                                slaveSide.first().toString(),
                                LINE,
                                false));
        Master m = new Master(link(gateway.first(), ""));
        m.awaitUp();
        SerialBus bus = ((SerialLink) m.link).bus();
        assertThat(Rtu.registers(m.transact(Rtu.readHolding(1, 0, 2), T))).containsExactly(40, 41);

        // A flipped bit: the device gets the bytes (its driver checks the CRC, not the link).
        wire.faultNext(
                LineEmulator.End.A,
                f -> {
                    f[f.length - 1] ^= 0x01;
                    return f;
                });
        byte[] flipped = m.transact(Rtu.readHolding(1, 0, 2), T);
        assertThat(flipped).hasSize(9);
        assertThat(Rtu.crcOk(flipped)).isFalse();

        // Cut short: what came is delivered; the transaction ends at the timeout.
        wire.faultNext(LineEmulator.End.A, f -> Arrays.copyOf(f, 4));
        assertThat(m.transact(Rtu.readHolding(1, 0, 2), Duration.ofMillis(300))).hasSize(4);

        // Noise between transactions: nobody asked, so it is counted and dropped.
        long noiseBefore = bus.stats().unsolicitedBytes();
        wire.inject(LineEmulator.End.A, new byte[] {0x55, (byte) 0xAA, 0x00, (byte) 0xFF, 0x13});
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (bus.stats().unsolicitedBytes() < noiseBefore + 5 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(bus.stats().unsolicitedBytes()).isEqualTo(noiseBefore + 5);

        // And the line goes on.
        assertThat(Rtu.registers(m.transact(Rtu.readHolding(1, 2, 2), T))).containsExactly(42, 43);
        assertThat(((SerialLink) m.link).missed())
                .as("a garbled answer is still an answer")
                .isZero();
    }

    @Test
    void theLinesTimeIsAccountedToExchangesAndToTheMastersIdleTime() throws Exception {
        PtyPair gateway = pty("gwt");
        PtyPair slaveSide = pty("slt");
        keep(new RtuSlave(slaveSide.second(), LINE, Map.of(1, regs(7, 4))));
        // Paced: each frame takes its characters' time on the wire, a floor for every exchange.
        keep(
                new LineEmulator(
                        gateway.second().toString(), slaveSide.first().toString(), LINE, true));
        Master m = new Master(link(gateway.first(), ""));
        m.awaitUp();
        SerialBus bus = ((SerialLink) m.link).bus();
        assertThat(Rtu.registers(m.transact(Rtu.readHolding(1, 0, 2), T))).containsExactly(7, 8);
        SerialBus.Stats before = bus.stats();
        for (int i = 0; i < 3; i++) {
            // The master thinks 50 ms before each request: the line stands ready meanwhile.
            Thread.sleep(50);
            assertThat(Rtu.registers(m.transact(Rtu.readHolding(1, 0, 2), T)))
                    .containsExactly(7, 8);
        }
        SerialBus.Stats after = bus.stats();
        assertThat(after.exchanges() - before.exchanges()).isEqualTo(3);
        // 8 request and 9 answer characters of 11 bits at 19200 baud each time, at least.
        assertThat(after.exchangeNanos() - before.exchangeNanos())
                .isGreaterThanOrEqualTo(3 * LINE.nanosFor(8 + 9));
        // 50 ms of thinking less the 2 ms silence the line needs anyway, three times.
        assertThat(after.idleNanos() - before.idleNanos())
                .isGreaterThanOrEqualTo(3 * (50_000_000L - LINE.frameSilenceNanos()));
        assertThat(after.lateNanos() - before.lateNanos()).isNotNegative();
    }

    @Test
    void aPortThatDisappearsIsReportedDownOnceAndReopenedWhenItComesBack() throws Exception {
        Path d = Files.createDirectories(dir.resolve("usb"));
        PtyPair pty = PtyPair.open(d);
        RtuSlave slave = new RtuSlave(pty.second(), LINE, Map.of(1, regs(1, 2)));
        Master a = new Master(link(pty.first(), "reopen=50ms"));
        Master b = new Master(link(pty.first(), "reopen=50ms"));
        a.awaitUp();
        b.awaitUp();
        assertThat(Rtu.registers(a.transact(Rtu.readHolding(1, 0, 1), T))).containsExactly(1);

        // Unplugged: both ends vanish.
        slave.close();
        pty.close();
        assertThat(a.next()).startsWith("down ").contains(pty.first().toString());
        assertThat(b.next()).startsWith("down ");
        assertThat(a.link.connected()).isFalse();
        assertThat(a.link.send(Rtu.readHolding(1, 0, 1))).isFalse();
        // Twenty reopen attempts later: still one report each.
        Thread.sleep(1000);
        assertThat(a.events).isEmpty();
        assertThat(b.events).isEmpty();
        SerialBus bus = ((SerialLink) a.link).bus();
        assertThat(bus.stats().losses()).isEqualTo(1);

        // Plugged in again at the same path.
        PtyPair again = keep(PtyPair.open(d));
        keep(new RtuSlave(again.second(), LINE, Map.of(1, regs(1, 2))));
        assertThat(a.next()).isEqualTo("up");
        assertThat(b.next()).isEqualTo("up");
        assertThat(Rtu.registers(b.transact(Rtu.readHolding(1, 1, 1), T))).containsExactly(2);
        assertThat(bus.stats().opens()).isEqualTo(2);
        assertThat(a.log).hasSize(3);
    }

    @Test
    void writesGoBeforePollsThatWait() throws Exception {
        PtyPair pty = pty("prio");
        keep(new RtuSlave(pty.second(), LINE, Map.of(1, regs(0, 8), 2, regs(0, 8))));
        Master holder = new Master(link(pty.first(), "misses=10"));
        SerialLink poller = link(pty.first(), "");
        SerialLink writer = link(pty.first(), "");
        List<String> order = new CopyOnWriteArrayList<>();
        poller.start(recorder("poll", order));
        writer.start(recorder("write", order));
        holder.awaitUp();
        awaitConnected(poller);
        awaitConnected(writer);

        // The holder's request to a silent unit keeps the bus until it gives up.
        assertThat(holder.link.send(Rtu.readHolding(9, 0, 1))).isTrue();
        Thread.sleep(50);
        assertThat(poller.send(Rtu.readHolding(1, 0, 1))).isTrue();
        assertThat(writer.sendWrite(Rtu.writeSingle(2, 0, 7))).isTrue();
        assertThat(holder.await(Duration.ofMillis(300))).isEmpty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (order.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            // Each ends its transaction once it was written, as a session would after the answer.
            if (order.contains("write")) {
                writer.transactionEnded();
            }
        }
        poller.transactionEnded();
        assertThat(order).containsExactly("write", "poll");
    }

    private static LinkListener recorder(String name, List<String> order) {
        return new LinkListener() {
            @Override
            public void linkUp() {}

            @Override
            public void received(byte[] bytes) {}

            @Override
            public void linkDown(String reason) {}

            @Override
            public void sent() {
                order.add(name);
            }
        };
    }

    @Test
    void aRequestThatExpectsNoAnswerIsWrittenAndTheBusGoesOnAtOnce() throws Exception {
        PtyPair pty = pty("bcast");
        RtuSlave slave = keep(new RtuSlave(pty.second(), LINE, Map.of(1, regs(0, 4))));
        SerialLink broadcaster = link(pty.first(), "misses=1");
        Master m = new Master(link(pty.first(), ""));
        broadcaster.start(recorder("b", new CopyOnWriteArrayList<>()));
        m.awaitUp();
        awaitConnected(broadcaster);
        // Modbus broadcast (address 0): written, never answered. The session ends it at once.
        assertThat(broadcaster.send(Rtu.writeSingle(0, 3, 99))).isTrue();
        broadcaster.transactionEnded();
        assertThat(Rtu.registers(m.transact(Rtu.readHolding(1, 0, 1), T))).containsExactly(0);
        // j2mod has no image for address 0, so the broadcast is not applied; what matters here is
        // that it cost no timeout and no miss.
        assertThat(broadcaster.missed()).isZero();
        assertThat(broadcaster.connected()).isTrue();
        assertThat(slave.register(1, 3)).isEqualTo(3);
        assertThat(broadcaster.bus().stats().requests()).isEqualTo(2);
    }

    @Test
    void aDeviceThatNeverEndsItsTransactionLosesTheBusAfterTheHold() throws Exception {
        PtyPair pty = pty("hold");
        keep(new RtuSlave(pty.second(), LINE, Map.of(1, regs(0, 4))));
        SerialLink hog = link(pty.first(), "hold=300ms");
        Master m = new Master(link(pty.first(), "hold=300ms"));
        hog.start(recorder("hog", new CopyOnWriteArrayList<>()));
        m.awaitUp();
        awaitConnected(hog);
        assertThat(hog.send(Rtu.readHolding(1, 0, 1))).isTrue();
        Thread.sleep(50);
        // Queued behind the hog, which got its answer but never says it is done.
        assertThat(Rtu.registers(m.transact(Rtu.readHolding(1, 1, 1), Duration.ofSeconds(2))))
                .containsExactly(1);
        assertThat(hog.bus().stats().forcedReleases()).isEqualTo(1);
    }
}
