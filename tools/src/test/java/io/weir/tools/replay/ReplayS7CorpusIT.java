package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.tools.capture.CaptureReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every S7comm capture of the corpus through the bundled S7 driver in discovery mode and
 * checks the output value for value against Wireshark's decoding beside it ({@code *.truth.jsonl},
 * see the SOURCE.md files): every item of every Read Var as a point named in STEP 7 syntax
 * (drivers/s7/README.md "Replay") with its returned bytes as lowercase hex, in the response's
 * frame, at the response's time, keyed {@code 0x10000 | PDU reference}; an item with a return code
 * other than 0xff as a bad line naming the code; every Write Var as a line that gives no point;
 * every Job left without an answer as unanswered. No point comes from a frame Wireshark does not
 * decode as a Read Var answer.
 */
class ReplayS7CorpusIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** ISO-on-TCP (RFC 1006 §2). */
    private static final int ISO_TSAP_PORT = 102;

    private static DriverModule module;

    @BeforeAll
    static void loadDriver() throws IOException {
        String driver = System.getProperty("weir.driver.s7", "s7");
        module = HostReplayDriver.load(driver, DriverSource.bytes(driver));
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusCaptureMatchesWireshark() throws IOException {
        String corpus = System.getProperty("weir.corpus");
        assertThat(corpus).as("system property weir.corpus (set by the parent pom)").isNotNull();
        Path root = Path.of(corpus, "s7comm");
        assertThat(root).as("S7comm corpus folder").isDirectory();
        List<Path> captures;
        try (Stream<Path> s = Files.walk(root, 2)) {
            captures =
                    s.filter(
                                    p ->
                                            p.toString().endsWith(".pcap")
                                                    || p.toString().endsWith(".pcapng"))
                            .sorted()
                            .toList();
        }
        assertThat(captures).as("captures under " + root).isNotEmpty();
        return captures.stream()
                .map(p -> DynamicTest.dynamicTest(root.relativize(p).toString(), () -> check(p)));
    }

    private record Key(String device, int frame) {}

    private record Expected(String point, Object value, long key) {}

    private static void check(Path capture) throws Exception {
        String base = capture.getFileName().toString().replaceFirst("\\.pcap(ng)?$", "");
        Path truthFile = capture.resolveSibling(base + ".truth.jsonl");
        assertThat(truthFile).as("ground truth beside " + capture).exists();

        List<ReplayLine> lines = new ArrayList<>();
        ReplaySummary summary;
        try (HostReplayDriver driver = new HostReplayDriver(module);
                CaptureReader reader = CaptureReader.open(capture)) {
            summary = new TcpReplay(driver, ISO_TSAP_PORT, lines::add).replay(reader);
            assertThat(summary.failure()).as("read error").isNull();
            assertThat(summary.truncatedBytes()).as("truncated bytes").isZero();
            assertThat(driver.traps()).as("driver traps").isZero();
        }
        Map<Key, List<ReplayLine>> good = new HashMap<>();
        Map<Key, List<ReplayLine>> bad = new HashMap<>();
        Map<String, Map<Key, List<ReplayLine>>> others = new HashMap<>();
        for (ReplayLine l : lines) {
            assertThat(l.frame()).as("frame of " + l).isNotNull();
            Key k = new Key(l.device(), l.frame());
            if (l.isPoint()) {
                (l.quality().equals("good") ? good : bad)
                        .computeIfAbsent(k, x -> new ArrayList<>())
                        .add(l);
            } else {
                others.computeIfAbsent(l.kind(), x -> new HashMap<>())
                        .computeIfAbsent(k, x -> new ArrayList<>())
                        .add(l);
            }
        }

        Map<Key, List<Expected>> expected = new HashMap<>();
        Map<Key, List<Expected>> expectedBad = new HashMap<>();
        Map<Key, Long> expectedTs = new HashMap<>();
        int items = 0;
        int badItems = 0;
        int writes = 0;
        int unanswered = 0;
        for (String text : Files.readAllLines(truthFile)) {
            if (text.isBlank()) {
                continue;
            }
            JsonNode t = JSON.readTree(text);
            String where = capture.getFileName() + " " + t.get("function").asText() + " frame ";
            long key = 0x10000L | t.get("pdu_ref").asInt();
            if (t.get("kind").asText().equals("request_only")) {
                int frame = t.get("request_frame").asInt();
                Key k = new Key(t.get("server").asText(), frame);
                assertThat(others.getOrDefault(ReplayLine.UNANSWERED, Map.of()).get(k))
                        .as("unanswered line for " + where + frame)
                        .isNotNull()
                        .anySatisfy(l -> assertThat(l.key()).isEqualTo(key));
                unanswered++;
                continue;
            }
            assertThat(t.get("kind").asText()).isEqualTo("pair");
            int frame = t.get("response_frame").asInt();
            Key k = new Key(t.get("server").asText(), frame);
            if (t.get("function").asText().equals("write_var")) {
                // Discovery mode decodes a recorded Write Var without records (the README).
                assertThat(others.getOrDefault(ReplayLine.SKIPPED, Map.of()).get(k))
                        .as("line without points for " + where + frame)
                        .isNotNull()
                        .anySatisfy(l -> assertThat(l.key()).isEqualTo(key));
                writes++;
                continue;
            }
            long ts =
                    new BigDecimal(t.get("response_time_epoch").asText())
                            .movePointRight(3)
                            .longValue();
            expectedTs.put(k, ts);
            List<Item> req = requestItems(t);
            for (int i = 0; i < req.size(); i++) {
                JsonNode it = t.get("items").get(i);
                String name = step7Name(req.get(i));
                int rc = it.get("return_code").asInt();
                if (rc == 0xFF) {
                    assertThat(it.get("selfcheck_ok").asBoolean())
                            .as("tshark and the raw PDU agree, " + where + frame)
                            .isTrue();
                    expected.computeIfAbsent(k, x -> new ArrayList<>())
                            .add(new Expected(name, it.get("data_hex").asText(), key));
                    items++;
                } else {
                    // ABI §6.1 BAD_DEVICE: the value is the item's return code.
                    expectedBad
                            .computeIfAbsent(k, x -> new ArrayList<>())
                            .add(new Expected(name, (long) rc, key));
                    badItems++;
                    assertThat(bad.get(k))
                            .as("bad line for %s in %s%d", name, where, frame)
                            .isNotNull()
                            .anySatisfy(
                                    l -> {
                                        assertThat(l.point()).isEqualTo(name);
                                        assertThat(l.error())
                                                .contains(
                                                        String.format(
                                                                "item return code 0x%02x", rc));
                                    });
                }
            }
        }
        for (Map.Entry<Key, List<Expected>> e : expected.entrySet()) {
            List<ReplayLine> got = good.getOrDefault(e.getKey(), List.of());
            assertThat(got.stream().map(ReplayS7CorpusIT::expected).toList())
                    .as("items of response frame %s in %s", e.getKey(), capture.getFileName())
                    .containsExactlyInAnyOrderElementsOf(e.getValue());
            assertThat(got)
                    .allSatisfy(l -> assertThat(l.ts()).isEqualTo(expectedTs.get(e.getKey())));
        }
        for (Map.Entry<Key, List<Expected>> e : expectedBad.entrySet()) {
            assertThat(bad.get(e.getKey()).stream().map(ReplayS7CorpusIT::expected).toList())
                    .as("bad items of response frame %s in %s", e.getKey(), capture.getFileName())
                    .containsExactlyInAnyOrderElementsOf(e.getValue());
        }
        assertThat(good.keySet())
                .as("frames with good points that Wireshark does not decode as Read Var answers")
                .isSubsetOf(expected.keySet());
        assertThat(bad.keySet())
                .as("frames with bad points that Wireshark does not decode as item errors")
                .isSubsetOf(expectedBad.keySet());
        assertThat(summary.points()).isEqualTo(items + badItems);
        System.out.printf(
                "replay %-44s %5d items, %2d bad items matched; %3d writes, %3d unanswered;"
                        + " %3d skipped, %3d unsolicited in all (Wireshark truth)%n",
                capture.getFileName(),
                items,
                badItems,
                writes,
                unanswered,
                summary.skipped(),
                summary.unsolicited());
    }

    private static Expected expected(ReplayLine l) {
        return new Expected(l.point(), l.value().json(), l.key() == null ? 0 : l.key());
    }

    // Wireshark's s7comm transport sizes, their element sizes and the area letters (the driver
    // README's naming, as drivers/s7/tools/gen_vectors.py writes it independently of the Rust).
    private static final Map<Integer, String> TSNAME =
            Map.ofEntries(
                    Map.entry(0x01, "BIT"),
                    Map.entry(0x02, "BYTE"),
                    Map.entry(0x03, "CHAR"),
                    Map.entry(0x04, "WORD"),
                    Map.entry(0x05, "INT"),
                    Map.entry(0x06, "DWORD"),
                    Map.entry(0x07, "DINT"),
                    Map.entry(0x08, "REAL"),
                    Map.entry(0x09, "DATE"),
                    Map.entry(0x0A, "TOD"),
                    Map.entry(0x0B, "TIME"),
                    Map.entry(0x0C, "S5TIME"),
                    Map.entry(0x0F, "DATE_AND_TIME"),
                    Map.entry(0x13, "WCHAR"),
                    Map.entry(0x1C, "COUNTER"),
                    Map.entry(0x1D, "TIMER"),
                    Map.entry(0x1E, "IEC_COUNTER"),
                    Map.entry(0x1F, "IEC_TIMER"),
                    Map.entry(0x20, "HS_COUNTER"));
    private static final Map<Integer, Integer> ELEM =
            Map.ofEntries(
                    Map.entry(0x02, 1),
                    Map.entry(0x03, 1),
                    Map.entry(0x04, 2),
                    Map.entry(0x05, 2),
                    Map.entry(0x09, 2),
                    Map.entry(0x0C, 2),
                    Map.entry(0x13, 2),
                    Map.entry(0x1C, 2),
                    Map.entry(0x1D, 2),
                    Map.entry(0x06, 4),
                    Map.entry(0x07, 4),
                    Map.entry(0x08, 4),
                    Map.entry(0x0A, 4),
                    Map.entry(0x0B, 4),
                    Map.entry(0x0F, 8));
    private static final Map<Integer, String> PREFIX =
            Map.of(
                    0x80, "P", 0x81, "I", 0x82, "Q", 0x83, "M", 0x86, "L", 0x87, "V", 0x1C, "C",
                    0x1D, "T");

    /** An S7ANY item of a Job: area, DB, transport size, element count, bit address. */
    record Item(int area, int db, int tsize, int count, int address) {}

    /**
     * The S7ANY items of a recorded Job's parameter part, read from its bytes (tshark gives no
     * address for timers and counters); each is checked against tshark's fields.
     */
    static List<Item> requestItems(JsonNode t) {
        byte[] pdu;
        if (t.hasNonNull("request_s7_pdu_hex")) {
            pdu = java.util.HexFormat.of().parseHex(t.get("request_s7_pdu_hex").asText());
        } else {
            byte[] tcp =
                    java.util.HexFormat.of().parseHex(t.get("request_tcp_payload_hex").asText());
            // TPKT (4 bytes) and a COTP DT header (3 bytes) before the S7 PDU.
            pdu = java.util.Arrays.copyOfRange(tcp, 7, tcp.length);
        }
        int paramAt = 10;
        List<Item> items = new ArrayList<>();
        int n = pdu[paramAt + 1] & 0xFF;
        int at = paramAt + 2;
        for (int i = 0; i < n; i++, at += 12) {
            assertThat(pdu[at] & 0xFF).as("item spec").isEqualTo(0x12);
            assertThat(pdu[at + 2] & 0xFF).as("S7ANY syntax id").isEqualTo(0x10);
            items.add(
                    new Item(
                            pdu[at + 8] & 0xFF,
                            u16(pdu, at + 6),
                            pdu[at + 3] & 0xFF,
                            u16(pdu, at + 4),
                            (pdu[at + 9] & 0xFF) << 16
                                    | (pdu[at + 10] & 0xFF) << 8
                                    | pdu[at + 11] & 0xFF));
        }
        JsonNode truth = t.get("items");
        assertThat(items).hasSize(truth.size());
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            JsonNode w = truth.get(i);
            assertThat(List.of(it.area(), it.db(), it.tsize(), it.count()))
                    .as("item %d as tshark reads it", i)
                    .containsExactly(
                            w.get("area").asInt(),
                            w.get("db").asInt(),
                            w.get("transport_size").asInt(),
                            w.get("length").asInt());
        }
        return items;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }

    /** The STEP 7 name of a recorded S7ANY item (drivers/s7/README.md "Replay"). */
    static String step7Name(Item it) {
        int area = it.area();
        int tsize = it.tsize();
        int count = it.count();
        String p =
                area == 0x84
                        ? "DB" + it.db() + ".DB"
                        : area == 0x85
                                ? "DI" + it.db() + ".DI"
                                : PREFIX.getOrDefault(area, String.format("AREA0x%02x ", area));
        String tname = TSNAME.getOrDefault(tsize, String.format("0x%02x", tsize));
        if (area == 0x1C || area == 0x1D) {
            return count == 1
                    ? p + it.address()
                    : "P#" + p + it.address() + " " + tname + " " + count;
        }
        int byteAddr = it.address() / 8;
        int bit = it.address() % 8;
        String bitName = (area == 0x84 || area == 0x85 ? p + "X" : p) + byteAddr + "." + bit;
        Integer elem = ELEM.get(tsize);
        if (count == 1 && bit == 0 && elem != null && (elem == 1 || elem == 2 || elem == 4)) {
            return p + (elem == 1 ? "B" : elem == 2 ? "W" : "D") + byteAddr;
        }
        if (count == 1 && tsize == 0x01) {
            return bitName;
        }
        return "P#" + bitName + " " + tname + " " + count;
    }
}
