package io.weir.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The CLI through Picocli's execute(), output captured. */
class WeirCommandTest {
    static final String HELP_GOLDEN = "io/weir/tools/weir-help.txt";

    static CliRun run(String... args) {
        return CliRun.execute(args);
    }

    /**
     * {@code weir --help} is an approved golden file. After a deliberate change (a new subcommand),
     * approve the new text with {@code mvn -pl tools test -Dtest=WeirCommandTest
     * -Dweir.approve=true}.
     */
    @Test
    void helpMatchesTheApprovedGoldenFile() throws Exception {
        CliRun r = run("--help");
        assertThat(r.code()).isZero();
        if (Boolean.getBoolean("weir.approve")) {
            Path golden =
                    Path.of(
                            System.getProperty("weir.root"),
                            "tools/src/test/resources",
                            HELP_GOLDEN);
            Files.writeString(golden, r.out());
        }
        String approved;
        try (var in = getClass().getClassLoader().getResourceAsStream(HELP_GOLDEN)) {
            assertThat(in).as("golden file " + HELP_GOLDEN).isNotNull();
            approved = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(r.out()).isEqualTo(approved);
        // `weir` alone prints the same usage.
        assertThat(run().out()).isEqualTo(approved);
    }

    @Test
    void everySubcommandHasHelp() {
        for (String[] cmd :
                new String[][] {
                    {"demo", "--help"},
                    {"replay", "--help"},
                    {"sim", "--help"},
                    {"sim", "modbus-tcp", "--help"}
                }) {
            CliRun r = run(cmd);
            assertThat(r.code()).as(String.join(" ", cmd)).isZero();
            assertThat(r.out()).contains("Usage: weir " + cmd[0]);
        }
    }

    @Test
    void usageErrorsSayWhatWasWrong() {
        CliRun r = run("frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unmatched argument at index 0: 'frobnicate'");

        r = run("sim", "modbus-tcp", "--listen", "localhost");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("'localhost' is not HOST:PORT");

        r = run("replay", "--driver", "modbus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required option: '--pcap=FILE'");
    }

    @Test
    void runtimeErrorsAreOneLineNotAStackTrace() throws Exception {
        CliRun r = run("replay", "--driver", "modbus", "--pcap", "/nonexistent/x.pcap");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .startsWith("weir replay: ")
                .contains("/nonexistent/x.pcap: no such file or directory")
                .doesNotContain("\tat ");

        Path notACapture = Files.createTempFile("weir", ".pcap");
        Files.writeString(notACapture, "hello, world");
        r = run("replay", "--driver", "modbus", "--pcap", notACapture.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("unknown file magic 68656c6c");

        r =
                run(
                        "replay",
                        "--driver",
                        "/nonexistent/driver.wasm",
                        "--pcap",
                        Path.of(
                                        System.getProperty("weir.corpus"),
                                        "modbus_tcp/zeek/modbus-eit.pcap")
                                .toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("driver file /nonexistent/driver.wasm does not exist");
    }
}
