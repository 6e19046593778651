package io.weir.tools.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT (Ctrl-C) as a request to stop, not an exit: the service finishes its
 * transactions, commits its outbox, prints its summary and exits 0 itself. A shutdown hook cannot
 * do that (the JVM is already exiting, with status 143 or 130, and executors refuse new work). A
 * second signal while stopping exits at once.
 */
public final class StopSignal implements AutoCloseable {
    private static final String[] SIGNALS = {"TERM", "INT"};

    private final CountDownLatch stop = new CountDownLatch(1);
    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];
    private volatile String received;

    private StopSignal() {}

    /** Takes over SIGTERM and SIGINT until {@link #close}. */
    public static StopSignal install() {
        StopSignal s = new StopSignal();
        for (int i = 0; i < SIGNALS.length; i++) {
            String name = SIGNALS[i];
            try {
                s.previous[i] = Signal.handle(new Signal(name), sig -> s.signalled("SIG" + name));
            } catch (IllegalArgumentException e) {
                // The JVM reserves this signal here (e.g. -Xrs): leave it to the JVM.
            }
        }
        return s;
    }

    private void signalled(String name) {
        if (received != null) {
            Runtime.getRuntime().halt(130);
        }
        received = name;
        stop.countDown();
    }

    /** Asks to stop, as a signal would (end of a --duration, a fatal failure). */
    public void request(String why) {
        if (received == null) {
            received = why;
        }
        stop.countDown();
    }

    /**
     * Waits for a stop request.
     *
     * @param max how long at most; {@code null} waits for ever
     * @return whether a stop was requested (false: the time ran out)
     */
    public boolean await(Duration max) throws InterruptedException {
        if (max == null) {
            stop.await();
            return true;
        }
        return stop.await(max.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** What asked to stop ({@code SIGTERM}, {@code SIGINT}, a reason), or {@code null}. */
    public String reason() {
        return received;
    }

    @Override
    public void close() {
        for (int i = 0; i < SIGNALS.length; i++) {
            if (previous[i] != null) {
                Signal.handle(new Signal(SIGNALS[i]), previous[i]);
            }
        }
    }
}
