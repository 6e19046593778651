package io.weir.host.can;

import io.weir.abi.CanFrame;
import io.weir.host.io.LinkAddress;
import io.weir.host.serial.BurstLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@code candump -l} log played back as a CAN bus: each frame is delivered when its time has
 * come, at the recorded pace or {@code speed} times faster ({@code speed=max}: as fast as they can
 * be read). Lines that are no candump lines are counted and logged once per burst with their line
 * number; error frames are counted. At the end of the log the bus goes down ({@code end of candump
 * log …}), or starts over with {@code loop=true}. A recording has no bus to send to: frames a
 * driver sends are counted as not transmitted.
 */
final class CandumpChannel implements CanChannel {

    private static final Logger LOG = System.getLogger("io.weir.can");

    /**
     * A {@code candump:/path/file.log} address.
     *
     * @param file the log
     * @param speed how many times faster than recorded; 0 for as fast as possible
     * @param loop whether to start over at the end
     * @param iface only frames of this interface (e.g. {@code can0}), or {@code null} for all
     * @param reopen how often a log that cannot be read is tried again
     */
    record Settings(Path file, double speed, boolean loop, String iface, Duration reopen) {

        static final List<String> PARAMETERS = List.of("speed", "loop", "iface", "reopen");

        static Settings parse(LinkAddress a) {
            String where = "candump address \"" + a + "\"";
            if (a.host() != null || a.path().isEmpty()) {
                throw new IllegalArgumentException(
                        where + ": write the log as a path, candump:/var/log/can/bus.log");
            }
            Map<String, String> p = CanTransport.params(a, PARAMETERS, where);
            try {
                Path file;
                try {
                    file = Path.of(a.path());
                } catch (InvalidPathException e) {
                    throw new IllegalArgumentException("\"" + a.path() + "\" is not a path");
                }
                String sp = p.getOrDefault("speed", "1");
                double speed;
                if (sp.equalsIgnoreCase("max")) {
                    speed = 0;
                } else {
                    try {
                        speed = Double.parseDouble(sp);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(
                                "speed=\""
                                        + sp
                                        + "\" is not a number (1 = as recorded, 10 = ten"
                                        + " times faster, max = as fast as possible)");
                    }
                    if (!(speed >= 0) || Double.isInfinite(speed)) {
                        throw new IllegalArgumentException("speed must be > 0 (or max), got " + sp);
                    }
                }
                String iface = p.get("iface");
                if (iface != null && !iface.matches("\\S{1,32}")) {
                    throw new IllegalArgumentException(
                            "iface=\"" + iface + "\" is not an interface name");
                }
                return new Settings(
                        file,
                        speed,
                        CanTransport.bool("loop", p.getOrDefault("loop", "false")),
                        iface,
                        CanTransport.duration(p, "reopen", Duration.ofSeconds(1), 10));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
    }

    private final Settings settings;
    private Events events;
    private Thread thread;
    private volatile boolean closed;
    private volatile boolean up;
    private volatile String downReason = "not opened yet";
    private boolean reportedDown;

    private long framesReceived;
    private long garbage;
    private long errorFrames;
    private long notTransmitted;
    private long rounds;

    private final BurstLog garbageLog = new BurstLog(LOG, Level.WARNING);
    private final BurstLog notTransmittedLog = new BurstLog(LOG, Level.INFO);

    CandumpChannel(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Settings settings() {
        return settings;
    }

    @Override
    public void start(Events events) {
        this.events = events;
        thread = new Thread(this::run, "weir-candump " + settings.file().getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!closed) {
            BufferedReader in;
            try {
                in = Files.newBufferedReader(settings.file(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                down(
                        "cannot read candump log "
                                + settings.file()
                                + ": "
                                + (e instanceof NoSuchFileException
                                        ? "no such file"
                                        : e.getMessage()));
                if (!sleep(settings.reopen().toNanos())) {
                    return;
                }
                continue;
            }
            long delivered;
            try (in) {
                if (!up) {
                    up = true;
                    downReason = null;
                    synchronized (this) {
                        reportedDown = false;
                    }
                    events.up();
                }
                delivered = play(in);
            } catch (IOException e) {
                up = false;
                down("cannot read candump log " + settings.file() + ": " + e.getMessage());
                if (!sleep(settings.reopen().toNanos())) {
                    return;
                }
                continue;
            }
            if (closed) {
                return;
            }
            synchronized (this) {
                rounds++;
            }
            if (!settings.loop() || delivered == 0) {
                up = false;
                long total;
                synchronized (this) {
                    total = framesReceived;
                }
                down(
                        "end of candump log "
                                + settings.file()
                                + " after "
                                + total
                                + " frames"
                                + (settings.loop() ? " (no frame to loop over)" : ""));
                return;
            }
        }
    }

    /** Delivers the frames of one pass; returns how many. */
    private long play(BufferedReader in) throws IOException {
        long startNanos = 0;
        long firstMicros = 0;
        boolean first = true;
        long delivered = 0;
        int lineNo = 0;
        String text;
        while (!closed && (text = in.readLine()) != null) {
            lineNo++;
            CandumpLine.Parsed p = CandumpLine.parse(text);
            if (p instanceof CandumpLine.Blank) {
                continue;
            }
            if (p instanceof CandumpLine.Malformed m) {
                int n = lineNo;
                String bad = text.strip();
                synchronized (this) {
                    garbage++;
                }
                garbageLog.event(
                        1,
                        () ->
                                settings.file()
                                        + ":"
                                        + n
                                        + ": skipped, "
                                        + m.why()
                                        + ": \""
                                        + Text.escape(bad)
                                        + "\"; more bad lines are counted, not logged, until 10 s"
                                        + " pass without any");
                continue;
            }
            if (p instanceof CandumpLine.ErrorFrame e) {
                if (settings.iface() == null || settings.iface().equals(e.iface())) {
                    synchronized (this) {
                        errorFrames++;
                    }
                }
                continue;
            }
            CandumpLine line = ((CandumpLine.Frame) p).line();
            if (settings.iface() != null && !settings.iface().equals(line.iface())) {
                continue;
            }
            if (settings.speed() > 0) {
                if (first) {
                    first = false;
                    startNanos = System.nanoTime();
                    firstMicros = line.micros();
                } else {
                    // A timestamp that goes backwards is delivered at once.
                    long due =
                            startNanos
                                    + Math.round(
                                            (line.micros() - firstMicros)
                                                    * 1000.0
                                                    / settings.speed());
                    if (!sleepUntil(due)) {
                        return delivered;
                    }
                }
            }
            synchronized (this) {
                framesReceived++;
            }
            delivered++;
            events.frame(line.frame());
        }
        return delivered;
    }

    private boolean sleepUntil(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            if (closed) {
                return false;
            }
            LockSupport.parkNanos(Math.min(wait, 100_000_000L));
        }
        return !closed;
    }

    private boolean sleep(long nanos) {
        return sleepUntil(System.nanoTime() + nanos);
    }

    private void down(String reason) {
        downReason = reason;
        synchronized (this) {
            if (reportedDown || closed) {
                return;
            }
            reportedDown = true;
        }
        LOG.log(Level.INFO, "{0}: down: {1}", describe(), reason);
        events.down(reason);
    }

    @Override
    public boolean send(List<CanFrame> frames) {
        if (!up) {
            return false;
        }
        synchronized (this) {
            notTransmitted += frames.size();
        }
        notTransmittedLog.event(
                frames.size(),
                () ->
                        describe()
                                + ": a played-back log has no bus; frames from the driver are counted"
                                + " as not transmitted");
        return true;
    }

    @Override
    public boolean connected() {
        return up;
    }

    @Override
    public String downReason() {
        return up ? null : closed ? "closed by the host" : downReason;
    }

    @Override
    public String describe() {
        return "candump "
                + settings.file()
                + (settings.speed() == 0
                        ? " at full speed"
                        : settings.speed() == 1
                                ? ""
                                : " at "
                                        + java.math.BigDecimal.valueOf(settings.speed())
                                                .stripTrailingZeros()
                                                .toPlainString()
                                        + "x")
                + (settings.iface() != null ? " " + settings.iface() : "");
    }

    @Override
    public synchronized CanStats stats() {
        return new CanStats(framesReceived, 0, garbage, errorFrames, 0, notTransmitted);
    }

    /** Complete passes over the log. */
    synchronized long rounds() {
        return rounds;
    }

    @Override
    public void close() {
        closed = true;
        up = false;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }
}
