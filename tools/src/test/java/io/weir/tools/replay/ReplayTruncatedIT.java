package io.weir.tools.replay;

import static io.weir.tools.capture.Packets.CLIENT;
import static io.weir.tools.capture.Packets.SERVER;
import static io.weir.tools.capture.Packets.concat;
import static io.weir.tools.capture.Packets.epb;
import static io.weir.tools.capture.Packets.ethernet;
import static io.weir.tools.capture.Packets.idb;
import static io.weir.tools.capture.Packets.ipv4Tcp;
import static io.weir.tools.capture.Packets.pcap;
import static io.weir.tools.capture.Packets.shb;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.tools.CliRun;
import io.weir.tools.capture.CaptureReader;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture cut inside its last record, as a killed tcpdump leaves it, cut at every offset of that
 * record in pcap and in pcapng: the frames before the cut replay exactly as they would from a file
 * that ends before the record, and the cut is one line and a summary field, never an exception.
 */
class ReplayTruncatedIT {
    private static final HexFormat HEX = HexFormat.of();
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static DriverModule module;

    @BeforeAll
    static void loadDriver() throws IOException {
        String driver = System.getProperty("weir.driver.modbus", "modbus");
        module = HostReplayDriver.load(driver, DriverSource.bytes(driver));
    }

    /** Three read exchanges; the last frame is the response to the third. */
    private static List<byte[]> packets() {
        List<byte[]> p = new ArrayList<>();
        long c = 1000;
        long s = 5000;
        String[][] exchanges = {
            {"000100000006010300640002", "000100000007010304" + "0201fffe"},
            {"000200000006010100050003", "000200000004010101" + "05"},
            {"000300000006010400070001", "000300000005010402" + "1234"},
        };
        for (String[] x : exchanges) {
            byte[] req = HEX.parseHex(x[0]);
            byte[] resp = HEX.parseHex(x[1]);
            p.add(ethernet(0x0800, ipv4Tcp(CLIENT, 40001, SERVER, 502, c, s, 0x18, req)));
            c += req.length;
            p.add(ethernet(0x0800, ipv4Tcp(SERVER, 502, CLIENT, 40001, s, c, 0x18, resp)));
            s += resp.length;
        }
        return p;
    }

    private static long[] times(int n) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = T0 + (i + 1) * 1_000_000L;
        }
        return t;
    }

    private static byte[] pcapFile(List<byte[]> packets) {
        return pcap(
                ByteOrder.LITTLE_ENDIAN,
                false,
                1,
                times(packets.size()),
                packets.toArray(new byte[0][]));
    }

    private static byte[] pcapngFile(List<byte[]> packets) {
        List<byte[]> blocks = new ArrayList<>();
        blocks.add(shb(ByteOrder.BIG_ENDIAN));
        blocks.add(idb(ByteOrder.BIG_ENDIAN, 1, 9));
        long[] t = times(packets.size());
        for (int i = 0; i < packets.size(); i++) {
            blocks.add(epb(ByteOrder.BIG_ENDIAN, 0, t[i], packets.get(i)));
        }
        return concat(blocks.toArray(new byte[0][]));
    }

    private record Run(List<ReplayLine> lines, ReplaySummary summary) {}

    private static Run replay(byte[] file) throws IOException {
        List<ReplayLine> lines = new ArrayList<>();
        ReplaySummary summary;
        try (HostReplayDriver d = new HostReplayDriver(module);
                CaptureReader r = CaptureReader.of(file)) {
            summary = new TcpReplay(d, 502, lines::add).replay(r);
            assertThat(summary.failure()).isNull();
        }
        return new Run(lines, summary);
    }

    @Test
    void pcapCutAtEveryOffsetOfTheLastRecord() throws IOException {
        List<byte[]> packets = packets();
        byte[] whole = pcapFile(packets);
        byte[] before = pcapFile(packets.subList(0, packets.size() - 1));
        checkEveryCut(whole, before);
    }

    @Test
    void pcapngCutAtEveryOffsetOfTheLastRecord() throws IOException {
        List<byte[]> packets = packets();
        byte[] whole = pcapngFile(packets);
        byte[] before = pcapngFile(packets.subList(0, packets.size() - 1));
        checkEveryCut(whole, before);
    }

    private static void checkEveryCut(byte[] whole, byte[] before) throws IOException {
        Run complete = replay(whole);
        assertThat(complete.lines())
                .as("the last frame carries a point, so a cut loses it")
                .anySatisfy(l -> assertThat(l.point()).isEqualTo("input/7"));
        assertThat(complete.summary().truncatedBytes()).isZero();
        Run expected = replay(before);
        assertThat(expected.lines())
                .as("without the last response its request is unanswered")
                .anySatisfy(l -> assertThat(l.kind()).isEqualTo(ReplayLine.UNANSWERED));
        int cuts = 0;
        for (int end = before.length + 1; end < whole.length; end++) {
            Run cut = replay(Arrays.copyOf(whole, end));
            int present = end - before.length;
            String where = "cut after " + present + " bytes of the last record";
            List<ReplayLine> truncated =
                    cut.lines().stream()
                            .filter(l -> ReplayLine.TRUNCATED.equals(l.kind()))
                            .toList();
            assertThat(truncated).as(where).hasSize(1);
            ReplayLine t = truncated.get(0);
            assertThat(t.bytes()).as(where).isEqualTo(present);
            assertThat(t.error())
                    .as(where)
                    .contains("capture ends inside")
                    .contains("at byte offset " + before.length);
            assertThat(cut.summary().truncatedBytes()).as(where).isEqualTo(present);
            // Everything else is what a file that ends before the record gives.
            assertThat(cut.lines().stream().filter(l -> l != t).toList())
                    .as(where)
                    .isEqualTo(expected.lines());
            assertThat(cut.summary().toMap())
                    .as(where)
                    .isEqualTo(withTruncatedBytes(expected.summary().toMap(), (long) present));
            cuts++;
        }
        assertThat(cuts).isEqualTo(whole.length - before.length - 1);
    }

    private static java.util.Map<String, Object> withTruncatedBytes(
            java.util.Map<String, Object> m, long bytes) {
        java.util.Map<String, Object> copy = new java.util.LinkedHashMap<>(m);
        copy.put("truncated_bytes", bytes);
        return copy;
    }

    @Test
    void theCommandReportsTheCutInOneLineAndExitsZero(@TempDir Path dir) throws Exception {
        byte[] whole = pcapFile(packets());
        // The last record: a 16-byte header and a 65-byte Ethernet frame (the 11-byte response).
        Path file = dir.resolve("killed.pcap");
        Files.write(file, Arrays.copyOf(whole, whole.length - 5));
        String driver = System.getProperty("weir.driver.modbus", "modbus");

        CliRun json =
                CliRun.execute("replay", "--driver", driver, "--pcap", file.toString(), "--json");
        assertThat(json.code()).as(json.err()).isZero();
        assertThat(json.err()).isEmpty();
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : json.out().split("\n")) {
            lines.add(m.readTree(l));
        }
        List<JsonNode> cut =
                lines.stream().filter(l -> l.path("kind").asText().equals("truncated")).toList();
        assertThat(cut).hasSize(1);
        assertThat(cut.get(0).get("frame").asInt()).isEqualTo(6);
        assertThat(cut.get(0).get("error").asText())
                .isEqualTo(
                        "capture ends inside frame 6 (pcap record) at byte offset "
                                + (whole.length - 81)
                                + ": 76 of its 81 bytes are there; the file was cut short (as"
                                + " a capture stopped mid-write leaves it)");
        JsonNode summary = lines.get(lines.size() - 1);
        assertThat(summary.get("kind").asText()).isEqualTo("summary");
        assertThat(summary.get("truncated_bytes").asInt()).isEqualTo(76);
        assertThat(summary.get("pairs").asInt()).isEqualTo(2);

        CliRun table = CliRun.execute("replay", "--driver", driver, "--pcap", file.toString());
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out())
                .contains("(truncated)")
                .contains(
                        "killed.pcap: 5 frames, 2 request/response pairs, 5 points (0 bad), 0"
                                + " skipped, 1 unanswered, 0 unsolicited, 0 garbage bytes; the"
                                + " file ends inside a record (76 bytes of it not replayed)");
    }
}
