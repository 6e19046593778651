package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.abi.CanFrame;
import io.weir.host.can.CanLink;
import io.weir.host.can.CanTransport;
import io.weir.host.can.CandumpLine;
import io.weir.host.io.LinkAddress;
import io.weir.host.io.LinkListener;
import io.weir.host.serial.PtyPair;
import io.weir.tools.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code weir sim can} against the gateway's own CAN links: the slcan link on the simulator's pty,
 * the socketcand link on its server, with a real log of the corpus.
 */
class SimCanCommandIT {

    private static final Path SNIPPET =
            Path.of(
                    System.getProperty("weir.corpus", "../../shared/corpus"),
                    "can",
                    "nmea2000-sigrok",
                    "nmea2000_fuel_flow_gps_snippet.candump.log");

    /** The link's events: "up", "down …", and the frames. */
    static final class Events implements LinkListener {
        final BlockingQueue<String> states = new LinkedBlockingQueue<>();
        final List<CanFrame> frames = new CopyOnWriteArrayList<>();

        @Override
        public void linkUp() {
            states.add("up");
        }

        @Override
        public void received(byte[] bytes) {
            frames.add(CanFrame.decode(bytes, 0, bytes.length));
        }

        @Override
        public void linkDown(String reason) {
            states.add("down " + reason);
        }

        void awaitUp() throws InterruptedException {
            assertThat(states.poll(15, TimeUnit.SECONDS)).isEqualTo("up");
        }

        void awaitFrames(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (frames.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(frames).hasSizeGreaterThanOrEqualTo(n);
        }
    }

    private static List<CanFrame> logFrames(Path log) throws Exception {
        List<CanFrame> frames = new ArrayList<>();
        for (String l : Files.readAllLines(log)) {
            frames.add(((CandumpLine.Frame) CandumpLine.parse(l)).line().frame());
        }
        return frames;
    }

    @Test
    void theSlcanLinkHearsTheLogFromTheSimulatedAdapterAndSendsToIt() throws Exception {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
        LiveOutput out =
                LiveOutput.run(
                        "sim",
                        "can",
                        "--log",
                        SNIPPET.toString(),
                        "--pty",
                        "--speed",
                        "max",
                        "--wait",
                        "--bitrate",
                        "250000",
                        "--json",
                        "--duration",
                        "6");
        assertThat(out.nextJson().get("log").asText()).isEqualTo(SNIPPET.toString());
        JsonNode slcan = out.nextJson();
        assertThat(slcan.get("endpoint").asText()).isEqualTo("slcan");
        String gateway = slcan.get("gateway").asText();
        assertThat(gateway).endsWith("?bitrate=250000");
        try (CanTransport t = new CanTransport()) {
            CanLink link = t.open(LinkAddress.parse(gateway));
            Events e = new Events();
            link.start(e);
            e.awaitUp();
            e.awaitFrames(71);
            assertThat(e.frames).containsExactlyElementsOf(logFrames(SNIPPET));
            assertThat(link.send(CanFrame.parseCandump("18EAFF0B#ECFE00").encode())).isTrue();
            assertThat(link.send(CanFrame.parseCandump("123##1112233445566778899AABBCC").encode()))
                    .isTrue();
            assertThat(out.exit.get(20, TimeUnit.SECONDS)).isZero();
            assertThat(link.bus().stats().garbage()).isZero();
            assertThat(link.bus().stats().refused()).isZero();
        }
        List<String> rest = new ArrayList<>();
        out.lines.drainTo(rest);
        JsonNode summary =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(rest.get(rest.size() - 1));
        assertThat(summary.get("played").asLong()).isEqualTo(71);
        assertThat(summary.get("from_gateway").asLong()).isEqualTo(2);
    }

    @Test
    void theSocketcandLinkHearsTheLogAndWhatAnSlcanGatewaySends() throws Exception {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
        LiveOutput out =
                LiveOutput.run(
                        "sim",
                        "can",
                        "--log",
                        SNIPPET.toString(),
                        "--pty",
                        "--socketcand",
                        "127.0.0.1:0",
                        "--bus",
                        "vcan0",
                        "--speed",
                        "max",
                        "--wait",
                        "--json",
                        "--duration",
                        "6");
        out.nextJson();
        String slcanAddress = out.nextJson().get("gateway").asText();
        JsonNode sc = out.nextJson();
        assertThat(sc.get("endpoint").asText()).isEqualTo("socketcand");
        String gateway = sc.get("gateway").asText();
        assertThat(gateway).matches("socketcand://127\\.0\\.0\\.1:\\d+/vcan0");
        try (CanTransport t = new CanTransport()) {
            CanLink link = t.open(LinkAddress.parse(gateway));
            Events e = new Events();
            link.start(e);
            e.awaitUp();
            e.awaitFrames(71);
            assertThat(e.frames.subList(0, 71)).containsExactlyElementsOf(logFrames(SNIPPET));

            // The bus: what a gateway sends through the adapter, socketcand's clients hear.
            CanLink slcan = t.open(LinkAddress.parse(slcanAddress));
            Events s = new Events();
            slcan.start(s);
            s.awaitUp();
            assertThat(slcan.send(CanFrame.parseCandump("00000123#CAFE").encode())).isTrue();
            e.awaitFrames(72);
            assertThat(e.frames.get(71)).isEqualTo(CanFrame.parseCandump("00000123#CAFE"));
            assertThat(link.send(CanFrame.parseCandump("321#R4").encode())).isTrue();
            s.awaitFrames(1);
            assertThat(s.frames).containsExactly(CanFrame.parseCandump("321#R4"));
        }
        assertThat(out.exit.get(20, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void anSlcanGatewayAtTheWrongBitrateHearsNothing() throws Exception {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
        LiveOutput out =
                LiveOutput.run(
                        "sim",
                        "can",
                        "--log",
                        SNIPPET.toString(),
                        "--pty",
                        "--speed",
                        "max",
                        "--wait",
                        "--duration",
                        "4");
        out.next();
        String line = out.next();
        String gateway = line.substring(line.indexOf("gateway: ") + 9).replace("500000", "250000");
        try (CanTransport t = new CanTransport()) {
            CanLink link = t.open(LinkAddress.parse(gateway));
            Events e = new Events();
            link.start(e);
            e.awaitUp();
            assertThat(out.next())
                    .isEqualTo(
                            "slcan adapter: the gateway set 250000 bit/s, the bus runs at 500000: it hears nothing");
            assertThat(out.exit.get(20, TimeUnit.SECONDS)).isZero();
            assertThat(e.frames).isEmpty();
        }
    }

    @Test
    void refusesWhatCannotBeServed() {
        CliRun none = CliRun.execute("sim", "can", "--log", SNIPPET.toString());
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err())
                .contains("give at least one of --pty, --device PATH or --socketcand HOST:PORT");
        CliRun missing = CliRun.execute("sim", "can", "--log", "/nonexistent.log", "--pty");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("/nonexistent.log: no such file or directory");
        CliRun speed =
                CliRun.execute(
                        "sim", "can", "--log", SNIPPET.toString(), "--pty", "--speed", "fast");
        assertThat(speed.code()).isEqualTo(1);
        assertThat(speed.err()).contains("--speed \"fast\" is not a number or max");
    }
}
