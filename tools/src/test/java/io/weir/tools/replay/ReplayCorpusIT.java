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
 * Replays every Modbus TCP capture of the corpus through the bundled WASM driver and checks the
 * output against Wireshark's decoding beside it ({@code *.truth.jsonl}, see the SOURCE.md files):
 * every FC1-4 pair register for register and bit for bit (name {@code <area>/<start+i>}, value,
 * response frame, the driver's correlation key, which holds transaction id, unit and function code,
 * timestamp), every FC1-4 exception as a bad line naming its code, every other exchange as a
 * skipped line with the driver's reason naming the function code, every orphan as unanswered or
 * unsolicited with its key.
 */
class ReplayCorpusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] AREA = {null, "coil", "discrete", "holding", "input"};
    private static DriverModule module;

    @BeforeAll
    static void loadDriver() throws IOException {
        String driver = System.getProperty("weir.driver.modbus", "modbus");
        module = HostReplayDriver.load(driver, DriverSource.bytes(driver));
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusCaptureMatchesWireshark() throws IOException {
        String corpus = System.getProperty("weir.corpus");
        assertThat(corpus).as("system property weir.corpus (set by the parent pom)").isNotNull();
        Path root = Path.of(corpus, "modbus_tcp");
        assertThat(root).as("Modbus TCP corpus folder").isDirectory();
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

    private record Expected(Long key, String point, Object value) {}

    /** IANA port for Modbus TCP (Implementation Guide §4.1.1). */
    private static final int MODBUS_PORT = 502;

    /** The Modbus driver's correlation key (drivers/modbus/README.md, ABI §7.12). */
    private static long key(int transactionId, int unit, int functionCode) {
        return ((long) transactionId << 16) | (unit << 8) | (functionCode & 0x7F);
    }

    private static void check(Path capture) throws Exception {
        String base = capture.getFileName().toString().replaceFirst("\\.pcap(ng)?$", "");
        Path truthFile = capture.resolveSibling(base + ".truth.jsonl");
        assertThat(truthFile).as("ground truth beside " + capture).exists();

        List<ReplayLine> lines = new ArrayList<>();
        try (HostReplayDriver driver = new HostReplayDriver(module);
                CaptureReader reader = CaptureReader.open(capture)) {
            ReplaySummary summary = new TcpReplay(driver, MODBUS_PORT, lines::add).replay(reader);
            assertThat(summary.failure()).as("read error").isNull();
            assertThat(summary.truncatedBytes()).as("truncated bytes").isZero();
        }
        Map<Key, List<ReplayLine>> good = new HashMap<>();
        Map<Key, List<ReplayLine>> bad = new HashMap<>();
        Map<String, Map<Key, List<ReplayLine>>> others = new HashMap<>();
        for (ReplayLine l : lines) {
            Key k = new Key(l.device(), l.frame() == null ? -1 : l.frame());
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
        Map<Key, Long> expectedTs = new HashMap<>();
        Map<Key, Integer> expectedExceptions = new HashMap<>();
        int registers = 0;
        int bits = 0;
        int exceptions = 0;
        int skipped = 0;
        int unanswered = 0;
        int unsolicited = 0;
        for (String text : Files.readAllLines(truthFile)) {
            JsonNode t = JSON.readTree(text);
            String kind = t.get("kind").asText();
            int fc = t.get("function_code").asInt();
            int unit = t.get("unit_id").asInt();
            long key = key(t.get("transaction_id").asInt(), unit, fc);
            JsonNode exc = t.get("exception_code");
            String where = capture.getFileName() + " " + text;
            if (kind.equals("request_only")) {
                Key k = new Key(t.get("server").asText(), t.get("request").get("frame").asInt());
                assertThat(others.getOrDefault(ReplayLine.UNANSWERED, Map.of()).get(k))
                        .as("unanswered line for " + where)
                        .isNotNull()
                        .anySatisfy(l -> assertThat(l.key()).isEqualTo(key));
                unanswered++;
                continue;
            }
            Key k = new Key(t.get("server").asText(), t.get("response").get("frame").asInt());
            if (kind.equals("response_only")) {
                assertThat(others.getOrDefault(ReplayLine.UNSOLICITED, Map.of()).get(k))
                        .as("unsolicited line for " + where)
                        .isNotNull()
                        .anySatisfy(l -> assertThat(l.key()).isEqualTo(key));
                unsolicited++;
                continue;
            }
            long ts =
                    new BigDecimal(t.get("response").get("time_epoch").asText())
                            .movePointRight(3)
                            .longValue();
            boolean read = fc >= 1 && fc <= 4;
            if (read && (exc == null || exc.isNull())) {
                int start = t.get("start_register").asInt();
                JsonNode values = fc <= 2 ? t.get("bit_values") : t.get("register_values");
                assertThat(values).as("values in " + where).isNotNull();
                List<Expected> list = expected.computeIfAbsent(k, x -> new ArrayList<>());
                for (int i = 0; i < values.size(); i++) {
                    int v = values.get(i).asInt();
                    list.add(
                            new Expected(
                                    key,
                                    AREA[fc] + "/" + (start + i),
                                    fc <= 2 ? (Object) (v == 1) : (Object) (long) v));
                }
                assertThat(values.size())
                        .as("quantity in " + where)
                        .isEqualTo(t.get("quantity").asInt());
                if (fc <= 2) {
                    bits += values.size();
                } else {
                    registers += values.size();
                }
                expectedTs.put(k, ts);
            } else if (read) {
                int code = exc.asInt();
                assertThat(bad.get(k))
                        .as("bad line naming exception %d for %s", code, where)
                        .isNotNull()
                        .anySatisfy(
                                l -> {
                                    assertThat(l.key()).isEqualTo(key);
                                    assertThat(l.ts()).isEqualTo(ts);
                                    assertThat(l.error()).contains("exception " + code);
                                });
                expectedExceptions.merge(k, 1, Integer::sum);
                exceptions++;
            } else {
                assertThat(others.getOrDefault(ReplayLine.SKIPPED, Map.of()).get(k))
                        .as("skipped line for " + where)
                        .isNotNull()
                        .anySatisfy(
                                l -> {
                                    // The driver's reason names the function it does not decode.
                                    assertThat(l.key()).isEqualTo(key);
                                    assertThat(l.error()).contains("function code " + fc);
                                });
                skipped++;
            }
        }

        // Register for register, bit for bit: exactly the expected points in each response frame.
        for (Map.Entry<Key, List<Expected>> e : expected.entrySet()) {
            List<ReplayLine> got = good.getOrDefault(e.getKey(), List.of());
            assertThat(
                            got.stream()
                                    .map(l -> new Expected(l.key(), l.point(), l.value().json()))
                                    .toList())
                    .as("points of response frame %s in %s", e.getKey(), capture.getFileName())
                    .containsExactlyInAnyOrderElementsOf(e.getValue());
            assertThat(got)
                    .allSatisfy(l -> assertThat(l.ts()).isEqualTo(expectedTs.get(e.getKey())));
        }
        assertThat(good.keySet())
                .as("frames with good points that Wireshark does not decode as FC1-4 reads")
                .isSubsetOf(expected.keySet());
        assertThat(bad.keySet())
                .as("frames with bad points that Wireshark does not decode as FC1-4 exceptions")
                .isSubsetOf(expectedExceptions.keySet());
        System.out.printf(
                "replay %-40s %6d registers, %5d bits, %3d exceptions matched; %3d skipped, %3d"
                        + " unanswered, %3d unsolicited (Wireshark truth)%n",
                capture.getFileName(),
                registers,
                bits,
                exceptions,
                skipped,
                unanswered,
                unsolicited);
    }
}
