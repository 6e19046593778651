package io.weir.host.can;

import io.weir.abi.CanFrame;
import io.weir.host.io.LinkAddress;
import io.weir.host.serial.BurstLog;
import io.weir.host.serial.LineSettings;
import io.weir.host.serial.SerialAddress;
import io.weir.host.serial.SerialLine;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An slcan adapter on a serial port ({@link Slcan}). When the port opens, the channel clears the
 * adapter's command buffer, closes the CAN channel in case it was left open, sets the bit rate (and
 * the FD data bit rate), and opens it, waiting for each command's CR; only then is the bus up. An
 * adapter that refuses a command or does not answer is reported down once and set up again every
 * {@code reopen}; a port that disappears is reopened by its {@link SerialLine}.
 */
final class SlcanChannel implements CanChannel {

    private static final Logger LOG = System.getLogger("io.weir.can");

    /** How long the adapter may take to answer the CRs that clear its command buffer. */
    private static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * An {@code slcan:} address.
     *
     * @param path the adapter's serial port
     * @param line the serial line to the adapter (USB adapters ignore it; UART ones need it)
     * @param bitrate the nominal CAN bit rate
     * @param dataBitrate the FD data bit rate, or 0 to leave the adapter's
     * @param listenOnly open with {@code L}: receive only, never acknowledge or send
     * @param reopen how often a port or adapter that failed is tried again
     * @param timeout how long the adapter may take to answer a setup command or a status query
     * @param keepalive after this long without a byte from the adapter, it is asked for its status
     *     flags ({@code F}); no answer within {@code timeout} means a hung adapter
     */
    record Settings(
            String path,
            LineSettings line,
            int bitrate,
            int dataBitrate,
            boolean listenOnly,
            Duration reopen,
            Duration timeout,
            Duration keepalive) {

        static final List<String> PARAMETERS =
                List.of(
                        "bitrate",
                        "databitrate",
                        "listen",
                        "baud",
                        "data",
                        "parity",
                        "stop",
                        "reopen",
                        "timeout",
                        "keepalive");

        static final LineSettings DEFAULT_LINE =
                new LineSettings(115200, 8, LineSettings.Parity.NONE, 1);

        static Settings parse(LinkAddress a) {
            String where = "slcan address \"" + a + "\"";
            if (a.host() != null || a.path().isEmpty()) {
                throw new IllegalArgumentException(
                        where
                                + ": write the adapter's port as a path, slcan:/dev/ttyACM0?bitrate=500000");
            }
            Map<String, String> p = CanTransport.params(a, PARAMETERS, where);
            try {
                String br = p.get("bitrate");
                if (br == null) {
                    throw new IllegalArgumentException(
                            "bitrate is required (a wrong one disturbs the bus), e.g. bitrate=500000");
                }
                int bitrate = CanTransport.integer("bitrate", br);
                Slcan.bitrateCommand(bitrate);
                int data = 0;
                if (p.containsKey("databitrate")) {
                    data = CanTransport.integer("databitrate", p.get("databitrate"));
                    Slcan.dataBitrateCommand(data);
                }
                return new Settings(
                        a.path(),
                        SerialAddress.lineSettings(p, DEFAULT_LINE),
                        bitrate,
                        data,
                        CanTransport.bool("listen", p.getOrDefault("listen", "false")),
                        CanTransport.duration(p, "reopen", Duration.ofSeconds(1), 10),
                        CanTransport.duration(p, "timeout", Duration.ofSeconds(1), 10),
                        CanTransport.duration(p, "keepalive", Duration.ofSeconds(10), 100));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }

        /** The setup commands, in order. */
        List<String> setup() {
            List<String> s = new ArrayList<>();
            s.add("C");
            s.add(Slcan.bitrateCommand(bitrate));
            if (dataBitrate > 0) {
                s.add(Slcan.dataBitrateCommand(dataBitrate));
            }
            s.add(listenOnly ? "L" : "O");
            return s;
        }
    }

    private enum State {
        NEW,
        SETTING_UP,
        UP,
        DOWN,
        CLOSED
    }

    private final Settings settings;
    private final ScheduledExecutorService exec;
    private final SerialLine line;
    private Events events;
    private Slcan.Decoder decoder = new Slcan.Decoder();
    private volatile State state = State.NEW;
    private String downReason = "not opened yet";
    private boolean reportedDown;
    private List<String> steps;
    private int step;
    private boolean flushing;
    private boolean awaiting;
    private long setupGeneration;
    private ScheduledFuture<?> timer;
    private ScheduledFuture<?> watch;
    private volatile long lastRxNanos;
    private long probeSentNanos;

    private long framesReceived;
    private long framesSent;
    private long garbage;
    private long errorFrames;
    private long refused;
    private long notTransmitted;

    private final BurstLog garbageLog = new BurstLog(LOG, Level.WARNING);
    private final BurstLog refusedLog = new BurstLog(LOG, Level.WARNING);
    private final BurstLog statusLog = new BurstLog(LOG, Level.WARNING);
    private final BurstLog listenOnlyLog = new BurstLog(LOG, Level.WARNING);

    SlcanChannel(Settings settings, ScheduledExecutorService exec) {
        this.settings = settings;
        this.exec = exec;
        this.line =
                new SerialLine(
                        settings.path(),
                        settings.line(),
                        settings.reopen().toNanos(),
                        exec,
                        new SerialLine.Events() {
                            @Override
                            public void opened() {
                                run(SlcanChannel.this::setUp);
                            }

                            @Override
                            public void received(byte[] bytes, long nanoTime) {
                                onBytes(bytes);
                            }

                            @Override
                            public void lost(String reason) {
                                run(() -> lostPort(reason));
                            }
                        });
    }

    @Override
    public Settings settings() {
        return settings;
    }

    @Override
    public void start(Events events) {
        this.events = events;
        line.start();
    }

    // ---- setup (on the executor) ---------------------------------------------------------------

    private void setUp() {
        synchronized (this) {
            if (state == State.CLOSED || !line.isOpen()) {
                return;
            }
            state = State.SETTING_UP;
            steps = settings.setup();
            step = 0;
            flushing = true;
            awaiting = false;
            setupGeneration++;
            decoder = new Slcan.Decoder();
        }
        // Lawicel: a few CRs empty the adapter's buffer of a half-written command; what it answers
        // to them (CR or BEL) is read and thrown away before the first real command.
        line.write("\r\r\r".getBytes(StandardCharsets.US_ASCII));
        long gen = setupGeneration;
        schedule(() -> afterFlush(gen), FLUSH_NANOS);
    }

    private void afterFlush(long gen) {
        synchronized (this) {
            if (state != State.SETTING_UP || gen != setupGeneration) {
                return;
            }
            flushing = false;
            decoder = new Slcan.Decoder();
        }
        nextStep(gen);
    }

    private void nextStep(long gen) {
        synchronized (this) {
            if (state != State.SETTING_UP || gen != setupGeneration || step >= steps.size()) {
                return;
            }
            String cmd = steps.get(step);
            timer =
                    schedule(
                            () ->
                                    setupFailed(
                                            gen,
                                            "the slcan adapter on "
                                                    + settings.path()
                                                    + " did not answer '"
                                                    + cmd
                                                    + "' within "
                                                    + settings.timeout().toMillis()
                                                    + " ms (is it an slcan adapter, at "
                                                    + settings.line()
                                                    + "?)"),
                            settings.timeout().toNanos());
            awaiting = true;
            line.write((cmd + "\r").getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * The last setup command was answered: the bus is up. Under the lock, on the reader thread, so
     * that frames in the same read as the answer are delivered after the up, not dropped.
     */
    private void setupDone() {
        state = State.UP;
        lastRxNanos = System.nanoTime();
        probeSentNanos = 0;
        if (watch == null) {
            long every = Math.max(50_000_000L, settings.keepalive().toNanos() / 4);
            try {
                watch =
                        exec.scheduleWithFixedDelay(
                                this::watch, every, every, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // Closed.
            }
        }
        downReason = null;
        reportedDown = false;
        garbageLog.reset();
        refusedLog.reset();
    }

    /** An answer during setup. Under the lock; returns the step to run next, if any. */
    private boolean setupAnswer(Slcan.Message m) {
        if (flushing || !awaiting || steps == null || step >= steps.size()) {
            return false;
        }
        String cmd = steps.get(step);
        if (m instanceof Slcan.Ok || (m instanceof Slcan.Refused && cmd.equals("C"))) {
            // C on a channel that is closed already is refused; that is what we wanted.
            if (timer != null) {
                timer.cancel(false);
            }
            awaiting = false;
            step++;
            return true;
        }
        if (m instanceof Slcan.Refused) {
            awaiting = false;
            long gen = setupGeneration;
            run(
                    () ->
                            setupFailed(
                                    gen,
                                    "the slcan adapter on "
                                            + settings.path()
                                            + " refused '"
                                            + cmd
                                            + "'"
                                            + (cmd.startsWith("Y")
                                                    ? " (no CAN FD, or not this data bit rate)"
                                                    : "")));
        }
        return false;
    }

    private void setupFailed(long gen, String reason) {
        synchronized (this) {
            if (state != State.SETTING_UP || gen != setupGeneration) {
                return;
            }
            state = State.DOWN;
            downReason = reason;
        }
        reportDown(reason);
        // The port is open, the adapter is not right: try the setup again later.
        schedule(this::setUp, settings.reopen().toNanos());
    }

    private void lostPort(String reason) {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.DOWN;
            downReason = reason;
            setupGeneration++;
        }
        reportDown(reason);
    }

    /** Once per outage, whether the port or the adapter failed. */
    private void reportDown(String reason) {
        synchronized (this) {
            if (reportedDown || state == State.CLOSED) {
                return;
            }
            reportedDown = true;
        }
        LOG.log(Level.WARNING, "{0}: down: {1}", describe(), reason);
        events.down(reason);
    }

    // ---- the reader thread ---------------------------------------------------------------------

    private void onBytes(byte[] bytes) {
        List<CanFrame> frames = new ArrayList<>();
        boolean advance = false;
        boolean cameUp = false;
        long gen;
        synchronized (this) {
            gen = setupGeneration;
            lastRxNanos = System.nanoTime();
            probeSentNanos = 0;
            for (Slcan.Message m : decoder.feed(bytes)) {
                if (state == State.SETTING_UP) {
                    if (setupAnswer(m)) {
                        if (step == steps.size()) {
                            setupDone();
                            cameUp = true;
                        } else {
                            advance = true;
                        }
                    }
                    continue;
                }
                if (state != State.UP) {
                    continue;
                }
                if (m instanceof Slcan.Received r) {
                    framesReceived++;
                    frames.add(r.frame());
                } else if (m instanceof Slcan.Refused) {
                    refused++;
                    refusedLog.event(
                            1,
                            () ->
                                    describe()
                                            + ": the adapter refused a frame (BEL): bus off,"
                                            + " listen-only, or its queue full");
                } else if (m instanceof Slcan.Status st) {
                    if (st.flags() != 0) {
                        statusLog.event(
                                1,
                                () ->
                                        describe()
                                                + String.format(
                                                        Locale.ROOT,
                                                        ": adapter status flags 0x%02X",
                                                        st.flags()));
                    }
                } else if (m instanceof Slcan.Garbage g) {
                    garbage += g.text().length() + 1;
                    garbageLog.event(
                            g.text().length() + 1,
                            () ->
                                    describe()
                                            + ": dropped \""
                                            + Text.escape(g.text())
                                            + "\" ("
                                            + g.why()
                                            + "); more garbage is counted, not logged, until"
                                            + " 10 s pass without any");
                }
                // Ok, Transmitted, Reply: answers to our frames and queries.
            }
        }
        if (cameUp) {
            LOG.log(Level.INFO, "{0}: open", describe());
            events.up();
        }
        for (CanFrame f : frames) {
            events.frame(f);
        }
        if (advance) {
            run(() -> nextStep(gen));
        }
    }

    /**
     * A quiet adapter is asked for its status flags; one that does not answer is hung (a USB
     * adapter whose firmware stopped, with the port still open): down, and set up again.
     */
    private void watch() {
        String hung = null;
        synchronized (this) {
            if (state != State.UP) {
                return;
            }
            long now = System.nanoTime();
            if (probeSentNanos != 0) {
                if (now - probeSentNanos >= settings.timeout().toNanos()) {
                    hung =
                            "the slcan adapter on "
                                    + settings.path()
                                    + " stopped answering (no answer to F within "
                                    + settings.timeout().toMillis()
                                    + " ms)";
                    state = State.DOWN;
                    downReason = hung;
                    setupGeneration++;
                }
            } else if (now - lastRxNanos >= settings.keepalive().toNanos()) {
                probeSentNanos = now;
                line.write("F\r".getBytes(StandardCharsets.US_ASCII));
            }
        }
        if (hung != null) {
            reportDown(hung);
            schedule(this::setUp, settings.reopen().toNanos());
        }
    }

    // ---- sending -------------------------------------------------------------------------------

    @Override
    public boolean send(List<CanFrame> frames) {
        if (state != State.UP) {
            return false;
        }
        if (settings.listenOnly()) {
            synchronized (this) {
                notTransmitted += frames.size();
            }
            listenOnlyLog.event(
                    frames.size(),
                    () ->
                            describe()
                                    + ": the adapter is open listen-only; frames from the driver are"
                                    + " not transmitted");
            return true;
        }
        StringBuilder b = new StringBuilder();
        for (CanFrame f : frames) {
            b.append(Slcan.encode(f));
        }
        if (!line.write(b.toString().getBytes(StandardCharsets.US_ASCII))) {
            return false;
        }
        synchronized (this) {
            framesSent += frames.size();
        }
        return true;
    }

    @Override
    public boolean connected() {
        return state == State.UP;
    }

    @Override
    public synchronized String downReason() {
        return state == State.UP ? null : state == State.CLOSED ? "closed by the host" : downReason;
    }

    @Override
    public String describe() {
        return "slcan "
                + settings.path()
                + " "
                + settings.bitrate() / 1000
                + " kbit/s"
                + (settings.dataBitrate() > 0
                        ? " FD " + settings.dataBitrate() / 1000 + " kbit/s"
                        : "")
                + (settings.listenOnly() ? " listen-only" : "");
    }

    @Override
    public synchronized CanStats stats() {
        return new CanStats(
                framesReceived, framesSent, garbage, errorFrames, refused, notTransmitted);
    }

    @Override
    public void close() {
        boolean wasUp;
        synchronized (this) {
            wasUp = state == State.UP;
            state = State.CLOSED;
            setupGeneration++;
        }
        if (watch != null) {
            watch.cancel(false);
        }
        if (wasUp) {
            // Leave the adapter closed, as we found it.
            line.write("C\r".getBytes(StandardCharsets.US_ASCII));
        }
        line.close();
    }

    private void run(Runnable task) {
        try {
            exec.execute(task);
        } catch (RejectedExecutionException e) {
            // Closed.
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, long nanos) {
        try {
            return exec.schedule(task, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }
}
