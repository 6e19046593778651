package io.weir.host.serial;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.io.Link;
import io.weir.host.io.LinkListener;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One device's side of a link, used as the session uses it (ABI §7.1–7.4 with v1.1's queued sends):
 * send a request, hear {@code sent()}, collect the bytes of the answer until an RTU frame is
 * complete or the timeout, counted from {@code sent()}, runs out, then end the transaction.
 */
final class Master implements LinkListener {
    final Link link;
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream rx = new ByteArrayOutputStream();
    private boolean sent;
    private boolean receivedBeforeSent;

    Master(Link link) {
        this.link = link;
        link.start(this);
    }

    @Override
    public void linkUp() {
        log.add("up");
        events.add("up");
    }

    @Override
    public synchronized void received(byte[] bytes) {
        if (!sent) {
            receivedBeforeSent = true;
        }
        rx.writeBytes(bytes);
        notifyAll();
    }

    @Override
    public void linkDown(String reason) {
        log.add("down " + reason);
        events.add("down " + reason);
    }

    @Override
    public synchronized void sent() {
        sent = true;
        notifyAll();
    }

    String next() throws InterruptedException {
        String e = events.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("a link event within 10 s").isNotNull();
        return e;
    }

    void awaitUp() throws InterruptedException {
        String e;
        do {
            e = next();
        } while (!e.equals("up"));
    }

    /**
     * One transaction.
     *
     * @return the answer (complete, partial or empty), or {@code null} if the link refused the
     *     request
     */
    byte[] transact(byte[] request, Duration timeout) throws InterruptedException {
        synchronized (this) {
            rx.reset();
            sent = false;
            receivedBeforeSent = false;
        }
        if (!link.send(request)) {
            return null;
        }
        return await(timeout);
    }

    synchronized byte[] await(Duration timeout) throws InterruptedException {
        // A queued request's timeout runs from the wire (Link.queuesSends).
        long queueDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!sent) {
            long left = queueDeadline - System.nanoTime();
            assertThat(left).as("the request reached the wire within 30 s").isPositive();
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] b = rx.toByteArray();
            int want = Rtu.responseLength(b, b.length);
            if (want > 0 && b.length >= want) {
                break;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        assertThat(receivedBeforeSent).as("bytes before sent()").isFalse();
        byte[] answer = rx.toByteArray();
        link.transactionEnded();
        return answer;
    }
}
