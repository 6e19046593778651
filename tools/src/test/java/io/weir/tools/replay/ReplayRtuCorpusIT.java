package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import java.io.BufferedReader;
import java.io.IOException;
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
 * Replays every Modbus RTU file of the corpus ({@code modbus_rtu/**}{@code /*.frames.txt}, frames
 * recovered from logic-analyzer captures) through the bundled WASM driver and checks the output
 * against the ground truth beside it ({@code *.truth.jsonl}, sigrok's decode, see the SOURCE.md
 * files): every FC1-4 pair register for register and bit for bit (name {@code <area>/<start+i>},
 * value, the response's line number, the slave), every write as a skipped line naming its function
 * code, and the counts: as many pairs as the truth has, every request line answered or reported.
 */
class ReplayRtuCorpusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] AREA = {null, "coil", "discrete", "holding", "input"};
    private static DriverModule module;

    @BeforeAll
    static void loadDriver() throws IOException {
        String driver = System.getProperty("weir.driver.modbus", "modbus");
        module = HostReplayDriver.load(driver, DriverSource.bytes(driver));
        // Throws, naming the reason, if the driver cannot replay a serial line.
        ReplayCommand.requireTransport(module, "serial", "--rtu");
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusRtuFileMatchesItsGroundTruth() throws IOException {
        String corpus = System.getProperty("weir.corpus");
        assertThat(corpus).as("system property weir.corpus (set by the parent pom)").isNotNull();
        Path root = Path.of(corpus, "modbus_rtu");
        assertThat(root).as("Modbus RTU corpus folder").isDirectory();
        List<Path> files;
        try (Stream<Path> s = Files.walk(root, 3)) {
            files = s.filter(p -> p.toString().endsWith(".frames.txt")).sorted().toList();
        }
        assertThat(files).as("*.frames.txt under " + root).hasSizeGreaterThanOrEqualTo(6);
        return files.stream()
                .map(p -> DynamicTest.dynamicTest(root.relativize(p).toString(), () -> check(p)));
    }

    private record Expected(Long key, String point, Object value) {}

    /** The Modbus driver's RTU correlation key (drivers/modbus/README.md, ABI §7.12). */
    private static long key(int slave, int functionCode) {
        return (slave << 8) | (functionCode & 0x7F);
    }

    private static void check(Path frames) throws Exception {
        String base = frames.getFileName().toString().replaceFirst("\\.frames\\.txt$", "");
        Path truthFile = frames.resolveSibling(base + ".truth.jsonl");
        assertThat(truthFile).as("ground truth beside " + frames).exists();

        List<ReplayLine> lines = new ArrayList<>();
        ReplaySummary summary;
        try (HostReplayDriver driver = new HostReplayDriver(module, "serial");
                BufferedReader in = Files.newBufferedReader(frames)) {
            summary = new SerialReplay(driver, frames.toString(), lines::add).replay(in);
        }
        assertThat(summary.failure()).as("error reading " + frames).isNull();

        // Line numbers of the file by start sample, as the truth names frames.
        Map<Long, Integer> lineOfSample = new HashMap<>();
        int requestLines = 0;
        List<String> text = Files.readAllLines(frames);
        for (int i = 0; i < text.size(); i++) {
            String l = text.get(i);
            if (l.startsWith("#") || l.isBlank()) {
                continue;
            }
            String[] cols = l.trim().split("\\s+");
            lineOfSample.put(Long.parseLong(cols[0]), i + 1);
            if (cols[4].equals("req")) {
                requestLines++;
            }
        }

        Map<Integer, List<ReplayLine>> points = new HashMap<>();
        Map<Integer, List<ReplayLine>> skipped = new HashMap<>();
        for (ReplayLine l : lines) {
            if (l.isPoint()) {
                points.computeIfAbsent(l.frame(), x -> new ArrayList<>()).add(l);
            } else if (l.kind().equals(ReplayLine.SKIPPED)) {
                skipped.computeIfAbsent(l.frame(), x -> new ArrayList<>()).add(l);
            }
        }

        int pairs = 0;
        int values = 0;
        int writes = 0;
        for (String t0 : Files.readAllLines(truthFile)) {
            JsonNode t = JSON.readTree(t0);
            assertThat(t.get("kind").asText()).as(t0).isEqualTo("pair");
            pairs++;
            int fc = t.get("function_code").asInt();
            int slave = t.get("slave_id").asInt();
            int line = lineOfSample.get(t.get("response_start_sample").asLong());
            String where = frames.getFileName() + " line " + line + ": " + t0;
            if (fc >= 1 && fc <= 4) {
                int start = t.get("start_address").asInt();
                JsonNode vals = fc <= 2 ? t.get("bit_values") : t.get("register_values");
                List<Expected> want = new ArrayList<>();
                for (int i = 0; i < vals.size(); i++) {
                    int v = vals.get(i).asInt();
                    want.add(
                            new Expected(
                                    key(slave, fc),
                                    AREA[fc] + "/" + (start + i),
                                    fc <= 2 ? (Object) (v == 1) : (Object) (long) v));
                }
                assertThat(
                                points.getOrDefault(line, List.of()).stream()
                                        .map(
                                                l -> {
                                                    assertThat(l.quality()).isEqualTo("good");
                                                    return new Expected(
                                                            l.key(), l.point(), l.value().json());
                                                })
                                        .toList())
                        .as("points of " + where)
                        .containsExactlyElementsOf(want);
                values += want.size();
            } else {
                assertThat(skipped.get(line))
                        .as("skipped line for " + where)
                        .isNotNull()
                        .singleElement()
                        .satisfies(
                                l -> {
                                    assertThat(l.key()).isEqualTo(key(slave, fc));
                                    assertThat(l.error())
                                            .contains("function code " + fc + " (write");
                                });
                writes++;
            }
        }
        assertThat(summary.pairs()).as("pairs in " + frames).isEqualTo(pairs);
        assertThat(summary.points()).as("points in " + frames).isEqualTo(values);
        assertThat(summary.badPoints()).isZero();
        assertThat(summary.skipped()).as("skipped (writes) in " + frames).isEqualTo(writes);
        assertThat(summary.garbageBytes()).isZero();
        assertThat(summary.unsolicited()).isZero();
        assertThat(summary.unanswered())
                .as("requests left unanswered")
                .isEqualTo(requestLines - pairs);
        assertThat(lines)
                .as("every line is a point or a report of " + frames)
                .hasSize(values + writes + (requestLines - pairs));
    }
}
