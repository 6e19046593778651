package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Replay a capture" example, run as a user runs it after a plain clone: its command
 * through the {@code ./weir} launcher from the repository root (the capture ships with the
 * project), and the output it shows is what the command prints.
 */
class ReadmeReplayIT {
    private static final Path ROOT = Path.of(System.getProperty("weir.root"));

    @Test
    void theReplayExampleRunsAndPrintsWhatTheReadmeShows() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int at = readme.indexOf("### Replay a capture through the driver");
        assertThat(at).as("README section").isNotNegative();
        String section = readme.substring(at, readme.indexOf("\n### ", at + 1));
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```[a-z]*\\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertThat(blocks).as("command and output blocks").hasSizeGreaterThanOrEqualTo(2);
        String command = blocks.get(0).strip();
        assertThat(command).startsWith("./weir replay ").doesNotContain("../");
        String capture = command.replaceAll(".*--pcap (\\S+).*", "$1");
        assertThat(ROOT.resolve(capture))
                .as("the example's capture ships with the project")
                .isRegularFile();
        assertThat(ROOT.resolve(capture).resolveSibling("SOURCE.md"))
                .as("its source and licence")
                .isRegularFile();

        List<String> cmd = new ArrayList<>(List.of(command.split(" ")));
        cmd.set(0, ROOT.resolve("weir").toString());
        File err = File.createTempFile("weir", ".err");
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(ROOT.toFile())
                        .redirectError(err)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("WEIR_NO_BUILD", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("weir finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(err.toPath())).isZero();
        List<String> printed = out.lines().toList();

        // The shown output: the first lines, "…", the last lines.
        List<String> shown = blocks.get(1).lines().toList();
        int gap = shown.indexOf("…");
        assertThat(gap).as("the shown output elides its middle with …").isPositive();
        assertThat(printed.subList(0, gap)).isEqualTo(shown.subList(0, gap));
        List<String> tail = shown.subList(gap + 1, shown.size());
        assertThat(printed.subList(printed.size() - tail.size(), printed.size())).isEqualTo(tail);
        Matcher count = Pattern.compile("of its (\\d+) here").matcher(section);
        assertThat(count.find()).as("the README says how many lines there are").isTrue();
        assertThat(printed).hasSize(Integer.parseInt(count.group(1)));
    }
}
