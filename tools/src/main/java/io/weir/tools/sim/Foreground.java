package io.weir.tools.sim;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Keeps a simulator in the foreground until Ctrl-C (or SIGTERM), or for a given time. */
final class Foreground {
    private Foreground() {}

    /**
     * @param seconds how long to run, or {@code null} until the JVM is asked to stop
     */
    static void await(Double seconds) throws InterruptedException {
        if (seconds != null && !(seconds > 0)) {
            throw new IllegalArgumentException("--duration must be > 0 seconds, got " + seconds);
        }
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "weir-sim-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (seconds == null) {
                stop.await();
            } else {
                stop.await(Math.round(seconds * 1000), TimeUnit.MILLISECONDS);
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the JVM is already running the hooks.
            }
        }
    }
}
