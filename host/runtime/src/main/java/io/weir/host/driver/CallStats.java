package io.weir.host.driver;

import io.weir.abi.Abi;
import java.util.concurrent.atomic.LongAdder;

/**
 * Calls into one driver version, per export, across all its instances: how many, and how long they
 * took inside the module (wall time between entering and leaving the call). For metrics.
 */
public final class CallStats {
    private final LongAdder[] calls = adders();
    private final LongAdder[] nanos = adders();
    private final LongAdder traps = new LongAdder();

    private static LongAdder[] adders() {
        LongAdder[] a = new LongAdder[Abi.Export.values().length];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    void record(Abi.Export export, long elapsedNanos) {
        calls[export.ordinal()].increment();
        nanos[export.ordinal()].add(elapsedNanos);
    }

    void trapped() {
        traps.increment();
    }

    /** Calls of {@code export} made so far. */
    public long calls(Abi.Export export) {
        return calls[export.ordinal()].sum();
    }

    /** Nanoseconds spent in calls of {@code export} so far. */
    public long nanos(Abi.Export export) {
        return nanos[export.ordinal()].sum();
    }

    /** Calls that trapped, panicked, ran past their budget or broke a region rule (§9). */
    public long traps() {
        return traps.sum();
    }
}
