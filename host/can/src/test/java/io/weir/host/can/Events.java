package io.weir.host.can;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.CanFrame;
import io.weir.host.io.LinkListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A link's events as the session would hear them: "up", "down REASON", "rx FRAME". */
final class Events implements LinkListener {
    final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    final List<CanFrame> frames = new CopyOnWriteArrayList<>();
    final List<Long> frameNanos = new CopyOnWriteArrayList<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    volatile long upNanos;

    @Override
    public void linkUp() {
        upNanos = System.nanoTime();
        add("up");
    }

    @Override
    public void received(byte[] bytes) {
        // ABI v1.1 §6.4: exactly one encoded frame per call.
        CanFrame f = CanFrame.decode(bytes, 0, bytes.length);
        assertThat(f.encodedLength()).as("one whole frame per received()").isEqualTo(bytes.length);
        frameNanos.add(System.nanoTime());
        frames.add(f);
        add("rx " + f.toCandump());
    }

    @Override
    public void linkDown(String reason) {
        add("down " + reason);
    }

    private void add(String e) {
        log.add(e);
        queue.add(e);
    }

    String next() throws InterruptedException {
        String e = queue.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("a link event within 10 s (so far: %s)", log).isNotNull();
        return e;
    }

    /** The next event that is not a frame. */
    String nextState() throws InterruptedException {
        String e;
        do {
            e = next();
        } while (e.startsWith("rx "));
        return e;
    }

    void awaitFrames(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (frames.size() < n) {
            assertThat(System.nanoTime())
                    .as("%d frames within 10 s, got %d", n, frames.size())
                    .isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    List<String> candump() {
        List<String> out = new ArrayList<>();
        for (CanFrame f : frames) {
            out.add(f.toCandump());
        }
        return out;
    }
}
