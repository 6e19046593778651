package io.weir.host.can;

import io.weir.abi.CanFrame;
import io.weir.host.io.Link;
import io.weir.host.io.LinkListener;
import java.util.List;

/**
 * One device's link to a CAN bus: it hears every frame of the bus, one ABI v1.1 §6.4 encoded frame
 * (8-byte header and data) per {@link LinkListener#received} call, and sends the frames a driver
 * writes in that encoding, several back to back. CAN frames are delimited by the bus, so there is
 * no line silence ({@link #frameSilenceNanos()} is 0), and nothing is queued: a frame goes to the
 * adapter or server at once.
 */
public final class CanLink implements Link {
    private final CanBus bus;
    private final int id;
    volatile LinkListener listener;
    private volatile boolean closed;

    /** What the listener was told last; guarded by this link's lock. */
    Boolean reportedUp;

    private volatile long delivered;

    CanLink(CanBus bus, int id) {
        this.bus = bus;
        this.id = id;
    }

    @Override
    public void start(LinkListener listener) {
        synchronized (this) {
            if (this.listener != null) {
                throw new IllegalStateException(describe() + " already started");
            }
            this.listener = listener;
        }
        bus.start(this);
    }

    /**
     * Sends the frames in {@code bytes}, ABI §6.4 encoded and back to back, in order.
     *
     * @return false if the bus is down and nothing was sent
     * @throws IllegalArgumentException if the bytes are not whole, valid frames (the session checks
     *     them first, ABI §9: a malformed frame is the driver's violation)
     */
    @Override
    public boolean send(byte[] bytes) {
        List<CanFrame> frames = CanFrame.decodeAll(bytes, 0, bytes.length);
        if (closed || listener == null) {
            return false;
        }
        return bus.send(frames);
    }

    @Override
    public boolean connected() {
        return !closed && bus.connected();
    }

    @Override
    public String downReason() {
        return closed ? "closed by the host" : bus.downReason();
    }

    /** Reports a down and an up to this device only; the bus stays as it is for the others. */
    @Override
    public void reconnect(String why) {
        if (closed) {
            return;
        }
        bus.report(this, false, why);
        if (bus.connected()) {
            bus.report(this, true, null);
        }
    }

    @Override
    public String describe() {
        return bus.describe() + " #" + id;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        bus.leave(this);
    }

    boolean isClosed() {
        return closed;
    }

    /** The bus this device shares, with its counters. */
    public CanBus bus() {
        return bus;
    }

    /** Frames delivered to this device. */
    public long delivered() {
        return delivered;
    }

    synchronized void deliver(CanFrame frame) {
        LinkListener l = listener;
        if (l != null && !closed && Boolean.TRUE.equals(reportedUp)) {
            delivered++;
            l.received(frame.encode());
        }
    }
}
