package io.weir.tools.sim;

import io.weir.tools.cli.StopSignal;
import java.time.Duration;

/** Keeps a simulator in the foreground until Ctrl-C or SIGTERM, or for a given time. */
final class Foreground {
    private Foreground() {}

    /**
     * @param seconds how long to run, or {@code null} until Ctrl-C or SIGTERM
     */
    static void await(Double seconds) throws InterruptedException {
        if (seconds != null && (!(seconds > 0) || seconds.isInfinite())) {
            throw new IllegalArgumentException("--duration must be > 0 seconds, got " + seconds);
        }
        try (StopSignal stop = StopSignal.install()) {
            stop.await(seconds == null ? null : Duration.ofNanos(Math.round(seconds * 1e9)));
        }
    }
}
