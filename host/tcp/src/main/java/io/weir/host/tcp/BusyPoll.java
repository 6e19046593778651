package io.weir.host.tcp;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Busy polling while it pays: an I/O thread that has nothing to do looks for ready sockets without
 * sleeping for up to {@code spin}, and only then sleeps in {@code epoll_wait} (or the selector) as
 * Netty does — but it spins only while recent spins found work before they ran out.
 *
 * <p>Why: a thread that sleeps between a request and its answer pays a wake-up per answer, and on a
 * virtual machine whose idle CPU halts that wake-up is the largest part of a fast device's round
 * trip. {@code weir bench poll} on this project's 2-core VM: one connection read back to back at
 * about 17,000 reads/s sleeping and about 33,000 spinning 50 µs, with less CPU a read
 * (BENCHMARKS.md §12). A spin that runs out, though, is CPU spent on nothing: thousands of devices
 * polled at 1 Hz leave the loop idle for longer than any spin, and spinning after every event cost
 * 10,000 such devices 43 % CPU instead of 34 %.
 *
 * <p>So the loop keeps a score of its recent spins. A spin that finds a ready socket or a task
 * before its end scores one (up to {@value #SCORE_MAX}); one that runs out loses {@value
 * #MISS_COST}. At {@value #SCORE_ON} or more every idle moment spins: that holds while at least
 * four spins in five pay, as when devices are read back to back. Below it the loop sleeps at once
 * and spins only as a probe, at first every idle moment, then, as probes run out, every 2nd, 4th …
 * {@value #PROBE_MAX}th; a probe that pays halves the distance again. A loop whose answers come
 * later than the spin (devices polled at intervals, slow devices) so settles at one probe in
 * {@value #PROBE_MAX} idle moments, and a loop that starts reading back to back spins after a few
 * dozen answers.
 *
 * <p>A spin yields to a crowded machine: when two of its looks lie more than {@value #STALL_NANOS}
 * ns apart, the thread was descheduled while it spun — other threads wanted its core, and the spin
 * took their time — so the spin ends at once and counts as one that ran out. On a machine that
 * stays crowded the score so falls and the probes back off. (Ending spinning altogether at the
 * first such gap was tried: a quiet VM shows dozens a second, at collections and host
 * interruptions, and one connection then read no faster than without spinning; BENCHMARKS.md §13.)
 *
 * <p>While it spins, a task another thread hands the loop (a send from a worker) is seen at the
 * next look, since the loop is awake and Netty writes no wake-up for it; a timer of the loop waits
 * for the spin to end, at most {@code spin} late. Each loop thread has its own instance, used only
 * by that thread.
 */
final class BusyPoll implements SelectStrategy {

    /** The longest spin a gateway accepts. */
    static final Duration MAX = Duration.ofMillis(1);

    /** The spin without {@link #PROPERTY}: about a loopback round trip of a fast device. */
    static final Duration DEFAULT = Duration.ofNanos(50_000);

    /** The system property that sets the spin for {@link TcpTransport}'s default constructors. */
    static final String PROPERTY = "weir.tcp.busyPollMicros";

    /** The highest score: spins that paid count for this many misses' worth of credit. */
    static final int SCORE_MAX = 16;

    /** The score at which every idle moment spins. */
    static final int SCORE_ON = 8;

    /** What a spin that runs out costs the score. */
    static final int MISS_COST = 4;

    /** The most idle moments between two probes. */
    static final int PROBE_MAX = 1024;

    /**
     * A look takes a microsecond or so ({@code epoll_wait} without a timeout); a gap this long
     * between two means the thread was descheduled while it spun.
     */
    static final long STALL_NANOS = 20_000;

    private final long spinNanos;
    private final LongSupplier clock;
    private final java.util.function.IntSupplier pendingTasks;

    private int score;
    private int probeEvery = 1;
    private int untilProbe;

    /**
     * @param spinNanos how long an idle look goes on before the thread sleeps, above 0
     * @param clock the monotonic clock ({@link System#nanoTime} but in tests)
     * @param pendingTasks the tasks waiting for the loop (its executor's, but in tests)
     */
    BusyPoll(long spinNanos, LongSupplier clock, java.util.function.IntSupplier pendingTasks) {
        if (spinNanos <= 0 || spinNanos > MAX.toNanos()) {
            throw new IllegalArgumentException(
                    "busy poll of " + spinNanos + " ns is outside 1 ns.." + MAX.toMillis() + " ms");
        }
        this.spinNanos = spinNanos;
        this.clock = clock;
        this.pendingTasks = pendingTasks;
    }

    /** The strategy of each event loop thread, which reads its own executor's tasks. */
    static SelectStrategyFactory factory(Duration spin) {
        long nanos = spin.toNanos();
        return () -> new BusyPoll(nanos, System::nanoTime, BusyPoll::currentLoopTasks);
    }

    /**
     * The spin {@link TcpTransport}'s default constructors use: {@code
     * -Dweir.tcp.busyPollMicros=N}, {@link #DEFAULT} without it, 0 sleeps at once.
     *
     * @throws IllegalArgumentException for a value that is not a whole number of microseconds
     *     within 0..1000, naming the property
     */
    static Duration fromProperty(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT;
        }
        long micros;
        try {
            micros = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            micros = -1;
        }
        if (micros < 0 || micros > MAX.toNanos() / 1000) {
            throw new IllegalArgumentException(
                    "-D"
                            + PROPERTY
                            + "="
                            + value
                            + ": give the busy poll in microseconds, 0 (off) to "
                            + MAX.toNanos() / 1000);
        }
        return Duration.ofNanos(micros * 1000);
    }

    /** The tasks waiting for the event loop of the calling thread; 0 off a loop. */
    static int currentLoopTasks() {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        return loop instanceof SingleThreadEventExecutor s ? s.pendingTasks() : 0;
    }

    /** Whether the next idle moment spins (the score is high enough, or a probe is due). */
    boolean spinsNext() {
        return score >= SCORE_ON || untilProbe == 0;
    }

    int score() {
        return score;
    }

    int probeEvery() {
        return probeEvery;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (hasTasks) {
            // As Netty's default: look without waiting, then run the tasks.
            return selectNow.get();
        }
        if (!spinsNext()) {
            untilProbe--;
            return SelectStrategy.SELECT;
        }
        long last = clock.getAsLong();
        long end = last + spinNanos;
        do {
            int ready = selectNow.get();
            if (ready > 0) {
                paid(true);
                return ready;
            }
            if (pendingTasks.getAsInt() > 0) {
                // Run them; the next round spins again.
                paid(true);
                return SelectStrategy.CONTINUE;
            }
            Thread.onSpinWait();
            long now = clock.getAsLong();
            if (now - last > STALL_NANOS) {
                // The thread lost its core while it spun: other threads wanted it (or the JVM
                // stopped it for a collection). End the spin at once; it did not pay.
                break;
            }
            last = now;
        } while (last - end < 0);
        paid(false);
        return SelectStrategy.SELECT;
    }

    private void paid(boolean paid) {
        if (paid) {
            score = Math.min(score + 1, SCORE_MAX);
            probeEvery = Math.max(probeEvery >> 1, 1);
        } else {
            score = Math.max(score - MISS_COST, 0);
            probeEvery = Math.min(probeEvery << 1, PROBE_MAX);
        }
        untilProbe = probeEvery - 1;
    }
}
