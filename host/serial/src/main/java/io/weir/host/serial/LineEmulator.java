package io.weir.host.serial;

import com.fazecast.jSerialComm.SerialPort;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/**
 * A wire between two serial ports, for benchmarks and tests: what is read on one port is written to
 * the other. A pty pair moves bytes as fast as memory does, whatever baud rate is set; with {@code
 * paced} the emulator holds every chunk until its last character would have left a UART at the
 * line's settings (a chunk starts when it arrives or when the wire is free, whichever is later), so
 * both directions take the time a real line takes. Faults can be put on the wire toward either end:
 * a chunk rewritten (a flipped bit, a frame cut short) or bytes nobody sent (noise).
 *
 * <p>Typical use: gateway ⇄ pty pair A ⇄ emulator ⇄ pty pair B ⇄ a slave.
 */
public final class LineEmulator implements AutoCloseable {

    /** The two ends of the wire. */
    public enum End {
        A,
        B
    }

    private final SerialPort a;
    private final SerialPort b;
    private final LineSettings settings;
    private final boolean paced;
    private volatile boolean closed;
    private final Direction toA;
    private final Direction toB;

    /**
     * Opens both ports and starts moving bytes.
     *
     * @param endA the port of end A (e.g. the peer end of the gateway's pty pair)
     * @param endB the port of end B (e.g. the peer end of the slave's pty pair)
     * @throws IOException if a port cannot be opened
     */
    public LineEmulator(String endA, String endB, LineSettings settings, boolean paced)
            throws IOException {
        this.settings = settings;
        this.paced = paced;
        this.a = openPort(endA);
        try {
            this.b = openPort(endB);
        } catch (IOException e) {
            a.closePort();
            throw e;
        }
        this.toA = new Direction(b, a, "B→A");
        this.toB = new Direction(a, b, "A→B");
        toA.start();
        toB.start();
    }

    private SerialPort openPort(String path) throws IOException {
        SerialPort p;
        try {
            p = SerialPort.getCommPort(path);
        } catch (RuntimeException e) {
            throw new IOException("cannot open " + path + ": no such port", e);
        }
        p.setComPortParameters(
                settings.baud(),
                settings.dataBits(),
                SerialLine.stopBits(settings.stopBits()),
                SerialLine.parity(settings.parity()));
        p.setComPortTimeouts(
                SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING, 100, 0);
        if (!p.openPort()) {
            throw new IOException(
                    "cannot open " + path + ": " + SerialLine.errno(p.getLastErrorCode()));
        }
        return p;
    }

    /**
     * Rewrites the next chunk that travels toward {@code end} (once). A chunk is what one read
     * returned: on a pty, normally one whole frame as its sender wrote it.
     */
    public void faultNext(End end, UnaryOperator<byte[]> fault) {
        (end == End.A ? toA : toB).fault.set(fault);
    }

    /** Puts bytes on the wire toward {@code end} now, as noise would. */
    public void inject(End end, byte[] noise) {
        (end == End.A ? toA : toB).queue.add(new Chunk(noise.clone(), System.nanoTime()));
    }

    /** Bytes delivered toward {@code end} so far. */
    public long delivered(End end) {
        return (end == End.A ? toA : toB).delivered.get();
    }

    @Override
    public void close() {
        closed = true;
        toA.stop();
        toB.stop();
        a.closePort();
        b.closePort();
    }

    private record Chunk(byte[] bytes, long arrivedAt) {}

    private final class Direction {
        final SerialPort from;
        final SerialPort to;
        final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        final AtomicReference<UnaryOperator<byte[]>> fault = new AtomicReference<>();
        final AtomicLong delivered = new AtomicLong();
        final Thread reader;
        final Thread writer;

        Direction(SerialPort from, SerialPort to, String name) {
            this.from = from;
            this.to = to;
            this.reader = new Thread(this::read, "weir-line " + name + " rx");
            this.writer = new Thread(this::write, "weir-line " + name + " tx");
            reader.setDaemon(true);
            writer.setDaemon(true);
        }

        void start() {
            reader.start();
            writer.start();
        }

        void stop() {
            reader.interrupt();
            writer.interrupt();
        }

        void read() {
            byte[] buf = new byte[4096];
            while (!closed) {
                int n = from.readBytes(buf, buf.length);
                if (n > 0) {
                    long at = System.nanoTime();
                    byte[] chunk = Arrays.copyOf(buf, n);
                    UnaryOperator<byte[]> f = fault.getAndSet(null);
                    if (f != null) {
                        chunk = f.apply(chunk);
                    }
                    queue.add(new Chunk(chunk, at));
                } else if (n < 0) {
                    return;
                }
            }
        }

        void write() {
            long wireFree = 0;
            while (!closed) {
                Chunk c;
                try {
                    c = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                if (c == null || c.bytes.length == 0) {
                    continue;
                }
                if (paced) {
                    long start = Math.max(c.arrivedAt, wireFree);
                    long due = start + settings.nanosFor(c.bytes.length);
                    wireFree = due;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                if (to.writeBytes(c.bytes, c.bytes.length) < 0) {
                    return;
                }
                delivered.addAndGet(c.bytes.length);
            }
        }
    }
}
