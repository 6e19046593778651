package io.weir.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import io.weir.tools.CliRun;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir config check} through Picocli's execute(), output captured. */
class ConfigCheckCommandTest {
    static final String MISTAKES = "io/weir/tools/config/mistakes.toml";
    static final String MISTAKES_GOLDEN = "io/weir/tools/config/mistakes.txt";
    static final String EXAMPLE = "io/weir/tools/config/example.toml";

    @TempDir Path dir;

    static String resource(String name) throws IOException {
        try (InputStream in =
                ConfigCheckCommandTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    Path copy(String resource) throws IOException {
        Path f = dir.resolve(Path.of(resource).getFileName());
        Files.writeString(f, resource(resource));
        return f;
    }

    /** The 1-based numbers of the lines of {@code text} that hold {@code marker}. */
    static List<Integer> linesWith(String text, String marker) {
        List<Integer> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(marker)) {
                out.add(i + 1);
            }
        }
        return out;
    }

    /**
     * A config with one mistake of each kind: one line per mistake, each at the line its comment
     * marks, as approved in {@code mistakes.txt}. After a deliberate change, approve the new text
     * with {@code mvn -pl tools test -Dtest=ConfigCheckCommandTest -Dweir.approve=true}.
     */
    @Test
    void oneLinePerMistakeAtItsLineMatchingTheApprovedGoldenFile() throws Exception {
        Path f = copy(MISTAKES);
        CliRun r = CliRun.execute("config", "check", f.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        // Paths in the output are the test folder's; the golden file has them relative.
        String out = r.out().replace(dir + "/", "");
        if (Boolean.getBoolean("weir.approve")) {
            Files.writeString(
                    Path.of(
                            System.getProperty("weir.root"),
                            "tools/src/test/resources",
                            MISTAKES_GOLDEN),
                    out);
        }
        assertThat(out).isEqualTo(resource(MISTAKES_GOLDEN));

        String toml = resource(MISTAKES);
        List<Integer> marked = linesWith(toml, "# MISTAKE");
        List<Integer> reported = new ArrayList<>();
        for (String line : out.split("\n")) {
            assertThat(line).startsWith("mistakes.toml:");
            reported.add(Integer.parseInt(line.split(":")[1]));
        }
        assertThat(reported).as(out).isEqualTo(marked);
        assertThat(r.err())
                .isEqualTo("weir config check: " + f + ": " + marked.size() + " problems\n");
    }

    @Test
    void jsonGivesOneObjectPerProblemAndASummaryLast() throws Exception {
        Path f = copy(MISTAKES);
        CliRun text = CliRun.execute("config", "check", f.toString());
        CliRun r = CliRun.execute("config", "check", "--json", f.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEmpty();
        String[] lines = r.out().split("\n");
        String[] human = text.out().split("\n");
        assertThat(lines).hasSize(human.length + 1);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < human.length; i++) {
            JsonNode p = json.readTree(lines[i]);
            assertThat(p.get("kind").asText()).isEqualTo("problem");
            assertThat(p.get("file").asText()).isEqualTo(f.toString());
            String key = p.get("key").asText();
            assertThat(human[i])
                    .isEqualTo(
                            f
                                    + ":"
                                    + p.get("line").asInt()
                                    + ": "
                                    + (key.isEmpty() ? "" : key + ": ")
                                    + p.get("message").asText());
            assertThat(p.get("column").isNull() || p.get("column").asInt() > 0).isTrue();
        }
        JsonNode summary = json.readTree(lines[lines.length - 1]);
        assertThat(summary.get("kind").asText()).isEqualTo("summary");
        assertThat(summary.get("ok").asBoolean()).isFalse();
        assertThat(summary.get("problems").asInt()).isEqualTo(human.length);
        assertThat(summary.get("gateway").asText()).isEqualTo("line-3");
        assertThat(summary.get("devices").asInt()).isEqualTo(9);
        assertThat(summary.get("points").asInt()).isEqualTo(8);
        assertThat(summary.get("uplink").isNull()).isTrue();
    }

    @Test
    void theExampleConfigPasses() throws Exception {
        Path f = copy(EXAMPLE);
        PkiIssuer.init(dir.resolve("pki"), UplinkPki.Algorithm.SM2, "line-3");
        CliRun r = CliRun.execute("config", "check", f.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.out())
                .isEqualTo("line-3: 1 device, 18 points, uplink to 127.0.0.1:7443: OK\n");
        assertThat(r.code()).isZero();

        r = CliRun.execute("config", "check", "--json", f.toString());
        assertThat(r.code()).isZero();
        JsonNode summary = new ObjectMapper().readTree(r.out());
        assertThat(summary.get("ok").asBoolean()).isTrue();
        assertThat(summary.get("devices").asInt()).isEqualTo(1);
        assertThat(summary.get("points").asInt()).isEqualTo(18);
        assertThat(summary.get("uplink").asText()).isEqualTo("127.0.0.1:7443");

        // The example's device is the demo simulator's point map, point for point.
        GatewayConfig c = GatewayConfig.load(f);
        assertThat(c.devices().get(0).toSpec().config().text())
                .startsWith("device unit=1 max_gap=2\npoint 0 area=holding address=0 type=u16\n")
                .contains("point 11 area=input address=0 type=u16 scale=0.002442 offset=0.0\n");
    }

    @Test
    void aMissingFileIsOneProblem() {
        Path missing = dir.resolve("nope.toml");
        CliRun r = CliRun.execute("config", "check", missing.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEqualTo(missing + ": no such file\n");
    }

    @Test
    void helpDocumentsTheExitStatus() {
        CliRun r = CliRun.execute("config", "check", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .startsWith(
                        "Validate a gateway config file offline, every mistake with its line.\n"
                                + "Usage: weir config check [-hV] [--json] FILE\n")
                .contains(
                        "Exit status:\n"
                                + "  0   the config is valid; one summary line\n"
                                + "  1   the check itself failed\n"
                                + "  2   problems found, one line each (or a usage error)\n");
        r = CliRun.execute("config");
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .contains("Usage: weir config")
                .contains("check  Validate a gateway config file");
        r = CliRun.execute("config", "check");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required parameter: 'FILE'");
    }
}
