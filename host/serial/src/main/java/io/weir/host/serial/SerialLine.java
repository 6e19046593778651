package io.weir.host.serial;

import com.fazecast.jSerialComm.SerialPort;
import com.fazecast.jSerialComm.SerialPortInvalidPortException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One serial port as a byte line that keeps itself open: it opens the port by its path with the
 * given settings, reads on a thread of its own, and when the port fails (a USB adapter unplugged,
 * the pty of a simulator gone) reports it once and tries to open the path again every {@code
 * reopen} until it comes back or the line is closed. Failed attempts of one outage are not reported
 * again: one line in the log when the outage starts, one when it ends.
 *
 * <p>The path is looked up afresh at every attempt, so a symlink ({@code /dev/serial/by-id/…}, a
 * simulator's pty link) that points somewhere else after the device came back is followed.
 */
public final class SerialLine implements AutoCloseable {

    private static final Logger LOG = System.getLogger("io.weir.serial");

    /** What the line reports. Called from the line's threads; hand work off, never block. */
    public interface Events {
        /** The port is open (first open or reopen). */
        void opened();

        /**
         * Bytes arrived, in order.
         *
         * @param nanoTime {@link System#nanoTime()} when they were read
         */
        void received(byte[] bytes, long nanoTime);

        /** The port could not be opened or failed; reported once per outage. */
        void lost(String reason);
    }

    /**
     * A write that does not finish in this time means a hung adapter: the port is treated as lost
     * and reopened, rather than blocking the bus for good. A request of 256 bytes takes 267 ms at
     * 9600 baud; the operating system buffers it anyway.
     */
    private static final int WRITE_TIMEOUT_MS = 2000;

    private final String path;
    private final LineSettings settings;
    private final long reopenNanos;
    private final ScheduledExecutorService timer;
    private final Events events;
    private final int readTimeoutMs;

    private volatile SerialPort port;
    private volatile boolean closed;
    private volatile String downReason = "not opened yet";
    private boolean started;
    private boolean outage;
    private long outageStartNanos;
    private int failedAttempts;
    private volatile long opens;
    private volatile long losses;
    private volatile long bytesRead;
    private volatile long bytesWritten;

    /**
     * @param reopenNanos how long to wait between attempts to open a port that is gone
     * @param timer runs the reopen attempts
     */
    public SerialLine(
            String path,
            LineSettings settings,
            long reopenNanos,
            ScheduledExecutorService timer,
            Events events) {
        this.path = path;
        this.settings = settings;
        this.reopenNanos = reopenNanos;
        this.timer = timer;
        this.events = events;
        // The reader wakes at least this often to notice close(); at low baud rates a read of a
        // few characters takes longer anyway.
        this.readTimeoutMs = 200;
    }

    /** Opens the port, or starts trying to. */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException(describe() + " already started");
        }
        started = true;
        attempt();
    }

    private void attempt() {
        SerialPort p;
        String failure;
        synchronized (this) {
            if (closed || port != null) {
                return;
            }
            failure = null;
            p = null;
            try {
                p = SerialPort.getCommPort(path);
                p.setComPortParameters(
                        settings.baud(),
                        settings.dataBits(),
                        stopBits(settings.stopBits()),
                        parity(settings.parity()));
                p.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
                p.setComPortTimeouts(
                        SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING,
                        readTimeoutMs,
                        WRITE_TIMEOUT_MS);
                if (!p.openPort()) {
                    failure =
                            "cannot open serial port " + path + ": " + errno(p.getLastErrorCode());
                    p = null;
                }
            } catch (SerialPortInvalidPortException e) {
                failure = "cannot open serial port " + path + ": no such port";
                p = null;
            }
            if (p != null) {
                port = p;
                downReason = null;
                opens++;
                if (outage) {
                    LOG.log(
                            Level.INFO,
                            "{0}: open again after {1} s ({2} attempts failed)",
                            describe(),
                            String.format(
                                    java.util.Locale.ROOT,
                                    "%.1f",
                                    (System.nanoTime() - outageStartNanos) / 1e9),
                            failedAttempts);
                }
                outage = false;
                failedAttempts = 0;
            } else {
                downReason = failure;
                failedAttempts++;
            }
        }
        if (p != null) {
            events.opened();
            // The reader starts after opened(): no byte is reported before the port is.
            SerialPort opened = p;
            Thread reader = new Thread(() -> read(opened), "weir-serial-rx " + path);
            reader.setDaemon(true);
            reader.start();
            return;
        }
        if (startOutage(failure)) {
            events.lost(failure);
        }
        scheduleAttempt();
    }

    /** Marks the start of an outage; false if one is already going on (already reported). */
    private synchronized boolean startOutage(String reason) {
        if (outage || closed) {
            return false;
        }
        outage = true;
        outageStartNanos = System.nanoTime();
        losses++;
        LOG.log(
                Level.WARNING,
                "{0} ({1}); trying again every {2} ms",
                reason,
                settings,
                reopenNanos / 1_000_000);
        return true;
    }

    private void scheduleAttempt() {
        if (closed) {
            return;
        }
        try {
            timer.schedule(this::attempt, reopenNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The transport is shutting down.
        }
    }

    private void read(SerialPort p) {
        byte[] buf = new byte[4096];
        while (!closed && port == p) {
            int n = p.readBytes(buf, buf.length);
            if (n > 0) {
                long at = System.nanoTime();
                bytesRead += n;
                events.received(Arrays.copyOf(buf, n), at);
            } else if (n < 0) {
                lost(p, "failed to read: " + errno(p.getLastErrorCode()));
                return;
            }
        }
    }

    private void lost(SerialPort p, String why) {
        String reason;
        synchronized (this) {
            if (closed || port != p) {
                return;
            }
            port = null;
            reason = "serial port " + path + " " + why;
            downReason = reason;
        }
        p.closePort();
        if (startOutage(reason)) {
            events.lost(reason);
        }
        scheduleAttempt();
    }

    /**
     * Writes the bytes. A port that fails the write is treated as lost.
     *
     * @return false if the port is not open or the write failed
     */
    public boolean write(byte[] bytes) {
        SerialPort p = port;
        if (p == null) {
            return false;
        }
        int n = p.writeBytes(bytes, bytes.length);
        if (n != bytes.length) {
            lost(
                    p,
                    "failed to write: "
                            + (n < 0
                                    ? errno(p.getLastErrorCode())
                                    : n + " of " + bytes.length + " bytes written"));
            return false;
        }
        bytesWritten += n;
        return true;
    }

    public boolean isOpen() {
        return port != null;
    }

    /** Why the port is not open, or {@code null} while it is. */
    public String downReason() {
        return port != null ? null : downReason;
    }

    public String path() {
        return path;
    }

    public LineSettings settings() {
        return settings;
    }

    /** How often the port was opened, reopens included. */
    public long opens() {
        return opens;
    }

    /** How many outages began (the port failed, or could not be opened). */
    public long losses() {
        return losses;
    }

    public long bytesRead() {
        return bytesRead;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    /** E.g. {@code serial /dev/ttyUSB0 19200 8E1}. */
    public String describe() {
        return "serial " + path + " " + settings;
    }

    /** Closes the port and stops reopening it; nothing is reported. */
    @Override
    public void close() {
        SerialPort p;
        synchronized (this) {
            closed = true;
            downReason = "closed by the host";
            p = port;
            port = null;
        }
        if (p != null) {
            p.closePort();
        }
    }

    static int stopBits(double stop) {
        return stop == 1
                ? SerialPort.ONE_STOP_BIT
                : stop == 2 ? SerialPort.TWO_STOP_BITS : SerialPort.ONE_POINT_FIVE_STOP_BITS;
    }

    static int parity(LineSettings.Parity p) {
        return switch (p) {
            case NONE -> SerialPort.NO_PARITY;
            case EVEN -> SerialPort.EVEN_PARITY;
            case ODD -> SerialPort.ODD_PARITY;
            case MARK -> SerialPort.MARK_PARITY;
            case SPACE -> SerialPort.SPACE_PARITY;
        };
    }

    /** The words for the errno values a port meets, as a user needs them. */
    static String errno(int code) {
        return switch (code) {
            case 2 -> "no such file or directory (errno 2)";
            case 5 -> "input/output error, the device is gone (errno 5)";
            case 6 -> "no such device or address (errno 6)";
            case 13 -> "permission denied; is the user in the dialout group? (errno 13)";
            case 16 -> "device busy; another program has the port open (errno 16)";
            case 19 -> "no such device (errno 19)";
            case 22 ->
                    "invalid argument: the port refused the line settings (a Linux pty opened"
                            + " again at even or odd parity does this) (errno 22)";
            default -> "errno " + code;
        };
    }
}
