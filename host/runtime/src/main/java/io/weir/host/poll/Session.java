package io.weir.host.poll;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.Quality;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRecord;
import io.weir.host.driver.DriverTrapped;
import io.weir.host.driver.FrameLength;
import io.weir.host.driver.Request;
import io.weir.host.io.Link;
import io.weir.host.io.LinkListener;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One device: its link, its driver instance and its poll schedule. Each tick runs a cycle as ABI
 * §7.1–7.4 describe — {@code weir_poll}, send, collect bytes, {@code weir_frame_len}, {@code
 * weir_on_frame} or {@code weir_on_timeout} — with never more than one request outstanding and
 * never two cycles at once: a tick that finds a cycle still running is counted as missed, not
 * queued. Traps follow §9: the instance is dropped, the points go {@code BAD_COMM}, and the next
 * tick opens a fresh instance from the shared compiled module with the same config and the last
 * saved state, unless the driver version is quarantined.
 *
 * <p>All work runs on the session's serial executor over a shared pool; link events and timers only
 * enqueue.
 */
public final class Session implements LinkListener {

    private static final System.Logger LOG = System.getLogger("io.weir.poll");

    /** What a session is doing. */
    public enum State {
        /** Created, not started. */
        NEW,
        /** Polling, or waiting for the link. */
        RUNNING,
        /** The driver refused the device's config; nothing to do until it changes. */
        CONFIG_ERROR,
        /** The driver version is quarantined (§9); the device stays BAD_COMM. */
        QUARANTINED,
        STOPPED
    }

    private final DeviceSpec spec;
    private final DriverModule module;
    private final Link link;
    private final PointSink sink;
    private final ScheduledExecutorService timers;
    private final InstanceGroup group;
    private final SerialExecutor serial;
    private final String configText;

    /** This device's handle in its instance (ABI §2.6). */
    private final int dev;

    private volatile State state = State.NEW;
    private ScheduledFuture<?> ticker;
    private DriverInstance instance;
    private byte[] savedState;

    private boolean cycleActive;
    private long cycleStartNanos;
    private boolean outstanding;
    private int outstandingTimeoutMs;
    private ScheduledFuture<?> timeout;
    private long requestSeq;
    private byte[] rx = new byte[0];
    private int rxLen;

    private volatile long cycles;
    private volatile long missed;
    private volatile long timeouts;
    private volatile long garbageBytes;
    private volatile long protocolErrors;
    private volatile long traps;
    private volatile long points;
    private volatile long lastLatencyMicros;
    private volatile String lastError;

    /**
     * @param spec the device
     * @param module the compiled driver, shared with other sessions
     * @param link the device's link, not yet started
     * @param sink where decoded points go
     * @param timers schedules ticks and response timeouts; its tasks only enqueue
     * @param workers runs driver calls; shared by all sessions
     */
    public Session(
            DeviceSpec spec,
            DriverModule module,
            Link link,
            PointSink sink,
            ScheduledExecutorService timers,
            Executor workers) {
        this(spec, new InstanceGroup(module, 1, workers), link, sink, timers);
    }

    /**
     * A session whose device shares an instance with the other members of {@code group}.
     *
     * @param group the instance group to join; it must have room
     */
    public Session(
            DeviceSpec spec,
            InstanceGroup group,
            Link link,
            PointSink sink,
            ScheduledExecutorService timers) {
        this.spec = spec;
        this.module = group.module();
        this.link = link;
        this.sink = sink;
        this.timers = timers;
        this.group = group;
        this.serial = group.serial();
        this.configText = spec.config().text();
        this.dev = group.join(this);
    }

    /** Opens the driver instance and the link, then starts ticking. */
    public synchronized void start() {
        if (state != State.NEW) {
            throw new IllegalStateException("session " + spec.name() + " is " + state);
        }
        state = State.RUNNING;
        serial.execute(this::ensureInstance);
        link.start(this);
        long period = spec.interval().toMillis();
        ticker =
                timers.scheduleAtFixedRate(
                        () -> serial.execute(this::tick), period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops ticking, closes the link and closes the device in its driver instance.
     *
     * <p>A request still outstanding is abandoned without points: the host cut it off, the device
     * did nothing wrong and its values are simply not known. Reporting them {@code BAD_COMM} (as a
     * lost link or a timeout would) would tell every consumer that the device failed at each
     * shutdown or reconfiguration, and the points would carry a reason that is not true. Nor does
     * the driver get {@code weir_on_timeout} for it (§7.4): {@code weir_close} for the device
     * follows, which drops everything the driver held for it. A response that had already completed
     * before the stop reached the session's executor is still decoded and delivered: it is a real
     * reading. After that, no new request is sent.
     */
    public synchronized void stop() {
        if (state == State.STOPPED) {
            return;
        }
        if (ticker != null) {
            ticker.cancel(false);
        }
        state = State.STOPPED;
        link.close();
        serial.execute(
                () -> {
                    abandonRequest();
                    DriverInstance mine = instance;
                    instance = null;
                    if (mine != null && !mine.dead()) {
                        try {
                            mine.close(dev);
                        } catch (DriverException e) {
                            LOG.log(Level.DEBUG, "{0}: close: {1}", spec.name(), e.getMessage());
                        } catch (DriverTrapped e) {
                            group.lost(mine, this, "driver trapped closing " + spec.name());
                        }
                        if (!group.isShared(mine)) {
                            mine.close();
                        }
                    }
                });
    }

    public DeviceSpec spec() {
        return spec;
    }

    public State state() {
        return state;
    }

    public SessionStatus status() {
        return new SessionStatus(
                spec.name(),
                module.label(),
                link.describe(),
                dev,
                group.isShared(instance) && group.size() > 1,
                state,
                link.connected(),
                cycles,
                missed,
                timeouts,
                garbageBytes,
                protocolErrors,
                traps,
                points,
                lastLatencyMicros,
                lastError);
    }

    // ---- link events (I/O thread: enqueue only) ------------------------------------------------

    @Override
    public void linkUp() {
        serial.execute(() -> LOG.log(Level.INFO, "{0}: {1} up", spec.name(), link.describe()));
    }

    @Override
    public void received(byte[] bytes) {
        serial.execute(() -> onBytes(bytes));
    }

    @Override
    public void linkDown(String reason) {
        serial.execute(() -> onLinkDown(reason));
    }

    // ---- the cycle (serial executor) ---------------------------------------------------------

    private static long nowUs() {
        return System.currentTimeMillis() * 1000;
    }

    /** Opens an instance if there is none; false if the device cannot be served now. */
    private boolean ensureInstance() {
        if (instance != null && !instance.dead()) {
            return true;
        }
        instance = null;
        if (state == State.STOPPED || state == State.CONFIG_ERROR) {
            return false;
        }
        if (module.quarantined()) {
            state = State.QUARANTINED;
            return false;
        }
        DriverInstance candidate = null;
        try {
            candidate = group.instanceFor(this, dev);
            try {
                candidate.open(dev, configText, nowUs());
            } catch (DriverException e) {
                if (e.error() != AbiError.E_UNSUPPORTED || !group.isShared(candidate) || dev == 0) {
                    throw e;
                }
                // §2.6: the driver serves one device per instance; take a private one.
                group.onePerInstance();
                candidate = group.instanceFor(this, dev);
                candidate.open(dev, configText, nowUs());
            }
            if (savedState != null) {
                try {
                    candidate.loadState(dev, savedState);
                } catch (DriverException e) {
                    // §7.7: a payload the driver cannot read means a cold start; go on.
                    LOG.log(
                            Level.WARNING,
                            "{0}: state not restored: {1}",
                            spec.name(),
                            e.getMessage());
                }
            }
            instance = candidate;
            rx = new byte[candidate.rxCapacity()];
            rxLen = 0;
            return true;
        } catch (DriverException e) {
            state = State.CONFIG_ERROR;
            lastError =
                    "driver "
                            + module.label()
                            + " refused the config of "
                            + spec.name()
                            + ": "
                            + e.getMessage();
            LOG.log(Level.ERROR, lastError);
            return false;
        } catch (DriverTrapped e) {
            instance = candidate;
            trapped(e);
            return false;
        } catch (RuntimeException e) {
            // DriverRefused from a bad layout, an oversized config: the device cannot run.
            state = State.CONFIG_ERROR;
            lastError = e.getMessage();
            LOG.log(Level.ERROR, "{0}: {1}", spec.name(), e.getMessage());
            return false;
        }
    }

    private void tick() {
        if (state == State.STOPPED) {
            return;
        }
        if (cycleActive) {
            missed++;
            return;
        }
        long now = System.currentTimeMillis();
        if (!ensureInstance()) {
            String why =
                    state == State.QUARANTINED
                            ? "driver "
                                    + module.label()
                                    + " is quarantined after "
                                    + Abi.QUARANTINE_TRAPS
                                    + " traps within 10 minutes"
                            : state == State.CONFIG_ERROR
                                    ? lastError
                                    : "driver instance not running";
            allPoints(
                    state == State.CONFIG_ERROR ? Quality.BAD_CONFIG : Quality.BAD_COMM, now, why);
            return;
        }
        if (!link.connected()) {
            String reason = link.downReason();
            allPoints(Quality.BAD_COMM, now, "link down: " + (reason == null ? "?" : reason));
            return;
        }
        cycles++;
        cycleActive = true;
        cycleStartNanos = System.nanoTime();
        next();
    }

    /** Asks the driver for the next request of the cycle and sends it (§7.1). */
    private void next() {
        if (state == State.STOPPED) {
            // stop(): no new request; the cycle ends here.
            abandonRequest();
            return;
        }
        try {
            while (true) {
                Request r = instance.poll(dev, nowUs());
                if (r.endOfCycle()) {
                    endCycle();
                    return;
                }
                if (!link.send(r.bytes())) {
                    lostLink("link down: " + link.downReason());
                    return;
                }
                if (r.expectResponse()) {
                    outstanding = true;
                    rxLen = 0;
                    outstandingTimeoutMs =
                            r.timeoutMs() == 0 ? Abi.DEFAULT_RESPONSE_TIMEOUT_MS : r.timeoutMs();
                    long seq = ++requestSeq;
                    timeout =
                            timers.schedule(
                                    () -> serial.execute(() -> onTimeout(seq)),
                                    outstandingTimeoutMs,
                                    TimeUnit.MILLISECONDS);
                    return;
                }
            }
        } catch (DriverTrapped e) {
            trapped(e);
        } catch (DriverException e) {
            driverFailed(e);
        }
    }

    private void onBytes(byte[] bytes) {
        if (instance == null || (!outstanding && !module.manifest().passive())) {
            // A late answer after a timeout, or chatter: nothing asked for it.
            garbageBytes += bytes.length;
            return;
        }
        int off = 0;
        try {
            while (off < bytes.length) {
                int n = Math.min(bytes.length - off, rx.length - rxLen);
                System.arraycopy(bytes, off, rx, rxLen, n);
                rxLen += n;
                off += n;
                frames();
                if (instance == null) {
                    return;
                }
                if (rxLen == rx.length) {
                    // rx is full and the driver still wants more: §7.2 says it must resync
                    // instead. Drop the lot rather than stall.
                    garbageBytes += rxLen;
                    rxLen = 0;
                }
            }
            if (!outstanding && !module.manifest().passive() && rxLen > 0) {
                garbageBytes += rxLen;
                rxLen = 0;
            }
        } catch (DriverTrapped e) {
            trapped(e);
        }
    }

    /** Frames and decodes what is in rx (§7.2, §7.3). */
    private void frames() {
        while (rxLen > 0 && instance != null && (outstanding || module.manifest().passive())) {
            FrameLength f;
            try {
                f = instance.frameLen(dev, rx, 0, rxLen);
            } catch (DriverException e) {
                protocolErrors++;
                lastError = e.getMessage();
                garbageBytes += rxLen;
                rxLen = 0;
                return;
            }
            switch (f.kind()) {
                case NEED_MORE -> {
                    return;
                }
                case RESYNC -> {
                    garbageBytes += f.skip();
                    consume(f.skip());
                }
                case COMPLETE -> {
                    int len = f.length();
                    long now = nowUs();
                    List<DriverRecord> records;
                    try {
                        records = instance.onFrame(dev, rx, 0, len, now);
                    } catch (DriverException e) {
                        // §7.3: E_PROTO leaves the request outstanding; a late right answer
                        // is still taken.
                        protocolErrors++;
                        lastError = e.getMessage();
                        garbageBytes += len;
                        consume(len);
                        continue;
                    }
                    consume(len);
                    deliver(records, null);
                    if (outstanding) {
                        outstanding = false;
                        cancelTimeout();
                        next();
                    }
                }
            }
        }
    }

    private void consume(int n) {
        System.arraycopy(rx, n, rx, 0, rxLen - n);
        rxLen -= n;
    }

    private void onTimeout(long seq) {
        if (!outstanding || seq != requestSeq || instance == null) {
            return;
        }
        if (state == State.STOPPED) {
            // The timer fired while stop() was on its way: the host stopped waiting, see stop().
            abandonRequest();
            return;
        }
        timeouts++;
        String why = "no response within " + outstandingTimeoutMs + " ms";
        lastError = why;
        respondTimeout(why, true);
        if (instance != null) {
            next();
        }
    }

    /** §7.4: discard rx, let the driver write BAD_COMM records for the outstanding request. */
    private void respondTimeout(String why, boolean deliver) {
        outstanding = false;
        cancelTimeout();
        garbageBytes += rxLen;
        rxLen = 0;
        try {
            List<DriverRecord> records = instance.onTimeout(dev, nowUs());
            if (deliver) {
                deliver(records, why);
            }
        } catch (DriverTrapped e) {
            trapped(e);
        } catch (DriverException e) {
            driverFailed(e);
        }
    }

    private void onLinkDown(String reason) {
        LOG.log(Level.INFO, "{0}: {1} down: {2}", spec.name(), link.describe(), reason);
        if (outstanding && instance != null) {
            lostLink("link down: " + reason);
        }
    }

    private void lostLink(String why) {
        if (state == State.STOPPED) {
            // stop() closed the link under this request: not a device failure, see stop().
            abandonRequest();
            return;
        }
        lastError = why;
        cycleActive = false;
        if (spec.pointNames().isEmpty()) {
            // Discovery mode: only the driver knows which points the request covered.
            if (outstanding && instance != null) {
                respondTimeout(why, true);
            }
            return;
        }
        if (outstanding && instance != null) {
            // The driver must forget the request (§7.4); every point goes BAD_COMM below.
            respondTimeout(why, false);
        }
        allPoints(Quality.BAD_COMM, System.currentTimeMillis(), why);
    }

    private void endCycle() {
        cycleActive = false;
        lastLatencyMicros = (System.nanoTime() - cycleStartNanos) / 1000;
        if (module.manifest().hasState()) {
            try {
                savedState = instance.saveState(dev);
            } catch (DriverException e) {
                LOG.log(Level.DEBUG, "{0}: save_state: {1}", spec.name(), e.getMessage());
            } catch (DriverTrapped e) {
                trapped(e);
                return;
            }
        }
        try {
            instance.gc();
        } catch (DriverTrapped e) {
            trapped(e);
        }
    }

    /** A negative return outside framing: the cycle cannot go on. */
    private void driverFailed(DriverException e) {
        protocolErrors++;
        lastError = e.getMessage();
        LOG.log(Level.WARNING, "{0}: {1}", spec.name(), e.getMessage());
        outstanding = false;
        cancelTimeout();
        rxLen = 0;
        cycleActive = false;
        allPoints(Quality.BAD, System.currentTimeMillis(), e.getMessage());
    }

    /** §9: drop the instance, BAD_COMM for the device, recreate at the next tick. */
    private void trapped(DriverTrapped e) {
        traps++;
        lastError = e.getMessage();
        LOG.log(Level.ERROR, "{0}: {1}", spec.name(), e.getMessage());
        DriverInstance dead = instance;
        if (dead != null) {
            dead.close();
        }
        instance = null;
        outstanding = false;
        cancelTimeout();
        rxLen = 0;
        cycleActive = false;
        if (module.recordTrap(System.currentTimeMillis()) && state != State.STOPPED) {
            state = State.QUARANTINED;
        }
        allPoints(
                Quality.BAD_COMM, System.currentTimeMillis(), "driver trapped: " + e.getMessage());
        if (dead != null) {
            group.lost(
                    dead, this, "driver trapped in device " + spec.name() + ": " + e.getMessage());
        }
    }

    /**
     * Another device of the group trapped the instance this one was open on (called on the group's
     * executor): the same consequences, without counting a trap of this device.
     */
    void instanceLost(DriverInstance dead, String why) {
        if (instance != dead) {
            return;
        }
        instance = null;
        outstanding = false;
        cancelTimeout();
        rxLen = 0;
        cycleActive = false;
        lastError = why;
        if (module.quarantined() && state == State.RUNNING) {
            state = State.QUARANTINED;
        }
        allPoints(Quality.BAD_COMM, System.currentTimeMillis(), why);
    }

    /** Forgets the outstanding request and ends the cycle, without points (see {@link #stop}). */
    private void abandonRequest() {
        outstanding = false;
        cancelTimeout();
        rxLen = 0;
        cycleActive = false;
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    // ---- points ------------------------------------------------------------------------------

    private void deliver(List<DriverRecord> records, String why) {
        if (records.isEmpty()) {
            return;
        }
        String error = why;
        if (error == null) {
            for (DriverRecord r : records) {
                if (!r.good()) {
                    try {
                        error = instance.lastError(dev);
                    } catch (DriverException e) {
                        error = "";
                    }
                    break;
                }
            }
        }
        List<Point> batch = new ArrayList<>(records.size());
        for (DriverRecord r : records) {
            String name = r.named() ? r.name() : pointName(r.point());
            String text =
                    r.good()
                            ? null
                            : (error == null || error.isEmpty()
                                    ? Quality.nameOf(r.quality())
                                    : error);
            batch.add(new Point(spec.name(), name, r.value(), r.quality(), r.tsUs() / 1000, text));
        }
        points += batch.size();
        sink.accept(batch);
    }

    private String pointName(int index) {
        List<String> names = spec.pointNames();
        return index < names.size() ? names.get(index) : "#" + index;
    }

    /** A bad point for every point of the device's map (none in discovery mode). */
    private void allPoints(Quality quality, long nowMillis, String why) {
        List<String> names = spec.pointNames();
        if (names.isEmpty()) {
            return;
        }
        List<Point> batch = new ArrayList<>(names.size());
        for (String n : names) {
            batch.add(new Point(spec.name(), n, null, quality.code(), nowMillis, why));
        }
        points += batch.size();
        sink.accept(batch);
    }
}
