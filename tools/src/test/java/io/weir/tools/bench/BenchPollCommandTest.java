package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.tools.CliRun;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code weir bench poll}'s options: rounds and slices, {@code --duration} as each client's whole
 * window split over the rounds, and one-line refusals of what cannot be measured. Nothing is run.
 */
class BenchPollCommandTest {

    private static PollBench.Plan plan(String... args) {
        BenchPollCommand c = new BenchPollCommand();
        new CommandLine(c).parseArgs(args);
        return c.plan();
    }

    @Test
    void roundsOfSlicesByDefault() {
        PollBench.Plan p = plan();
        assertThat(p.rounds()).isEqualTo(5);
        assertThat(p.slice()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.warmup()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.interval()).isEqualTo(Duration.ZERO);
        assertThat(p.busyPoll()).as("the gateway's").isEqualTo(Duration.ofNanos(50_000));
        assertThat(plan("--busy-poll-us", "0").busyPoll()).isEqualTo(Duration.ZERO);
        assertThat(plan("--busy-poll-us", "50").busyPoll()).isEqualTo(Duration.ofNanos(50_000));
        assertThat(plan("--busy-poll-us", "1000").busyPoll()).isEqualTo(Duration.ofMillis(1));
        PollBench.Plan q = plan("--rounds", "2", "--slice", "0.5", "--warmup", "0");
        assertThat(q.rounds()).isEqualTo(2);
        assertThat(q.slice()).isEqualTo(Duration.ofMillis(500));
        assertThat(q.sliceSeconds()).isEqualTo(0.5);
        assertThat(q.warmup()).isEqualTo(Duration.ZERO);
    }

    @Test
    void durationIsEachClientsWindowSplitOverTheRounds() {
        assertThat(plan("--duration", "10").slice()).isEqualTo(Duration.ofSeconds(2));
        assertThat(plan("--duration", "8", "--rounds", "4").slice())
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(plan("--duration", "1").slice()).isEqualTo(Duration.ofMillis(200));
        assertThat(plan("--duration", "1", "--rounds", "3").slice().toNanos())
                .isEqualTo(333_333_333L);
    }

    @Test
    void refusesWhatCannotBeMeasuredInOneLine() {
        assertRefused(
                "give --duration (each client's seconds in all) or --slice (each round's), not both",
                "--duration",
                "4",
                "--slice",
                "1");
        assertRefused("--duration must be at least 1, got 0", "--duration", "0");
        assertRefused("--rounds must be at least 1, got 0", "--rounds", "0");
        assertRefused("--slice must be 0.1 to 3600 seconds, got 0.05", "--slice", "0.05");
        assertRefused("--slice must be 0.1 to 3600 seconds, got NaN", "--slice", "NaN");
        assertRefused(
                "--duration 1 over 20 rounds makes slices of 0.05 s; a slice must be at least 0.1 s",
                "--duration",
                "1",
                "--rounds",
                "20");
        assertRefused("--warmup must be at least 0, got -1", "--warmup", "-1");
        assertRefused(
                "--interval-ms must be 0 (continuous) or more, not -1", "--interval-ms", "-1");
        assertRefused("--busy-poll-us must be 0 (off) to 1000, got -1", "--busy-poll-us", "-1");
        assertRefused("--busy-poll-us must be 0 (off) to 1000, got 1001", "--busy-poll-us", "1001");
    }

    private static void assertRefused(String message, String... options) {
        String[] args = new String[options.length + 2];
        args[0] = "bench";
        args[1] = "poll";
        System.arraycopy(options, 0, args, 2, options.length);
        CliRun r = CliRun.execute(args);
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains(message);
        // One line: no usage dump, no stack trace, and no run started.
        assertThat(r.err().strip().lines().filter(l -> !l.isBlank()).count())
                .as(r.err())
                .isLessThanOrEqualTo(2);
        assertThat(r.err()).doesNotContain("poll: device");
        assertThat(r.out()).isEmpty();
    }
}
