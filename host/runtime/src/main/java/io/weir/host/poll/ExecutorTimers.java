package io.weir.host.poll;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** {@link Timers} on a {@link ScheduledExecutorService}, with the system clock. */
public final class ExecutorTimers implements Timers {
    private final ScheduledExecutorService executor;

    public ExecutorTimers(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        var f = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }
}
