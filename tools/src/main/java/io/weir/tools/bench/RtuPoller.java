package io.weir.tools.bench;

import com.ghgande.j2mod.modbus.util.ModbusUtil;
import io.weir.host.io.Link;
import io.weir.host.io.LinkListener;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One device polled over a link the way the session uses the link port (ABI v1.1 with queued
 * sends), with no session and no driver: send a Modbus RTU Read Holding Registers request, hear
 * {@code sent()}, collect bytes until the response is complete by its byte count or the timeout
 * counted from {@code sent()} runs out, end the transaction. Every answer is checked with j2mod's
 * CRC and its registers against {@link SerialBench#register}. {@code weir bench serial} runs it
 * beside the gateway on the same wire: the link alone, so that the gateway's number shows what the
 * session and the driver cost on top of it.
 */
final class RtuPoller implements LinkListener, Runnable {
    private final Link link;
    private final byte[] request;
    private final int responseLength;
    private final int unit;
    private final long timeoutNanos;
    private final ByteArrayOutputStream rx = new ByteArrayOutputStream();
    private boolean sent;
    private boolean up;
    private volatile boolean stopped;

    final AtomicLong transactions = new AtomicLong();
    final AtomicLong bad = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();

    /** Registers of answers that were right on the wire but held another value than the slave's. */
    final AtomicLong wrongValues = new AtomicLong();

    RtuPoller(Link link, int unit, int registers, long timeoutNanos) {
        this.link = link;
        this.unit = unit;
        this.request =
                withCrc(
                        new byte[] {
                            (byte) unit, 3, 0, 0, (byte) (registers >> 8), (byte) registers
                        });
        this.responseLength = 3 + 2 * registers + 2;
        this.timeoutNanos = timeoutNanos;
        link.start(this);
    }

    int requestLength() {
        return request.length;
    }

    int responseLength() {
        return responseLength;
    }

    static byte[] withCrc(byte[] body) {
        int[] crc = ModbusUtil.calculateCRC(body, 0, body.length);
        byte[] f = Arrays.copyOf(body, body.length + 2);
        f[body.length] = (byte) crc[0];
        f[body.length + 1] = (byte) crc[1];
        return f;
    }

    @Override
    public synchronized void linkUp() {
        up = true;
        notifyAll();
    }

    @Override
    public synchronized void linkDown(String reason) {
        up = false;
        notifyAll();
    }

    @Override
    public synchronized void received(byte[] bytes) {
        rx.writeBytes(bytes);
        if (rx.size() >= responseLength) {
            notifyAll();
        }
    }

    @Override
    public synchronized void sent() {
        sent = true;
        notifyAll();
    }

    synchronized boolean awaitUp(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (!up) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                poll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void poll() throws InterruptedException {
        synchronized (this) {
            rx.reset();
            sent = false;
        }
        if (!link.send(request)) {
            Thread.sleep(10);
            return;
        }
        byte[] answer;
        synchronized (this) {
            while (!sent && !stopped) {
                wait(100);
            }
            long deadline = System.nanoTime() + timeoutNanos;
            while (rx.size() < responseLength) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            answer = rx.toByteArray();
        }
        link.transactionEnded();
        if (answer.length == 0) {
            timeouts.incrementAndGet();
        } else if (answer.length != responseLength
                || answer[0] != (byte) unit
                || answer[1] != 3
                || (answer[2] & 0xFF) != responseLength - 5
                || !crcOk(answer)) {
            bad.incrementAndGet();
        } else {
            int wrong = 0;
            for (int i = 0; i < (responseLength - 5) / 2; i++) {
                int v = (answer[3 + 2 * i] & 0xFF) << 8 | answer[3 + 2 * i + 1] & 0xFF;
                if (v != SerialBench.register(unit, i)) {
                    wrong++;
                }
            }
            if (wrong > 0) {
                wrongValues.addAndGet(wrong);
            } else {
                transactions.incrementAndGet();
            }
        }
    }

    private static boolean crcOk(byte[] f) {
        int[] crc = ModbusUtil.calculateCRC(f, 0, f.length - 2);
        return (f[f.length - 2] & 0xFF) == crc[0] && (f[f.length - 1] & 0xFF) == crc[1];
    }
}
