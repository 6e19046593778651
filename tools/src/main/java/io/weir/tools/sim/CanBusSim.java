package io.weir.tools.sim;

import io.weir.abi.CanFrame;
import io.weir.host.can.CandumpLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A simulated CAN bus: a {@code candump -l} log is played onto it at the recorded pace (or faster),
 * and the endpoints through which a gateway reaches it — an slcan adapter, a socketcand server —
 * each hear every frame. A frame a gateway sends through one endpoint is on the bus: the other
 * endpoints hear it too, and it is counted.
 */
final class CanBusSim implements AutoCloseable {

    /** One way onto the bus. */
    interface Endpoint {
        /** A frame on the bus; {@code micros} is the wall clock in µs. Never blocks for long. */
        void deliver(CanFrame frame, long micros);
    }

    private final Path log;
    private final double speed;
    private final boolean loop;
    private final String iface;
    private final List<Endpoint> endpoints = new CopyOnWriteArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final AtomicLong played = new AtomicLong();
    private final AtomicLong badLines = new AtomicLong();
    private final AtomicLong errorFrames = new AtomicLong();
    private final AtomicLong fromGateway = new AtomicLong();
    private final Consumer<String> notes;
    private volatile boolean closed;
    private volatile boolean finished;
    private Thread thread;

    /**
     * @param speed how many times faster than recorded; 0 for as fast as possible
     * @param iface only frames of this interface, or {@code null} for all
     * @param notes where to say what happens (the end of the log, a bad line)
     */
    CanBusSim(Path log, double speed, boolean loop, String iface, Consumer<String> notes)
            throws IOException {
        if (!Files.isReadable(log)) {
            throw new java.nio.file.NoSuchFileException(log.toString());
        }
        if (!(speed >= 0) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("--speed must be > 0 (or max), got " + speed);
        }
        this.log = log;
        this.speed = speed;
        this.loop = loop;
        this.iface = iface;
        this.notes = notes;
    }

    void attach(Endpoint e) {
        endpoints.add(e);
    }

    /** An endpoint has a gateway listening: a {@code waitForGateway} playback may start. */
    void gatewayReady() {
        ready.countDown();
    }

    /** A frame a gateway sent through {@code from}. */
    void transmit(CanFrame frame, Endpoint from) {
        fromGateway.incrementAndGet();
        long micros = System.currentTimeMillis() * 1000;
        for (Endpoint e : endpoints) {
            if (e != from) {
                e.deliver(frame, micros);
            }
        }
    }

    /**
     * Starts playing.
     *
     * @param waitForGateway hold the first frame until a gateway is listening
     */
    void start(boolean waitForGateway) {
        thread =
                new Thread(
                        () -> {
                            try {
                                if (waitForGateway) {
                                    ready.await();
                                }
                                play();
                            } catch (InterruptedException e) {
                                // Closed while waiting.
                            } catch (IOException e) {
                                notes.accept("cannot read " + log + ": " + e.getMessage());
                            }
                            finished = true;
                        },
                        "weir-sim-can");
        thread.setDaemon(true);
        thread.start();
    }

    private void play() throws IOException {
        do {
            long round = 0;
            try (BufferedReader in = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
                long startNanos = 0;
                long firstMicros = 0;
                boolean first = true;
                int lineNo = 0;
                String text;
                while (!closed && (text = in.readLine()) != null) {
                    lineNo++;
                    CandumpLine.Parsed p = CandumpLine.parse(text);
                    if (p instanceof CandumpLine.Malformed m) {
                        if (badLines.incrementAndGet() <= 10) {
                            notes.accept(log + ":" + lineNo + ": skipped, " + m.why());
                        }
                        continue;
                    }
                    if (p instanceof CandumpLine.ErrorFrame) {
                        errorFrames.incrementAndGet();
                        continue;
                    }
                    if (!(p instanceof CandumpLine.Frame f)) {
                        continue;
                    }
                    CandumpLine line = f.line();
                    if (iface != null && !iface.equals(line.iface())) {
                        continue;
                    }
                    if (speed > 0) {
                        if (first) {
                            first = false;
                            startNanos = System.nanoTime();
                            firstMicros = line.micros();
                        } else {
                            long due =
                                    startNanos
                                            + Math.round(
                                                    (line.micros() - firstMicros) * 1000.0 / speed);
                            long wait;
                            while ((wait = due - System.nanoTime()) > 0 && !closed) {
                                LockSupport.parkNanos(Math.min(wait, 100_000_000L));
                            }
                        }
                    }
                    long micros = System.currentTimeMillis() * 1000;
                    for (Endpoint e : endpoints) {
                        e.deliver(line.frame(), micros);
                    }
                    played.incrementAndGet();
                    round++;
                }
            }
            if (round == 0) {
                break;
            }
        } while (loop && !closed);
        if (!closed) {
            notes.accept(
                    "end of "
                            + log
                            + ": "
                            + played.get()
                            + " frames played"
                            + (badLines.get() > 0
                                    ? ", " + badLines.get() + " bad lines skipped"
                                    : ""));
        }
    }

    long played() {
        return played.get();
    }

    long badLines() {
        return badLines.get();
    }

    long errorFrames() {
        return errorFrames.get();
    }

    long fromGateway() {
        return fromGateway.get();
    }

    boolean finished() {
        return finished;
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
            LockSupport.unpark(thread);
        }
    }
}
