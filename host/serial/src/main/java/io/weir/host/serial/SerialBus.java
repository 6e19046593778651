package io.weir.host.serial;

import io.weir.host.io.LinkListener;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One physical serial bus (an RS485 line with its slaves) shared by every device configured on its
 * port. Each device gets its own {@link SerialLink} view; the bus owns the port and one queue:
 *
 * <ul>
 *   <li>It writes one device's request at a time, never before the line has been silent for the
 *       frame silence (Modbus over Serial Line v1.02 §2.5.1.1: 3.5 characters) plus the RS485
 *       turnaround, counted from the last byte on the line in either direction.
 *   <li>It routes what arrives to the device whose request is on the wire, and counts and drops
 *       bytes nobody asked for (noise, a late answer, a second master), logged once per burst.
 *   <li>It serves the next request when the device ends its transaction ({@link
 *       SerialLink#transactionEnded()}), or sends again (a device never has two requests
 *       outstanding, ABI §7.1), or holds the bus longer than {@code hold}.
 *   <li>Writes go before polls ({@link SerialLink#sendWrite}); otherwise first come, first served.
 *   <li>A device that leaves {@code misses} requests in a row unanswered is backed off: it is not
 *       connected for {@code backoff} (doubling up to {@code backoffmax}), so its requests stop
 *       costing the bus a response timeout each; then one request probes it.
 *   <li>A port that fails is reported down once to every view and reopened when it comes back.
 * </ul>
 */
public final class SerialBus {

    private static final Logger LOG = System.getLogger("io.weir.serial");

    /** One request of one device. */
    static final class Request {
        final SerialLink from;
        final byte[] bytes;
        final boolean write;
        final long queuedAt = System.nanoTime();
        boolean ended;
        boolean written;
        long writtenAt;
        long txEndAt;
        long rxBytes;
        long lastRxAt;

        Request(SerialLink from, byte[] bytes, boolean write) {
            this.from = from;
            this.bytes = bytes;
            this.write = write;
        }
    }

    /**
     * What the bus has done since it opened its port.
     *
     * @param requests requests written to the line
     * @param bytesWritten bytes of those requests
     * @param bytesRouted received bytes delivered to the device whose request was on the wire
     * @param unsolicitedBytes received bytes nobody asked for, dropped
     * @param misses transactions that ended with no byte of answer
     * @param backoffs times a silent device was backed off
     * @param forcedReleases transactions the bus ended itself after {@code hold}
     * @param losses outages of the port (failed, or could not be opened)
     * @param opens times the port was opened, reopens included
     * @param exchanges transactions that got at least one byte of answer
     * @param exchangeNanos the time of those, from the request's write to the answer's last byte:
     *     the request on the wire, the slave's turnaround, the answer on the wire
     * @param idleNanos time the line was free and silent long enough while no request could go
     *     (none queued, or the transaction before not ended yet): the masters' own time between an
     *     answer and their next request, poll intervals included. A gateway that keeps the line
     *     busy adds none
     * @param lateNanos time requests that could go waited for the bus's thread to write them
     */
    public record Stats(
            long requests,
            long bytesWritten,
            long bytesRouted,
            long unsolicitedBytes,
            long misses,
            long backoffs,
            long forcedReleases,
            long losses,
            long opens,
            long exchanges,
            long exchangeNanos,
            long idleNanos,
            long lateNanos) {}

    private final SerialAddress address;
    private final SerialLine line;
    private final ScheduledExecutorService exec;
    private final Consumer<SerialBus> onEmpty;
    private final long gapNanos;
    private final long holdNanos;

    /** The longest a request waits for the line to fall silent before it is written anyway. */
    private final long maxSilenceWaitNanos;

    private final List<SerialLink> views = new ArrayList<>();
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private Request current;
    private long lineIdleAt;
    private boolean dispatchPending;
    private long waitingSince = -1;
    private ScheduledFuture<?> holdGuard;
    private boolean lineStarted;
    private boolean open;
    private String outage;
    private boolean closed;
    private int nextViewId = 1;

    private long requests;
    private long bytesWritten;
    private long bytesRouted;
    private long unsolicitedBytes;
    private long misses;
    private long backoffs;
    private long forcedReleases;
    private long exchanges;
    private long exchangeNanos;
    private long idleNanos;
    private long lateNanos;

    /** When the last transaction ended and freed the bus. */
    private long releasedAt;

    private final BurstLog unsolicitedLog = new BurstLog(LOG, Level.WARNING);
    private final BurstLog holdLog = new BurstLog(LOG, Level.WARNING);
    private final BurstLog noisyLineLog = new BurstLog(LOG, Level.WARNING);

    SerialBus(SerialAddress address, Consumer<SerialBus> onEmpty) {
        this.address = address;
        this.onEmpty = onEmpty;
        this.gapNanos = address.silence().toNanos() + address.turnaround().toNanos();
        this.holdNanos = address.hold().toNanos();
        this.maxSilenceWaitNanos = Math.max(100_000_000L, 50 * gapNanos);
        String name = "weir-serial " + address.path();
        this.exec =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, name);
                            t.setDaemon(true);
                            return t;
                        });
        this.line =
                new SerialLine(
                        address.path(),
                        address.line(),
                        address.reopen().toNanos(),
                        exec,
                        new SerialLine.Events() {
                            @Override
                            public void opened() {
                                run(SerialBus.this::onOpened);
                            }

                            @Override
                            public void received(byte[] bytes, long nanoTime) {
                                onBytes(bytes, nanoTime);
                            }

                            @Override
                            public void lost(String reason) {
                                run(() -> onLost(reason));
                            }
                        });
    }

    SerialAddress address() {
        return address;
    }

    SerialLine line() {
        return line;
    }

    long frameSilenceNanos() {
        return address.silence().toNanos();
    }

    /** A new view for one device; it joins the bus when started. */
    synchronized SerialLink view(SerialAddress deviceAddress) {
        if (closed) {
            throw new IllegalStateException(describe() + " is closed");
        }
        SerialLink v = new SerialLink(this, deviceAddress, nextViewId++);
        views.add(v);
        return v;
    }

    synchronized int views() {
        return views.size();
    }

    /** What the bus has done since it was made. */
    public synchronized Stats stats() {
        return new Stats(
                requests,
                bytesWritten,
                bytesRouted,
                unsolicitedBytes,
                misses,
                backoffs,
                forcedReleases,
                line.losses(),
                line.opens(),
                exchanges,
                exchangeNanos,
                idleNanos,
                lateNanos);
    }

    String describe() {
        return address.describe();
    }

    // ---- views ---------------------------------------------------------------------------------

    void start(SerialLink view) {
        boolean startLine = false;
        synchronized (this) {
            if (!lineStarted) {
                lineStarted = true;
                startLine = true;
            }
        }
        if (startLine) {
            line.start();
        }
        // The line reports on its own threads; whichever of opened/lost/this comes first, a view
        // hears each state once (see report()).
        run(
                () -> {
                    String down;
                    boolean up;
                    synchronized (this) {
                        up = open;
                        down = open ? null : outage;
                    }
                    if (up) {
                        report(view, true, null);
                    } else if (down != null) {
                        report(view, false, down);
                    }
                });
    }

    /**
     * Tells a view that the port is up or down, unless it was told so last: the line's events and a
     * view's start can race, and a view must hear each change once.
     */
    private void report(SerialLink view, boolean up, String reason) {
        LinkListener l;
        synchronized (this) {
            l = view.listener;
            if (l == null || view.isClosed() || view.reportedUp == (Boolean) up) {
                return;
            }
            view.reportedUp = up;
        }
        if (up) {
            l.linkUp();
        } else {
            l.linkDown(reason);
        }
    }

    synchronized boolean isOpen() {
        return open;
    }

    synchronized String outage() {
        return open ? null : outage != null ? outage : line.downReason();
    }

    /** Queues a request of {@code from}; false if the port is not open. */
    boolean enqueue(SerialLink from, byte[] bytes, boolean write) {
        synchronized (this) {
            if (!open || closed) {
                return false;
            }
            // ABI §7.1: a device never has two requests outstanding. A device that sends again has
            // ended its previous transaction, whether or not it said so (a request with no
            // response, a session that does not call transactionEnded).
            endTransaction(from);
            queue.add(new Request(from, bytes.clone(), write));
            kick();
            return true;
        }
    }

    void transactionEnded(SerialLink from) {
        synchronized (this) {
            endTransaction(from);
        }
    }

    /** Ends the oldest transaction of {@code from} that has not ended yet. Under the lock. */
    private void endTransaction(SerialLink from) {
        if (current != null && current.from == from && !current.ended) {
            current.ended = true;
            judge(current);
            release();
            return;
        }
        for (Request r : queue) {
            if (r.from == from && !r.ended) {
                // Ended before it went out: a request that expects no response. It is written
                // in its turn, and the bus goes on at once.
                r.ended = true;
                return;
            }
        }
    }

    /** Drops everything of {@code from}: it closed, or reconnects. */
    void forget(SerialLink from, boolean leave) {
        boolean empty = false;
        synchronized (this) {
            queue.removeIf(r -> r.from == from);
            if (current != null && current.from == from) {
                current.ended = true;
                release();
            }
            if (leave) {
                views.remove(from);
                empty = views.isEmpty() && !closed;
                if (empty) {
                    closed = true;
                }
            }
        }
        if (empty) {
            shutdown();
            onEmpty.accept(this);
        }
    }

    /** The view's own down and up, for {@link SerialLink#reconnect}. */
    void reconnect(SerialLink view, String why) {
        forget(view, false);
        run(
                () -> {
                    report(view, false, why);
                    if (isOpen()) {
                        report(view, true, null);
                    }
                });
    }

    void close() {
        synchronized (this) {
            closed = true;
            queue.clear();
            current = null;
        }
        shutdown();
    }

    private void shutdown() {
        line.close();
        exec.shutdownNow();
    }

    // ---- the queue (under the lock) ------------------------------------------------------------

    /** Arranges the next dispatch if a request waits and the bus is free. */
    private void kick() {
        if (dispatchPending || current != null || queue.isEmpty() || !open || closed) {
            return;
        }
        long now = System.nanoTime();
        if (waitingSince < 0) {
            waitingSince = now;
        }
        dispatchPending = true;
        long wait = lineIdleAt + gapNanos - now;
        schedule(this::dispatch, wait);
    }

    private void dispatch() {
        Request r;
        synchronized (this) {
            dispatchPending = false;
            if (current != null || queue.isEmpty() || !open || closed) {
                return;
            }
            long now = System.nanoTime();
            long due = lineIdleAt + gapNanos;
            if (now < due) {
                if (now - waitingSince < maxSilenceWaitNanos) {
                    // Bytes arrived while we waited: the line is not silent yet.
                    dispatchPending = true;
                    schedule(this::dispatch, due - now);
                    return;
                }
                long waited = now - waitingSince;
                noisyLineLog.event(
                        1,
                        () ->
                                describe()
                                        + ": the line did not fall silent for "
                                        + waited / 1_000_000
                                        + " ms; writing the next request anyway");
            }
            r = next();
            // Where the time between two transactions goes: the line ready for the next request
            // at `due`, the request ready to go at `ready`, written `now`.
            long ready = r.queuedAt - releasedAt > 0 ? r.queuedAt : releasedAt;
            if (ready - due > 0) {
                idleNanos += ready - due;
            }
            long from = ready - due > 0 ? ready : due;
            if (now - from > 0) {
                lateNanos += now - from;
            }
            current = r;
            waitingSince = -1;
            r.written = true;
            r.writtenAt = now;
            r.txEndAt = now + address.line().nanosFor(r.bytes.length);
            lineIdleAt = Math.max(lineIdleAt, r.txEndAt);
            requests++;
            bytesWritten += r.bytes.length;
            Request held = r;
            holdGuard = schedule(() -> holdExpired(held), holdNanos);
        }
        // sent() before the write: the answer can only come after it, so the listener never hears
        // response bytes before it knows its request went out.
        r.from.sent();
        if (!line.write(r.bytes)) {
            // The line reports the loss; onLost() clears the queue and tells every view.
            return;
        }
        synchronized (this) {
            if (current == r && r.ended) {
                release();
            }
        }
    }

    /** Writes first, then the oldest request. */
    private Request next() {
        for (Iterator<Request> it = queue.iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (r.write) {
                it.remove();
                return r;
            }
        }
        return queue.poll();
    }

    private void release() {
        current = null;
        releasedAt = System.nanoTime();
        if (holdGuard != null) {
            holdGuard.cancel(false);
            holdGuard = null;
        }
        kick();
    }

    /** Whether the device answered, for its back-off. Under the lock. */
    private void judge(Request r) {
        if (r.rxBytes > 0) {
            exchanges++;
            exchangeNanos += r.lastRxAt - r.writtenAt;
            r.from.onAnswer();
            return;
        }
        long now = System.nanoTime();
        // A transaction that ended before the slave could have answered (the request was still on
        // the wire, or the line had not been silent long enough to end it) says nothing about the
        // slave: a request that expects no answer, or one abandoned.
        if (now < r.txEndAt + address.silence().toNanos()) {
            return;
        }
        misses++;
        if (r.from.onMiss(now)) {
            backoffs++;
        }
    }

    private void holdExpired(Request r) {
        synchronized (this) {
            if (current != r) {
                return;
            }
            forcedReleases++;
            r.ended = true;
            release();
        }
        holdLog.event(
                1,
                () ->
                        r.from.describe()
                                + " kept the bus "
                                + address.hold().toMillis()
                                + " ms without ending its transaction; serving the other devices");
    }

    // ---- line events ---------------------------------------------------------------------------

    private void onOpened() {
        List<SerialLink> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            open = true;
            outage = null;
            lineIdleAt = System.nanoTime();
            releasedAt = lineIdleAt;
            all = new ArrayList<>(views);
            kick();
        }
        all.forEach(v -> report(v, true, null));
    }

    private void onLost(String reason) {
        List<SerialLink> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            open = false;
            outage = reason;
            queue.clear();
            current = null;
            waitingSince = -1;
            if (holdGuard != null) {
                holdGuard.cancel(false);
                holdGuard = null;
            }
            all = new ArrayList<>(views);
        }
        // The line reports each outage once: a first open that failed, or a port that failed.
        all.forEach(v -> report(v, false, reason));
    }

    /** From the reader thread: the bytes go to the device whose request is on the wire. */
    private void onBytes(byte[] bytes, long at) {
        SerialLink to = null;
        synchronized (this) {
            lineIdleAt = Math.max(lineIdleAt, at);
            Request r = current;
            if (r != null && !r.ended && r.written) {
                r.rxBytes += bytes.length;
                r.lastRxAt = at;
                bytesRouted += bytes.length;
                to = r.from;
            } else {
                unsolicitedBytes += bytes.length;
            }
        }
        if (to != null) {
            to.received(bytes);
            return;
        }
        unsolicitedLog.event(
                bytes.length,
                () ->
                        describe()
                                + ": "
                                + bytes.length
                                + " bytes arrived with no request on the wire (noise, a late"
                                + " answer, another master?), dropped: "
                                + hex(bytes)
                                + "; more are counted, not logged, until 10 s pass without any");
    }

    static String hex(byte[] b) {
        int n = Math.min(b.length, 16);
        String h = HexFormat.ofDelimiter(" ").formatHex(b, 0, n);
        return b.length > n ? h + " …" : h;
    }

    // ---- threads -------------------------------------------------------------------------------

    private void run(Runnable task) {
        try {
            exec.execute(task);
        } catch (RejectedExecutionException e) {
            // Closed.
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        try {
            return exec.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
