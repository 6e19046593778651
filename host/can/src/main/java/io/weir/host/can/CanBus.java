package io.weir.host.can;

import io.weir.abi.CanFrame;
import io.weir.host.io.LinkListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One CAN bus shared by every device configured on it. CAN is a broadcast medium: every device's
 * link hears every frame (its driver picks what it decodes), and each device's frames go out
 * through the one channel. The channel opens when the first device's link starts and closes when
 * the last one leaves.
 */
public final class CanBus {
    private final CanChannel channel;
    private final Consumer<CanBus> onEmpty;
    private final List<CanLink> views = new CopyOnWriteArrayList<>();
    private boolean started;
    private boolean up;
    private String outage;
    private boolean closed;
    private int nextId = 1;

    CanBus(CanChannel channel, Consumer<CanBus> onEmpty) {
        this.channel = channel;
        this.onEmpty = onEmpty;
    }

    CanChannel channel() {
        return channel;
    }

    /** What the channel has done. */
    public CanStats stats() {
        return channel.stats();
    }

    public String describe() {
        return channel.describe();
    }

    synchronized CanLink view() {
        if (closed) {
            throw new IllegalStateException(describe() + " is closed");
        }
        CanLink v = new CanLink(this, nextId++);
        views.add(v);
        return v;
    }

    void start(CanLink view) {
        boolean first;
        boolean isUp;
        String down;
        synchronized (this) {
            first = !started;
            started = true;
            isUp = up;
            down = outage;
        }
        if (first) {
            channel.start(
                    new CanChannel.Events() {
                        @Override
                        public void up() {
                            List<CanLink> all;
                            synchronized (CanBus.this) {
                                up = true;
                                outage = null;
                                all = new ArrayList<>(views);
                            }
                            all.forEach(v -> report(v, true, null));
                        }

                        @Override
                        public void frame(CanFrame frame) {
                            for (CanLink v : views) {
                                v.deliver(frame);
                            }
                        }

                        @Override
                        public void down(String reason) {
                            List<CanLink> all;
                            synchronized (CanBus.this) {
                                up = false;
                                outage = reason;
                                all = new ArrayList<>(views);
                            }
                            all.forEach(v -> report(v, false, reason));
                        }
                    });
        } else if (isUp) {
            report(view, true, null);
        } else if (down != null) {
            report(view, false, down);
        }
    }

    /**
     * Tells a view once about each change (the channel's events and a start can race). Under the
     * view's lock, as its frames are delivered: a frame never reaches a listener before its up.
     */
    void report(CanLink view, boolean isUp, String reason) {
        synchronized (view) {
            LinkListener l = view.listener;
            if (l == null || view.isClosed() || view.reportedUp == (Boolean) isUp) {
                return;
            }
            view.reportedUp = isUp;
            if (isUp) {
                l.linkUp();
            } else {
                l.linkDown(reason);
            }
        }
    }

    boolean send(List<CanFrame> frames) {
        return channel.send(frames);
    }

    boolean connected() {
        return channel.connected();
    }

    String downReason() {
        return channel.downReason();
    }

    void leave(CanLink view) {
        boolean empty;
        synchronized (this) {
            views.remove(view);
            empty = views.isEmpty() && !closed;
            if (empty) {
                closed = true;
            }
        }
        if (empty) {
            channel.close();
            onEmpty.accept(this);
        }
    }

    void close() {
        synchronized (this) {
            closed = true;
        }
        channel.close();
    }
}
