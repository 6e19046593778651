package io.weir.host.can;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.abi.CanFrame;
import io.weir.host.io.LinkAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real logs of the corpus played back as CAN links. */
class CandumpLinkIT {

    private final CanTransport transport = new CanTransport();
    @TempDir Path dir;

    @AfterEach
    void close() {
        transport.close();
    }

    private CanLink link(Path file, String params) {
        return transport.open(
                LinkAddress.parse("candump:" + file + (params.isEmpty() ? "" : "?" + params)));
    }

    private static Path corpus(String first, String... more) {
        return CandumpLineTest.corpus(first, more);
    }

    @Test
    void playsARealBusAndEndsWithTheLog() throws Exception {
        Path log = corpus("nmea2000-sigrok", "nmea2000_fuel_flow_gps_snippet.candump.log");
        CanLink link = link(log, "speed=max");
        assertThat(link.queuesSends()).isFalse();
        assertThat(link.frameSilenceNanos()).isZero();
        Events e = new Events();
        link.start(e);
        assertThat(e.next()).isEqualTo("up");
        assertThat(e.nextState()).isEqualTo("down end of candump log " + log + " after 71 frames");
        // sigrok's CAN decoder is the oracle: every CRC-valid frame of the snippet, in order.
        List<CanFrame> want = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String l :
                Files.readAllLines(
                        corpus("nmea2000-sigrok", "nmea2000_fuel_flow_gps_snippet.truth.jsonl"))) {
            JsonNode v = json.readTree(l);
            if (v.get("valid").asBoolean()) {
                want.add(
                        new CanFrame(
                                v.get("can_id").asInt(),
                                v.get("extended").asBoolean() ? 1 : 0,
                                v.get("dlc").asInt(),
                                HexFormat.of().parseHex(v.get("data_hex").asText())));
            }
        }
        assertThat(e.frames).containsExactlyElementsOf(want);
        assertThat(link.connected()).isFalse();
        assertThat(link.downReason()).startsWith("end of candump log");
        assertThat(link.bus().stats()).isEqualTo(new CanStats(71, 0, 0, 0, 0, 0));
    }

    @Test
    void framesComeNoEarlierThanRecordedAtTheChosenSpeed() throws Exception {
        // The snippet spans 1.777 s; at speed 4 the last frame is due 0.444 s after the first.
        Path log = corpus("nmea2000-sigrok", "nmea2000_fuel_flow_gps_snippet.candump.log");
        Events e = new Events();
        link(log, "speed=4").start(e);
        assertThat(e.next()).isEqualTo("up");
        assertThat(e.nextState()).startsWith("down end of candump log");
        List<String> lines = Files.readAllLines(log);
        long t0 = ((CandumpLine.Frame) CandumpLine.parse(lines.get(0))).line().micros();
        for (int i = 1; i < lines.size(); i++) {
            long ti = ((CandumpLine.Frame) CandumpLine.parse(lines.get(i))).line().micros();
            long due = (ti - t0) * 1000 / 4;
            assertThat(e.frameNanos.get(i) - e.upNanos)
                    .as("frame %d", i + 1)
                    .isGreaterThanOrEqualTo(due);
        }
    }

    @Test
    void badLinesAreCountedAndSkipped() throws Exception {
        // cantools' test input: T/R direction flags, an ERROR line, a 10-byte classic frame.
        Path log = corpus("cantools", "decode_log_format.input.log");
        Events e = new Events();
        CanLink link = link(log, "speed=max");
        link.start(e);
        assertThat(e.next()).isEqualTo("up");
        assertThat(e.nextState()).isEqualTo("down end of candump log " + log + " after 5 frames");
        assertThat(e.candump())
                .containsExactly(
                        "0C8#F000000000000000",
                        "0C8#F000000000000000",
                        "0C8#F000000000000000",
                        "1F4#01020304",
                        "1F3#010203");
        assertThat(link.bus().stats().garbage()).isEqualTo(2);

        // pretty_j1939's test file numbers its lines: no candump line at all.
        Path numbered = corpus("j1939", "nmfta-pretty_j1939", "tests_test_priority.log");
        Events none = new Events();
        CanLink nl = link(numbered, "speed=max");
        nl.start(none);
        assertThat(none.next()).isEqualTo("up");
        assertThat(none.next())
                .isEqualTo("down end of candump log " + numbered + " after 0 frames");
        assertThat(nl.bus().stats().garbage()).isEqualTo(3);
    }

    @Test
    void loopsPicksAnInterfaceAndCountsErrorFrames() throws Exception {
        Path log = dir.resolve("two.log");
        Files.write(
                log,
                List.of(
                        "(1.000000) can0 123#01",
                        "(1.000100) can1 456#02",
                        "(1.000200) can0 20000080#0000000000000000",
                        "(1.000300) can0 00000789#03"));
        Events e = new Events();
        CanLink link = link(log, "speed=max&loop=true&iface=can0");
        link.start(e);
        assertThat(e.next()).isEqualTo("up");
        e.awaitFrames(6);
        assertThat(e.candump().subList(0, 6))
                .containsExactly(
                        "123#01", "00000789#03", "123#01", "00000789#03", "123#01", "00000789#03");
        assertThat(link.connected()).isTrue();
        link.close();
        assertThat(link.bus().stats().errorFrames()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void canFdFramesKeepTheirFlags() throws Exception {
        // python-can's reading of a CANoe ASC file with FD frames is the oracle; written here as
        // candump -l lines.
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        List<JsonNode> truth = new ArrayList<>();
        for (String l :
                Files.readAllLines(corpus("python-can", "test_CanFdMessage.asc.truth.jsonl"))) {
            JsonNode v = json.readTree(l);
            truth.add(v);
            String id =
                    v.get("is_extended_id").asBoolean()
                            ? String.format(Locale.ROOT, "%08X", v.get("arbitration_id").asInt())
                            : String.format(Locale.ROOT, "%03X", v.get("arbitration_id").asInt());
            lines.add(
                    String.format(
                            Locale.ROOT,
                            "(%.6f) can%d %s##%d%s",
                            v.get("timestamp").asDouble(),
                            v.get("channel").asInt(),
                            id,
                            v.get("bitrate_switch").asBoolean() ? 1 : 0,
                            v.get("data_hex").asText()));
        }
        Path log = dir.resolve("fd.log");
        Files.write(log, lines);
        Events e = new Events();
        link(log, "speed=max").start(e);
        assertThat(e.next()).isEqualTo("up");
        assertThat(e.nextState()).startsWith("down end of candump log");
        assertThat(e.frames).hasSize(truth.size());
        for (int i = 0; i < truth.size(); i++) {
            JsonNode v = truth.get(i);
            CanFrame f = e.frames.get(i);
            assertThat(f.fd()).isTrue();
            assertThat(f.id()).isEqualTo(v.get("arbitration_id").asInt());
            assertThat(f.extended()).isEqualTo(v.get("is_extended_id").asBoolean());
            assertThat(CanFrame.Flag.BRS.isSet(f.flags()))
                    .isEqualTo(v.get("bitrate_switch").asBoolean());
            assertThat(f.dlc()).isEqualTo(v.get("dlc").asInt());
            assertThat(f.data()).isEqualTo(HexFormat.of().parseHex(v.get("data_hex").asText()));
        }
    }

    @Test
    void twoDevicesOnOneLogHearEveryFrameAndTheirSendsAreCounted() throws Exception {
        Path log = corpus("j1939", "nmfta-pretty_j1939", "tests_candump.log");
        CanLink a = link(log, "speed=0.001");
        CanLink b = link(log, "speed=0.001");
        assertThat(a.bus()).isSameAs(b.bus());
        Events ea = new Events();
        Events eb = new Events();
        a.start(ea);
        b.start(eb);
        assertThat(ea.next()).isEqualTo("up");
        assertThat(eb.next()).isEqualTo("up");
        // At a thousandth of the recorded speed the first frame comes at once (the playback
        // starts with a's link), the second in 77 ms, the third in 307 ms.
        ea.awaitFrames(1);
        eb.awaitFrames(1);
        assertThat(a.send(CanFrame.parseCandump("18EAFF0B#ECFE00").encode())).isTrue();
        assertThat(a.bus().stats().notTransmitted()).isEqualTo(1);
        assertThat(ea.nextState()).startsWith("down end of candump log");
        assertThat(eb.nextState()).startsWith("down end of candump log");
        assertThat(ea.frames).as("a was there from the start").hasSize(3);
        // b joined a bus that was already playing: as on a real bus, it hears what is sent from
        // then on, the same frames as a (the first one only if it joined in time).
        assertThat(eb.frames).isNotEmpty();
        assertThat(ea.frames.subList(3 - eb.frames.size(), 3)).isEqualTo(eb.frames);
        a.close();
        b.close();
        assertThat(transport.buses()).isEmpty();
    }

    @Test
    void aMissingLogIsReportedOnceAndPlayedWhenItAppears() throws Exception {
        Path log = dir.resolve("later.log");
        Events e = new Events();
        link(log, "speed=max&reopen=50ms").start(e);
        assertThat(e.next()).isEqualTo("down cannot read candump log " + log + ": no such file");
        Thread.sleep(300);
        assertThat(e.queue).isEmpty();
        Files.writeString(log, "(1.0) can0 123#AB\n");
        assertThat(e.next()).isEqualTo("up");
        assertThat(e.next()).isEqualTo("rx 123#AB");
        assertThat(e.next()).startsWith("down end of candump log");
        TimeUnit.MILLISECONDS.sleep(1);
    }
}
