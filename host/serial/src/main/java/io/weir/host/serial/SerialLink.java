package io.weir.host.serial;

import io.weir.host.io.Link;
import io.weir.host.io.LinkListener;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * One device's view of a shared {@link SerialBus}: its requests join the bus's queue and go out in
 * turn, and it hears the bytes that arrive while its own request is on the wire. The port is the
 * bus's: it is up or down for every device on it at once. A device that stops answering is backed
 * off on its own: {@link #connected()} is false for it (and {@link #downReason()} says why) while
 * the other devices go on.
 */
public final class SerialLink implements Link {

    private static final Logger LOG = System.getLogger("io.weir.serial");

    private final SerialBus bus;
    private final SerialAddress address;
    private final int id;
    volatile LinkListener listener;
    private volatile boolean closed;

    /** What the listener was told last: up, down, or nothing yet. Guarded by the bus's lock. */
    Boolean reportedUp;

    // Back-off state; guarded by the bus's lock (missed/answered are called under it).
    private int missesInARow;
    private long backoffNanos;
    private volatile boolean backingOff;
    private volatile long backedOffUntil;
    private volatile boolean silent;
    private long silentSince;
    private int probesFailed;

    private volatile long requests;
    private volatile long answered;
    private volatile long missed;

    SerialLink(SerialBus bus, SerialAddress address, int id) {
        this.bus = bus;
        this.address = address;
        this.id = id;
        this.backoffNanos = address.backoff().toNanos();
    }

    @Override
    public void start(LinkListener listener) {
        synchronized (this) {
            if (this.listener != null) {
                throw new IllegalStateException(describe() + " already started");
            }
            if (closed) {
                throw new IllegalStateException(describe() + " is closed");
            }
            this.listener = listener;
        }
        bus.start(this);
    }

    /**
     * Queues a poll request. It is written when the line is free and silent; the listener hears
     * {@link LinkListener#sent()} then.
     *
     * @return false if the port is down or this device is backed off; nothing is queued then
     */
    @Override
    public boolean send(byte[] bytes) {
        return send(bytes, false);
    }

    /**
     * Queues a write request: it goes before the polls that wait (a setpoint should not queue
     * behind a full cycle of readings of every device on the bus). A session sends its writes here.
     *
     * @return false if the port is down or this device is backed off; nothing is queued then
     */
    @Override
    public boolean sendWrite(byte[] bytes) {
        return send(bytes, true);
    }

    private boolean send(byte[] bytes, boolean write) {
        if (closed || listener == null || !connected()) {
            return false;
        }
        if (!bus.enqueue(this, bytes, write)) {
            return false;
        }
        requests++;
        return true;
    }

    @Override
    public void transactionEnded() {
        bus.transactionEnded(this);
    }

    /** Always: the bus writes a request when the line is free, which may be later. */
    @Override
    public boolean queuesSends() {
        return true;
    }

    @Override
    public long frameSilenceNanos() {
        return bus.frameSilenceNanos();
    }

    @Override
    public boolean connected() {
        return !closed && bus.isOpen() && !backedOff();
    }

    @Override
    public String downReason() {
        if (closed) {
            return "closed by the host";
        }
        String outage = bus.outage();
        if (outage != null) {
            return outage;
        }
        long wait = backedOffUntil - System.nanoTime();
        if (backingOff && wait > 0) {
            return "the device left "
                    + address.misses()
                    + " requests in a row unanswered; backed off, next try in "
                    + SerialBus.seconds(wait);
        }
        return null;
    }

    /**
     * Drops this device's queued request and reports a down and an up to its listener; the port
     * stays open for the other devices on the bus.
     */
    @Override
    public void reconnect(String why) {
        if (closed) {
            return;
        }
        bus.reconnect(this, why);
    }

    @Override
    public String describe() {
        return address.describe() + " #" + id;
    }

    /** Leaves the bus; the last device to leave closes the port. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        bus.forget(this, true);
    }

    boolean isClosed() {
        return closed;
    }

    /** The bus this device shares, with its counters. */
    public SerialBus bus() {
        return bus;
    }

    /** Requests this device queued. */
    public long requests() {
        return requests;
    }

    /** Transactions this device answered (at least one byte came back). */
    public long answered() {
        return answered;
    }

    /** Transactions this device left without a byte of answer. */
    public long missed() {
        return missed;
    }

    /** Whether the device is backed off now. */
    public boolean backedOff() {
        // nanoTime has no fixed origin: compare differences only, and only once backed off.
        return backingOff && System.nanoTime() - backedOffUntil < 0;
    }

    // ---- from the bus
    // ----------------------------------------------------------------------------

    void sent() {
        LinkListener l = listener;
        if (l != null && !closed) {
            l.sent();
        }
    }

    void received(byte[] bytes) {
        LinkListener l = listener;
        if (l != null && !closed) {
            l.received(bytes);
        }
    }

    /** Under the bus's lock. */
    void onAnswer() {
        answered++;
        missesInARow = 0;
        backingOff = false;
        backoffNanos = address.backoff().toNanos();
        if (silent) {
            silent = false;
            LOG.log(
                    Level.INFO,
                    "{0}: the device answers again after {1} silent ({2} probes failed)",
                    describe(),
                    SerialBus.seconds(System.nanoTime() - silentSince),
                    probesFailed);
        }
    }

    /**
     * Under the bus's lock.
     *
     * @return whether the device was backed off now
     */
    boolean onMiss(long now) {
        missed++;
        missesInARow++;
        if (missesInARow < address.misses() && !silent) {
            return false;
        }
        backedOffUntil = now + backoffNanos;
        backingOff = true;
        if (!silent) {
            silent = true;
            silentSince = now;
            probesFailed = 0;
            LOG.log(
                    Level.WARNING,
                    "{0}: the device left {1} requests in a row unanswered; it is skipped for {2},"
                            + " then tried once every {3} at most until it answers (the other"
                            + " devices on the bus go on)",
                    describe(),
                    missesInARow,
                    SerialBus.seconds(backoffNanos),
                    SerialBus.seconds(address.backoffMax().toNanos()));
        } else {
            probesFailed++;
        }
        backoffNanos = Math.min(backoffNanos * 2, address.backoffMax().toNanos());
        return true;
    }
}
