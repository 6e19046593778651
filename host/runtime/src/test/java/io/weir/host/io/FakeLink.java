package io.weir.host.io;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * A link a test drives by hand: it records what the session sends and lets the test bring the link
 * up or down and deliver bytes, all on the test's thread. No socket. It can play a serial line (a
 * frame silence), a shared bus (queued sends reported by {@link #wire()}), and counts the host's
 * reconnects and ended transactions.
 */
public final class FakeLink implements Link {
    private final String name;
    private volatile LinkListener listener;
    private volatile boolean up;
    private volatile boolean closed;
    private volatile String downReason = "not connected yet";
    private final List<byte[]> sent = new ArrayList<>();
    private volatile Function<byte[], byte[]> responder;
    private final List<String> reconnects = new ArrayList<>();
    private volatile long silenceNanos;
    private volatile boolean queues;
    private volatile boolean redials;
    private volatile boolean shortTasks;
    private volatile Executor ioThread;
    private int unreported;
    private int transactionsEnded;
    private final List<String> kinds = new ArrayList<>();

    public FakeLink(String name) {
        this.name = name;
    }

    @Override
    public void start(LinkListener listener) {
        this.listener = listener;
    }

    @Override
    public boolean send(byte[] bytes) {
        return send(bytes, "poll");
    }

    @Override
    public boolean sendWrite(byte[] bytes) {
        return send(bytes, "write");
    }

    private boolean send(byte[] bytes, String kind) {
        if (!up || closed) {
            return false;
        }
        synchronized (kinds) {
            kinds.add(kind);
        }
        Function<byte[], byte[]> r = responder;
        if (r != null) {
            byte[] reply = r.apply(bytes);
            if (reply != null) {
                listener.received(reply);
            }
            return true;
        }
        synchronized (sent) {
            sent.add(bytes.clone());
            if (queues) {
                unreported++;
            }
        }
        return true;
    }

    @Override
    public boolean queuesSends() {
        return queues;
    }

    @Override
    public long frameSilenceNanos() {
        return silenceNanos;
    }

    @Override
    public synchronized void transactionEnded() {
        transactionsEnded++;
    }

    /** Drops the connection as a real link would, telling the listener; {@link #up} reconnects. */
    @Override
    public void reconnect(String why) {
        synchronized (reconnects) {
            reconnects.add(why);
        }
        if (up && !closed) {
            up = false;
            downReason = why;
            listener.linkDown(why);
            if (redials) {
                up();
            }
        }
    }

    /**
     * Comes back up by itself after {@link #reconnect}, as a real link whose peer accepts the new
     * connection at once; by default the test calls {@link #up}.
     */
    public FakeLink redials() {
        redials = true;
        return this;
    }

    /** Makes the link one whose listener may run short tasks on its I/O thread, as TCP's does. */
    public FakeLink runningShortTasks() {
        this.shortTasks = true;
        return this;
    }

    @Override
    public boolean runsShortTasks() {
        return shortTasks;
    }

    /**
     * Gives the link an I/O thread for {@link #executeOnIoThread}: {@code io} gets the tasks (a
     * test's pool that it runs by hand), while the link is up.
     */
    public FakeLink ioThread(Executor io) {
        this.ioThread = io;
        return this;
    }

    @Override
    public boolean executeOnIoThread(Runnable task) {
        Executor io = ioThread;
        if (io == null || !up || closed) {
            return false;
        }
        io.execute(task);
        return true;
    }

    /** Makes the link a serial line whose frames end at this much silence (ABI §7.10). */
    public FakeLink silence(long nanos) {
        this.silenceNanos = nanos;
        return this;
    }

    /** Makes the link a shared bus: sends queue until {@link #wire()} reports them sent. */
    public FakeLink queueing() {
        this.queues = true;
        return this;
    }

    /** Puts the oldest queued send on the wire: the listener hears {@code sent()}. */
    public void wire() {
        synchronized (sent) {
            if (unreported == 0) {
                throw new IllegalStateException("no queued send to put on the wire");
            }
            unreported--;
        }
        listener.sent();
    }

    /** Why the host asked for reconnects, oldest first. */
    public List<String> reconnects() {
        synchronized (reconnects) {
            return List.copyOf(reconnects);
        }
    }

    /** How often the host said the outstanding request was over. */
    public synchronized int transactionsEnded() {
        return transactionsEnded;
    }

    @Override
    public boolean connected() {
        return up && !closed;
    }

    @Override
    public String downReason() {
        return up ? null : downReason;
    }

    @Override
    public String describe() {
        return "fake " + name;
    }

    @Override
    public void close() {
        closed = true;
        up = false;
        downReason = "closed by the host";
    }

    /** Whether the session started the link. */
    public boolean started() {
        return listener != null;
    }

    public boolean closed() {
        return closed;
    }

    /** Connects the link and tells the listener. */
    public void up() {
        up = true;
        downReason = null;
        listener.linkUp();
    }

    /** Drops the link and tells the listener why. */
    public void down(String reason) {
        up = false;
        downReason = reason;
        listener.linkDown(reason);
    }

    /** Delivers bytes from the device. */
    public void receive(byte[] bytes) {
        listener.received(bytes.clone());
    }

    /**
     * Answers every request from now on with what {@code responder} returns for it (nothing for
     * {@code null}), as a device would; answered requests are not recorded.
     */
    public void answerWith(Function<byte[], byte[]> responder) {
        this.responder = responder;
    }

    /** The requests sent so far, oldest first; clears the record. */
    public List<byte[]> takeSent() {
        synchronized (sent) {
            List<byte[]> out = new ArrayList<>(sent);
            sent.clear();
            return out;
        }
    }

    /**
     * How each request went out, oldest first, answered ones included: {@code poll} through {@link
     * #send}, {@code write} through {@link #sendWrite}; clears the record.
     */
    public List<String> takeKinds() {
        synchronized (kinds) {
            List<String> out = new ArrayList<>(kinds);
            kinds.clear();
            return out;
        }
    }

    public int sentCount() {
        synchronized (sent) {
            return sent.size();
        }
    }
}
