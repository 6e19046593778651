package io.weir.tools.bench;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options {@code bench devices} and {@code bench scale} share: how each side runs. */
public final class DevicesRunOptions {
    @Option(
            names = "--duration",
            defaultValue = "30",
            paramLabel = "SECONDS",
            description = "Measured seconds, after the warm-up (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(
            names = "--warmup",
            defaultValue = "20",
            paramLabel = "SECONDS",
            description =
                    "Seconds each side runs after every device polled once and before the"
                            + " measured window: the JVM grows its heap to the gateway's size"
                            + " (a collection for each step) and compiles the hot code first."
                            + " The collections before the window are reported"
                            + " (gcs_before_window, gc_ms_before_window)."
                            + " Default: ${DEFAULT-VALUE}.")
    int warmupSeconds;

    @Option(
            names = "--interval-ms",
            defaultValue = "1000",
            description = "Poll interval of every device (default: ${DEFAULT-VALUE}).")
    long intervalMs;

    @Option(
            names = "--baseline",
            paramLabel = "j2mod|plc4x",
            description =
                    "Also poll the devices with j2mod or PLC4X, in a JVM of its own. PLC4X stops"
                            + " opening connections after 90 s and polls those it opened.")
    String baseline;

    @Option(
            names = "--per-second",
            description =
                    "Print the gateway's latency of every second of the window on stderr (polls,"
                            + " p50, p99, p99.9, max, and the collections of that second), to tell"
                            + " a tail that follows the collector from one that does not.")
    boolean perSecond;

    Duration duration() {
        return Duration.ofSeconds(seconds);
    }

    Duration warmup() {
        return Duration.ofSeconds(warmupSeconds);
    }

    Duration interval() {
        return Duration.ofMillis(intervalMs);
    }

    /** A usage error for a value no run can have. */
    void check(CommandLine cl) {
        if (seconds < 1) {
            throw new ParameterException(cl, "--duration must be at least 1 s, got " + seconds);
        }
        if (warmupSeconds < 0) {
            throw new ParameterException(cl, "--warmup must be 0 s or more, got " + warmupSeconds);
        }
        if (intervalMs < 1) {
            throw new ParameterException(cl, "--interval-ms must be at least 1, got " + intervalMs);
        }
        if (baseline != null && !baseline.equals("j2mod") && !baseline.equals("plc4x")) {
            throw new ParameterException(
                    cl, "--baseline must be j2mod or plc4x, got \"" + baseline + "\"");
        }
    }
}
