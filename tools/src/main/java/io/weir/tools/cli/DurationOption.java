package io.weir.tools.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --duration S} of the commands that otherwise run until Ctrl-C or SIGTERM. */
public final class DurationOption {
    @Option(
            names = "--duration",
            paramLabel = "S",
            description =
                    "Stop after S seconds (may be fractional) and exit 0; default: run until"
                            + " Ctrl-C or SIGTERM, which end it the same way.")
    Double seconds;

    /**
     * The duration, or {@code null} for "until stopped".
     *
     * @throws IllegalArgumentException for a duration that is not a positive number of seconds
     */
    public Duration value() {
        if (seconds == null) {
            return null;
        }
        if (!(seconds > 0) || seconds.isInfinite()) {
            throw new IllegalArgumentException("--duration must be > 0 seconds, got " + seconds);
        }
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }

    /** For messages: {@code "; for 5.0 s"} or {@code "; Ctrl-C stops"}. */
    public String describe() {
        return seconds == null ? "; Ctrl-C stops" : "; for " + seconds + " s";
    }
}
