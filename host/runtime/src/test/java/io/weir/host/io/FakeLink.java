package io.weir.host.io;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A link a test drives by hand: it records what the session sends and lets the test bring the link
 * up or down and deliver bytes, all on the test's thread. No socket.
 */
public final class FakeLink implements Link {
    private final String name;
    private volatile LinkListener listener;
    private volatile boolean up;
    private volatile boolean closed;
    private volatile String downReason = "not connected yet";
    private final List<byte[]> sent = new ArrayList<>();
    private volatile Function<byte[], byte[]> responder;

    public FakeLink(String name) {
        this.name = name;
    }

    @Override
    public void start(LinkListener listener) {
        this.listener = listener;
    }

    @Override
    public boolean send(byte[] bytes) {
        if (!up || closed) {
            return false;
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
        }
        return true;
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

    public int sentCount() {
        synchronized (sent) {
            return sent.size();
        }
    }
}
