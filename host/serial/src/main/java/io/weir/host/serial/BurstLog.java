package io.weir.host.serial;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Logs the first of a burst of like events and counts the rest: a line that spits garbage, a slave
 * that stays silent, a port that fails to reopen once a second must cost one log line, not one per
 * byte or per retry. A burst ends when {@code quiet} passes without an event; the next event is
 * logged again, with the count of the burst before it.
 */
public final class BurstLog {
    private final Logger log;
    private final Level level;
    private final long quietNanos;
    private final LongSupplier nanoTime;
    private long lastNanos;
    private boolean inBurst;
    private long burstEvents;
    private long burstAmount;
    private long totalEvents;

    /**
     * @param quiet the pause that ends a burst
     * @param nanoTime the monotonic clock ({@code System::nanoTime} outside tests)
     */
    public BurstLog(Logger log, Level level, Duration quiet, LongSupplier nanoTime) {
        this.log = log;
        this.level = level;
        this.quietNanos = quiet.toNanos();
        this.nanoTime = nanoTime;
    }

    public BurstLog(Logger log, Level level) {
        this(log, level, Duration.ofSeconds(10), System::nanoTime);
    }

    /**
     * One event of {@code amount} units (bytes, frames, attempts).
     *
     * @param message the line to log if this event starts a burst
     * @return whether it was logged
     */
    public boolean event(long amount, Supplier<String> message) {
        String line;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            totalEvents++;
            boolean starts = !inBurst || now - lastNanos >= quietNanos;
            lastNanos = now;
            if (!starts) {
                burstEvents++;
                burstAmount += amount;
                return false;
            }
            String before =
                    inBurst && burstEvents > 0
                            ? " (the burst before: "
                                    + burstEvents
                                    + " more, "
                                    + burstAmount
                                    + " in all)"
                            : "";
            inBurst = true;
            burstEvents = 0;
            burstAmount = amount;
            line = message.get() + before;
        }
        log.log(level, line);
        return true;
    }

    /** Ends the burst now: the next event is logged whenever it comes. */
    public synchronized void reset() {
        inBurst = false;
        burstEvents = 0;
        burstAmount = 0;
    }

    /** Events of the burst that were counted but not logged. */
    public synchronized long suppressed() {
        return burstEvents;
    }

    /** Every event so far. */
    public synchronized long events() {
        return totalEvents;
    }
}
