package io.weir.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./weir} script itself, run from another directory on the jar this build packaged
 * ({@code WEIR_NO_BUILD=1}: no nested Maven run): stdout carries only the command's output.
 */
class WeirLauncherIT {
    private static final Path ROOT = Path.of(System.getProperty("weir.root"));

    private record Result(int code, String out, String err) {}

    @Test
    void runsFromAnyDirectoryWithCleanJsonOnStdout() throws Exception {
        Result version = weirNoBuild("--version");
        assertThat(version.code()).as(version.err()).isZero();
        assertThat(version.out()).startsWith("weir ");

        String capture =
                Path.of(System.getProperty("weir.corpus"), "modbus_tcp/ntop-ndpi/modbus.pcap")
                        .toString();
        Result replay = weirNoBuild("replay", "--driver", "modbus", "--pcap", capture, "--json");
        assertThat(replay.code()).as(replay.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        List<String> lines = replay.out().lines().toList();
        assertThat(lines).hasSizeGreaterThan(47);
        for (String line : lines) {
            assertThat(json.readTree(line).isObject()).as(line).isTrue();
        }

        Result bad = weirNoBuild("replay", "--driver", "modbus");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.out()).isEmpty();
        assertThat(bad.err()).contains("Missing required option: '--pcap=FILE'");
    }

    private static Result weirNoBuild(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("weir").toString()));
        cmd.addAll(List.of(args));
        File errFile = File.createTempFile("weir", ".err");
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(new File(System.getProperty("java.io.tmpdir")))
                        .redirectError(errFile)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("WEIR_NO_BUILD", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("weir finished").isTrue();
        return new Result(p.exitValue(), out, java.nio.file.Files.readString(errFile.toPath()));
    }
}
