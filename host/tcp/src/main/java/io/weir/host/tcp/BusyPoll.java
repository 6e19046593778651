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
 * Busy polling, off by default: an I/O thread that has nothing to do looks for ready sockets
 * without sleeping for up to {@code spin}, and only then sleeps in {@code epoll_wait} (or the
 * selector) as it always does.
 *
 * <p>Why: a thread that sleeps between a request and its answer pays a wake-up per answer, and on a
 * virtual machine whose idle CPU halts that wake-up is the largest part of a fast device's round
 * trip. {@code weir bench poll} on this project's 2-core VM: one connection read back to back at
 * about 17,000 reads/s sleeping and about 33,000 spinning 50 µs (BENCHMARKS.md §12). The price is
 * CPU: an I/O thread whose devices answer within the spin never sleeps, so it holds a core while
 * they are polled back to back. It suits a few fast devices scanned continuously; at thousands of
 * devices polled at 1 Hz it turns idle time into spinning.
 *
 * <p>While it spins, a task another thread hands the loop (a send from a worker) is seen at the
 * next look, since the loop is awake and Netty writes no wake-up for it; a timer of the loop waits
 * for the spin to end, at most {@code spin} late.
 */
final class BusyPoll implements SelectStrategy {

    /** The longest spin a gateway accepts. */
    static final Duration MAX = Duration.ofMillis(1);

    /** The system property that turns it on for {@link TcpTransport}'s default constructors. */
    static final String PROPERTY = "weir.tcp.busyPollMicros";

    private final long spinNanos;
    private final LongSupplier clock;
    private final java.util.function.IntSupplier pendingTasks;

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
     * The spin {@link TcpTransport}'s default constructors use: {@code -Dweir.tcp.busyPollMicros=N}
     * (0, the default, sleeps at once).
     *
     * @throws IllegalArgumentException for a value that is not a whole number of microseconds
     *     within 0..1000, naming the property
     */
    static Duration fromProperty(String value) {
        if (value == null || value.isBlank()) {
            return Duration.ZERO;
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

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (hasTasks) {
            // As Netty's default: look without waiting, then run the tasks.
            return selectNow.get();
        }
        long end = clock.getAsLong() + spinNanos;
        do {
            int ready = selectNow.get();
            if (ready > 0) {
                return ready;
            }
            if (pendingTasks.getAsInt() > 0) {
                // Run them; the next round spins again.
                return SelectStrategy.CONTINUE;
            }
            Thread.onSpinWait();
        } while (clock.getAsLong() - end < 0);
        return SelectStrategy.SELECT;
    }
}
