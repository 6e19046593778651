package io.weir.tools.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * How a Java developer polls many devices with a client library (the baselines of {@code bench
 * devices}): a scheduled pool of 2 × CPUs threads starts each device's read at a fixed rate, start
 * offsets spread like the kernel's (golden-ratio phases). A read whose turn came a whole interval
 * late is missed, as is every period it slipped by; the read reports its end through {@link #ok},
 * {@link #timedOut} or {@link #failed}, on whatever thread the library completes it.
 */
final class FixedRatePolls implements AutoCloseable {

    /** One device's read, started at {@code startNanos} ({@link System#nanoTime}). */
    interface Read {
        void start(long startNanos);
    }

    final int threads = 2 * Runtime.getRuntime().availableProcessors();
    private final ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(threads);
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private final Histogram latency = new Histogram(60_000_000L, 3);
    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong wrong = new AtomicLong();
    private final long period;
    private final long t0 = System.nanoTime();

    FixedRatePolls(DevicesBench.Side s) {
        this.period = s.interval().toNanos();
    }

    /** Schedules device {@code i}'s read. */
    void add(int i, Read read) {
        long phase = (long) ((i * 0.6180339887498949) % 1.0 * period);
        long[] due = {t0 + phase};
        tasks.add(
                pool.scheduleAtFixedRate(
                        () -> {
                            long start = System.nanoTime();
                            long late = start - due[0];
                            due[0] += period;
                            if (late >= period) {
                                long skip = late / period;
                                missed.addAndGet(skip);
                                due[0] += skip * period;
                            }
                            read.start(start);
                        },
                        phase,
                        period,
                        TimeUnit.NANOSECONDS));
    }

    /**
     * A read started at {@code startNanos} brought the {@code values} of the registers from {@code
     * address}; they are checked against what the simulator serves ({@code wrong_values}).
     */
    void ok(long startNanos, int address, int[] values) {
        long us = (System.nanoTime() - startNanos) / 1000;
        synchronized (latency) {
            latency.recordValue(Math.min(us, 60_000_000L));
        }
        polls.incrementAndGet();
        if (!ManyDevicesSimulator.serves(address, values)) {
            wrong.incrementAndGet();
        }
    }

    /** A tick that started no read (the device's previous read is still out). */
    void missed() {
        missed.incrementAndGet();
    }

    void timedOut() {
        timeouts.incrementAndGet();
    }

    void failed() {
        errors.incrementAndGet();
    }

    /**
     * Two intervals for the first reads, the warm-up, then the measured window: its counters and
     * latency, with progress every 5 s.
     */
    Map<String, Object> measure(DevicesBench.Side s, Consumer<String> progress)
            throws InterruptedException {
        Thread.sleep(2 * s.interval().toMillis());
        DevicesBench.warmUp(s, progress);
        long p0 = polls.get();
        long m0 = missed.get();
        long to0 = timeouts.get();
        long e0 = errors.get();
        long w0 = wrong.get();
        Histogram before;
        synchronized (latency) {
            before = latency.copy();
        }
        DevicesBench.Usage u0 = DevicesBench.Usage.now();
        long end = System.nanoTime() + s.duration().toNanos();
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(5000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            progress.accept(
                    "devices: "
                            + s.kind()
                            + " "
                            + (polls.get() - p0)
                            + " polls, "
                            + (missed.get() - m0)
                            + " missed, "
                            + (timeouts.get() - to0)
                            + " timeouts so far");
        }
        DevicesBench.Usage u1 = DevicesBench.Usage.now();
        Histogram window;
        synchronized (latency) {
            window = latency.copy();
        }
        window.subtract(before);
        Map<String, Object> r =
                DevicesBench.result(
                        s.kind(),
                        s,
                        polls.get() - p0,
                        missed.get() - m0,
                        timeouts.get() - to0,
                        errors.get() - e0,
                        window,
                        u0,
                        u1);
        r.put("wrong_values", wrong.get() - w0);
        r.put("pool_threads", threads);
        return r;
    }

    @Override
    public void close() {
        tasks.forEach(t -> t.cancel(false));
        pool.shutdownNow();
    }
}
