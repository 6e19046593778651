package io.weir.host.poll;

/**
 * Whether a device's answers may be decoded on its link's I/O thread, which serves other links too:
 * earned by answers in a row that the driver decoded within {@link #QUICK_NANOS}, lost by one that
 * took longer.
 *
 * <p>A device first needs {@link #FIRST} such answers: at 1 Hz a few seconds, not half a minute.
 * One slow answer starts the count again, and a slow answer while the device was quick — one that
 * held up the I/O thread — also doubles what the device needs next time, up to {@link #RELAX}. A
 * driver that is slow now and then therefore holds an I/O thread up a few times at first (eight at
 * most before the bar is {@link #RELAX}) and then at most once every {@link #RELAX} answers for as
 * long as it stays so, while a healthy driver that met one pause (a collection, a preempted thread:
 * the time is wall time) is back after a few answers. A streak of {@link #RELAX} quick answers
 * halves what the device needs again, down to {@link #FIRST}.
 *
 * <p>Written by the device's serial executor only, one decode at a time; read on the link's I/O
 * thread too.
 */
final class QuickDecodes {

    /** A decode quick enough to run on an I/O thread that serves other links too. */
    static final long QUICK_NANOS = 500_000;

    /** Quick answers in a row a device needs at first, and after a new driver version. */
    static final int FIRST = 4;

    /** The most a device ever needs, and the streak that halves what it needs. */
    static final int RELAX = 1024;

    /** Quick answers in a row, up to {@link #RELAX}. */
    private volatile int streak;

    /** Quick answers in a row the device needs now, {@link #FIRST} to {@link #RELAX}. */
    private volatile int needed = FIRST;

    /** Whether the device may decode on its link's I/O thread now. */
    boolean quick() {
        return streak >= needed;
    }

    /** The device's driver decoded an answer in {@code nanos}. */
    void decoded(long nanos) {
        int n = needed;
        int s = streak;
        if (nanos > QUICK_NANOS) {
            if (s >= n) {
                needed = Math.min(2 * n, RELAX);
            }
            streak = 0;
            return;
        }
        if (s + 1 >= RELAX && n > FIRST) {
            // A long streak: the device needs half as many, and is quick by the new measure.
            needed = n / 2;
            streak = n / 2;
            return;
        }
        streak = Math.min(s + 1, RELAX);
    }

    /** A new driver version: it earns its place anew, from {@link #FIRST}. */
    void reset() {
        streak = 0;
        needed = FIRST;
    }

    /** Quick answers in a row the device needs now. */
    int needed() {
        return needed;
    }
}
