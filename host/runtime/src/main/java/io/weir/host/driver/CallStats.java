package io.weir.host.driver;

import io.weir.abi.Abi;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Calls into one driver version, per export, across all its instances: how many, and how long they
 * took inside the module (wall time between entering and leaving the call). For metrics. The time
 * is an estimate: each instance times the first of every {@code DriverInstance.STATS_SAMPLE} calls
 * of an export and counts it for that many, so that most calls read the clock once, not twice. The
 * count is exact but reported in batches: an instance adds its calls of an export with each timed
 * one (its first, then every {@code STATS_SAMPLE}-th) and the rest when it dies or closes, so a
 * live instance's last calls (fewer than {@code STATS_SAMPLE} per export) show later.
 */
public final class CallStats {
    private final LongAdder[] calls = adders();
    private final LongAdder[] nanos = adders();
    private final LongAdder traps = new LongAdder();

    /**
     * How long the calls that trapped ran before the host had control again (µs, two significant
     * digits, up to a minute; a warm call that was not timed counts from its coarse start, {@link
     * Watchdog.Deadline#armedAt}, so up to a tick of the watchdog, 5 ms, more): warm calls had the
     * call budget, cold ones the open budget (instantiation, loading and opening calls, the
     * cold-start grace). A runaway loop shows here as its budget plus the watchdog's and Chicory's
     * latency.
     */
    private final Histogram warmStops = new Histogram(60_000_000L, 2);

    private final Histogram coldStops = new Histogram(60_000_000L, 2);

    private static LongAdder[] adders() {
        LongAdder[] a = new LongAdder[Abi.Export.values().length];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /**
     * @param count calls of {@code export} made since the instance last reported them
     * @param elapsedNanos their estimated time inside the module, or 0 if none was measured
     */
    void record(Abi.Export export, int count, long elapsedNanos) {
        calls[export.ordinal()].add(count);
        if (elapsedNanos != 0) {
            nanos[export.ordinal()].add(elapsedNanos);
        }
    }

    void trapped(long elapsedNanos, boolean warm) {
        traps.increment();
        Histogram h = warm ? warmStops : coldStops;
        long micros = Math.max(0, Math.min(elapsedNanos / 1000, h.getHighestTrackableValue()));
        synchronized (h) {
            h.recordValue(micros);
        }
    }

    /** Calls of {@code export} made so far. */
    public long calls(Abi.Export export) {
        return calls[export.ordinal()].sum();
    }

    /** Nanoseconds spent in calls of {@code export} so far (estimated, see the class comment). */
    public long nanos(Abi.Export export) {
        return nanos[export.ordinal()].sum();
    }

    /**
     * A copy of the stop times (µs) of trapped calls: from the start of the call to the host
     * regaining control. {@code warm}: calls with the call budget; else the open budget.
     */
    public Histogram stopMicros(boolean warm) {
        Histogram h = warm ? warmStops : coldStops;
        synchronized (h) {
            return h.copy();
        }
    }

    /** Calls that trapped, panicked, ran past their budget or broke a region rule (§9). */
    public long traps() {
        return traps.sum();
    }
}
