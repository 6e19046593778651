package io.weir.host.poll;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.Layout;
import io.weir.abi.Quality;
import io.weir.abi.ValueType;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverTrapped;
import io.weir.host.driver.FrameLength;
import io.weir.host.driver.Request;
import io.weir.host.io.Link;
import io.weir.host.io.LinkListener;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import io.weir.host.points.Value;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * One device: its link, its driver instance and its poll schedule, as a state machine driven by
 * events — schedule ticks, received bytes, response timeouts, link up and down — with no I/O and no
 * clock of its own: the link, the {@link Timers} and the {@link Clock} are given, so a test drives
 * it with a fake link and fake time.
 *
 * <p>Each tick runs a cycle as ABI §7.1–7.4 describe — {@code weir_poll}, send, collect bytes,
 * {@code weir_frame_len}, {@code weir_on_frame} or {@code weir_on_timeout} — with never more than
 * one request outstanding and never two cycles at once: a tick that finds a cycle still running is
 * counted as missed, not queued, and so is every tick that fell due while the executor was late.
 * Ticks fall on a fixed grid of the monotonic clock (start, phase, period), so cycles do not drift
 * and devices started together are spread across the interval. Traps follow §9: the instance is
 * dropped, the points go {@code BAD_COMM}, and the next tick opens a fresh instance from the shared
 * compiled module with the same config and the last saved state, unless the driver version is
 * quarantined.
 *
 * <p>All work runs on the instance group's serial executor; link events and timers only enqueue.
 */
public final class Session implements LinkListener, InstanceGroup.Member {

    private static final System.Logger LOG = System.getLogger("io.weir.poll");

    private final DeviceSpec spec;

    /** The driver version; changes only in a hot swap ({@link #swap}). */
    private volatile DriverModule module;

    private final Link link;
    private final PointSink sink;
    private final Timers timers;
    private final Clock clock;
    private volatile InstanceGroup group;
    private final Executor serial;
    private final String configText;
    private boolean passive;
    private final long periodNanos;

    private static final long MAX_LATENCY_MICROS = 600_000_000L;

    /** How many writes may wait for one device before more are refused. */
    public static final int MAX_QUEUED_WRITES = 64;

    private record PendingWrite(int point, Value value, CompletableFuture<WriteResult> result) {
        void finish(WriteResult r) {
            result.complete(r);
        }
    }

    /** This device's handle in its instance (ABI §2.6). */
    private int dev;

    private final Framer framer = new Framer(Layout.MIN_RX_CAP);
    private final Framer.Decoder decoder = new Decoder();

    private volatile SessionState state = SessionState.NEW;
    private volatile boolean draining;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private Timers.Timer ticker;
    private long nextTickNanos;
    private DriverInstance instance;
    private byte[] savedState;

    private boolean cycleActive;
    private long cycleStartNanos;
    private boolean outstanding;
    private int outstandingTimeoutMs;
    private Timers.Timer timeout;
    private long requestSeq;

    /** Writes waiting for the current transaction to end (ABI §7.6: never two outstanding). */
    private final ArrayDeque<PendingWrite> writes = new ArrayDeque<>();

    /** The write whose request is outstanding, or {@code null} when it is a poll request. */
    private PendingWrite outstandingWrite;

    /** A tick fell while a write outside any cycle was outstanding: start the cycle after it. */
    private boolean cycleDue;

    private volatile long writesDone;

    /**
     * Cycle latencies in µs, one significant digit (buckets within about 6 %): a few hundred ints
     * per device, so ten thousand devices keep theirs.
     */
    private final IntCountsHistogram latency = new IntCountsHistogram(MAX_LATENCY_MICROS, 1);

    private volatile long cycles;
    private volatile long missed;
    private volatile long timeouts;
    private volatile long droppedBytes;
    private volatile long protocolErrors;
    private volatile long traps;
    private volatile long points;
    private volatile long lastLatencyMicros;
    private volatile String lastError;

    /**
     * A session whose device joins {@code group}: it shares the group's instance and executor.
     *
     * @param spec the device
     * @param group the instance group to join; it must have room
     * @param link the device's link, not yet started
     * @param sink where decoded points go
     * @param timers schedules ticks and response timeouts; its tasks only enqueue
     * @param clock the monotonic clock of the schedule and the wall clock of point timestamps
     */
    public Session(
            DeviceSpec spec,
            InstanceGroup group,
            Link link,
            PointSink sink,
            Timers timers,
            Clock clock) {
        this.spec = spec;
        this.module = group.module();
        this.link = link;
        this.sink = sink;
        this.timers = timers;
        this.clock = clock;
        this.group = group;
        this.serial = group.serial();
        this.configText = spec.config().text();
        this.passive = module.manifest().passive();
        this.periodNanos = spec.interval().toNanos();
        this.dev = group.join(this);
    }

    /**
     * Opens the driver instance and the link, then ticks every interval from one interval plus
     * {@code phaseNanos} after now.
     *
     * @param phaseNanos where in the interval this device's ticks fall, {@code 0 ≤ phase <
     *     interval}: devices started together are spread across the interval instead of all polling
     *     in the same instant
     */
    public synchronized void start(long phaseNanos) {
        if (state != SessionState.NEW) {
            throw new IllegalStateException("session " + spec.name() + " is " + state);
        }
        if (phaseNanos < 0 || phaseNanos >= periodNanos) {
            throw new IllegalArgumentException(
                    "phase must be 0.." + (periodNanos - 1) + " ns, got " + phaseNanos);
        }
        state = SessionState.RUNNING;
        serial.execute(this::ensureInstance);
        link.start(this);
        nextTickNanos = clock.nanoTime() + periodNanos + phaseNanos;
        scheduleTick();
    }

    /** Starts with no phase offset. */
    public void start() {
        start(0);
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
        if (state == SessionState.STOPPED) {
            return;
        }
        if (state == SessionState.NEW) {
            state = SessionState.STOPPED;
            stopped.complete(null);
            return;
        }
        if (ticker != null) {
            ticker.cancel();
        }
        state = SessionState.STOPPED;
        link.close();
        serial.execute(
                () -> {
                    endCycle();
                    abandonSwap();
                    while (!writes.isEmpty()) {
                        writes.poll()
                                .finish(
                                        WriteResult.of(
                                                WriteResult.Outcome.UNAVAILABLE, unavailable()));
                    }
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
                    stopped.complete(null);
                });
    }

    /**
     * Stops after the transaction in progress: no new tick, no new request or write; the request on
     * the wire gets its answer (or its timeout) and is decoded as usual, then the session stops as
     * {@link #stop} does. The points of an answered request are real readings, so a graceful
     * shutdown keeps them; a cycle cut short this way gives no points for the requests it did not
     * send.
     *
     * @return completes when the session has stopped
     */
    public synchronized CompletableFuture<Void> finish() {
        if (state == SessionState.STOPPED || state == SessionState.NEW) {
            stop();
            return stopped;
        }
        draining = true;
        if (ticker != null) {
            ticker.cancel();
        }
        serial.execute(
                () -> {
                    if (!outstanding) {
                        stop();
                    }
                });
        return stopped;
    }

    /** Completes when the session has stopped and closed its device in the driver. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    public DeviceSpec spec() {
        return spec;
    }

    @Override
    public String name() {
        return spec.name();
    }

    public SessionState state() {
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
                droppedBytes + framer.dropped(),
                protocolErrors,
                traps,
                points,
                lastLatencyMicros,
                writesDone,
                lastError);
    }

    /** A copy of the cycle latency histogram (µs) since the session started. */
    public AbstractHistogram latencyMicros() {
        synchronized (latency) {
            return latency.copy();
        }
    }

    /**
     * Writes {@code value} to the point named {@code point} through the driver's {@code weir_write}
     * (ABI §7.6). The write waits for the transaction in progress, then goes before the next poll
     * request; between cycles it goes at once. Its result — the device's acknowledgement, its
     * exception code, a timeout, or why it could not be sent — completes the future; it never
     * appears among the point readings.
     *
     * @throws IllegalArgumentException if the device has no point of that name
     */
    public CompletableFuture<WriteResult> write(String point, Value value) {
        int index = spec.pointNames().indexOf(point);
        if (index < 0) {
            throw new IllegalArgumentException(
                    "device "
                            + spec.name()
                            + " has no point \""
                            + point
                            + "\""
                            + (spec.pointNames().isEmpty()
                                    ? " (it runs in discovery mode, without a point map)"
                                    : ""));
        }
        PendingWrite w = new PendingWrite(index, value, new CompletableFuture<>());
        serial.execute(() -> enqueue(w));
        return w.result();
    }

    private void enqueue(PendingWrite w) {
        if (state != SessionState.RUNNING) {
            w.finish(WriteResult.of(WriteResult.Outcome.UNAVAILABLE, unavailable()));
            return;
        }
        if (writes.size() >= MAX_QUEUED_WRITES) {
            w.finish(
                    WriteResult.of(
                            WriteResult.Outcome.UNAVAILABLE,
                            MAX_QUEUED_WRITES + " writes already wait for " + spec.name()));
            return;
        }
        writes.add(w);
        if (!cycleActive && !outstanding) {
            proceed();
        }
    }

    private String unavailable() {
        return switch (state) {
            case NEW -> "device " + spec.name() + " is not started";
            case STOPPED -> "device " + spec.name() + " is stopped";
            case QUARANTINED -> quarantineReason();
            case CONFIG_ERROR -> lastError;
            case RUNNING -> "driver instance not running";
        };
    }

    private String quarantineReason() {
        return "driver "
                + module.label()
                + " is quarantined after "
                + Abi.QUARANTINE_TRAPS
                + " traps within 10 minutes";
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

    // ---- the schedule --------------------------------------------------------------------------

    private synchronized void scheduleTick() {
        if (state == SessionState.STOPPED) {
            return;
        }
        ticker =
                timers.schedule(
                        nextTickNanos - clock.nanoTime(), () -> serial.execute(this::onTick));
    }

    private void onTick() {
        if (state == SessionState.STOPPED || draining) {
            return;
        }
        // Ticks stay on their grid: a tick that ran late by whole periods (a busy executor, a
        // paused JVM) made those periods' ticks fall due unserved. They are missed, not queued.
        long late = clock.nanoTime() - nextTickNanos;
        long skipped = late >= periodNanos ? late / periodNanos : 0;
        missed += skipped;
        nextTickNanos += (skipped + 1) * periodNanos;
        scheduleTick();
        tick();
    }

    private void tick() {
        if (cycleActive) {
            missed++;
            return;
        }
        if (outstanding) {
            // A write between cycles is on the wire: the cycle starts as soon as it is answered.
            cycleDue = true;
            return;
        }
        startCycle();
    }

    private void startCycle() {
        if (pendingSwap != null) {
            // A swap waited for the cycle (or write) in progress; this is the next boundary.
            swapNow();
        }
        long now = clock.currentTimeMillis();
        if (!ensureInstance()) {
            String why =
                    state == SessionState.QUARANTINED
                            ? quarantineReason()
                            : state == SessionState.CONFIG_ERROR
                                    ? lastError
                                    : "driver instance not running";
            allPoints(
                    state == SessionState.CONFIG_ERROR ? Quality.BAD_CONFIG : Quality.BAD_COMM,
                    now,
                    why);
            return;
        }
        if (!link.connected()) {
            String reason = link.downReason();
            allPoints(Quality.BAD_COMM, now, "link down: " + (reason == null ? "?" : reason));
            return;
        }
        cycles++;
        cycleActive = true;
        cycleStartNanos = clock.nanoTime();
        next();
    }

    // ---- the cycle (serial executor) ---------------------------------------------------------

    private long nowUs() {
        return clock.currentTimeMillis() * 1000;
    }

    /** Opens an instance if there is none; false if the device cannot be served now. */
    private boolean ensureInstance() {
        if (instance != null && !instance.dead()) {
            return true;
        }
        instance = null;
        if (state == SessionState.STOPPED || state == SessionState.CONFIG_ERROR) {
            return false;
        }
        if (module.quarantined()) {
            state = SessionState.QUARANTINED;
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
            framer.reset(candidate.rxCapacity());
            return true;
        } catch (DriverException e) {
            state = SessionState.CONFIG_ERROR;
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
            state = SessionState.CONFIG_ERROR;
            lastError = e.getMessage();
            LOG.log(Level.ERROR, "{0}: {1}", spec.name(), e.getMessage());
            return false;
        }
    }

    /** Asks the driver for the next request of the cycle and sends it (§7.1). */
    private void next() {
        if (state == SessionState.STOPPED) {
            // stop(): no new request; the cycle ends here.
            endCycle();
            return;
        }
        if (sendWrite()) {
            return;
        }
        try {
            while (true) {
                Request r = instance.poll(dev, nowUs());
                if (r.endOfCycle()) {
                    cycleComplete();
                    return;
                }
                if (!link.send(r.bytes())) {
                    lostLink("link down: " + link.downReason());
                    return;
                }
                if (r.expectResponse()) {
                    await(r);
                    return;
                }
            }
        } catch (DriverTrapped e) {
            trapped(e);
        } catch (DriverException e) {
            driverFailed(e);
        }
    }

    /**
     * After a transaction: the cycle goes on, or the next write goes out, or a due cycle starts.
     */
    private void proceed() {
        if (draining) {
            cycleActive = false;
            stop();
            return;
        }
        if (cycleActive) {
            next();
            return;
        }
        if (sendWrite()) {
            return;
        }
        if (cycleDue) {
            cycleDue = false;
            startCycle();
        }
    }

    /**
     * Sends the first queued write that can go (ABI §7.6: between two requests, never while one is
     * outstanding). Writes that cannot go are answered at once.
     *
     * @return whether a write is now outstanding
     */
    private boolean sendWrite() {
        while (!writes.isEmpty() && state != SessionState.STOPPED) {
            PendingWrite w = writes.poll();
            if (!ensureInstance()) {
                w.finish(WriteResult.of(WriteResult.Outcome.UNAVAILABLE, unavailable()));
                continue;
            }
            if (!link.connected()) {
                w.finish(
                        WriteResult.of(
                                WriteResult.Outcome.LINK_DOWN, "link down: " + link.downReason()));
                continue;
            }
            Request r;
            try {
                r = encodeWrite(w);
            } catch (DriverException e) {
                String text = e.driverText().isEmpty() ? e.getMessage() : e.driverText();
                w.finish(WriteResult.of(WriteResult.Outcome.REFUSED, text));
                continue;
            } catch (IllegalArgumentException e) {
                w.finish(WriteResult.of(WriteResult.Outcome.REFUSED, e.getMessage()));
                continue;
            } catch (DriverTrapped e) {
                w.finish(
                        WriteResult.of(
                                WriteResult.Outcome.UNAVAILABLE,
                                "driver trapped: " + e.getMessage()));
                trapped(e);
                return true;
            }
            if (!link.send(r.bytes())) {
                w.finish(
                        WriteResult.of(
                                WriteResult.Outcome.LINK_DOWN, "link down: " + link.downReason()));
                continue;
            }
            writesDone++;
            if (!r.expectResponse()) {
                w.finish(WriteResult.acknowledged());
                continue;
            }
            outstandingWrite = w;
            await(r);
            return true;
        }
        return false;
    }

    private Request encodeWrite(PendingWrite w) throws DriverException {
        Value v = w.value();
        ValueType type = v.type();
        long now = nowUs();
        return switch (type) {
            case STR -> instance.write(dev, w.point(), type, ((Value.Str) v).utf8(), now);
            case BYTES -> instance.write(dev, w.point(), type, ((Value.Bytes) v).value(), now);
            case BOOL ->
                    instance.write(dev, w.point(), type, ((Value.Bool) v).value() ? 1 : 0, now);
            case I64 -> instance.write(dev, w.point(), type, ((Value.I64) v).value(), now);
            case U64 -> instance.write(dev, w.point(), type, ((Value.U64) v).bits(), now);
            case F64 ->
                    instance.write(
                            dev,
                            w.point(),
                            type,
                            Double.doubleToRawLongBits(((Value.F64) v).value()),
                            now);
            default -> throw new IllegalArgumentException("a " + type + " value cannot be written");
        };
    }

    /** The request just sent expects an answer: wait for it, at most its timeout. */
    private void await(Request r) {
        outstanding = true;
        outstandingTimeoutMs = r.timeoutMs() == 0 ? Abi.DEFAULT_RESPONSE_TIMEOUT_MS : r.timeoutMs();
        long seq = ++requestSeq;
        timeout =
                timers.schedule(
                        outstandingTimeoutMs * 1_000_000L,
                        () -> serial.execute(() -> onTimeout(seq)));
    }

    /** A write's answer: the driver's records say how it went (§7.6); they are not readings. */
    private void answerWrite(PendingWrite w, Batch batch) {
        for (Point p : batch.points) {
            if (p.quality() == Quality.BAD_DEVICE.code()) {
                long code = p.value() instanceof Value.U64 u ? u.bits() : -1;
                w.finish(new WriteResult(WriteResult.Outcome.DEVICE_EXCEPTION, driverText(), code));
                return;
            }
            if (Quality.classOf(p.quality()) != Quality.QualityClass.GOOD) {
                w.finish(WriteResult.of(WriteResult.Outcome.REFUSED, driverText()));
                return;
            }
        }
        w.finish(WriteResult.acknowledged());
    }

    private String driverText() {
        try {
            String t = instance == null ? "" : instance.lastError(dev);
            return t.isEmpty() ? null : t;
        } catch (DriverException e) {
            return null;
        }
    }

    /** Whether received bytes are wanted: a request is outstanding, or the driver listens. */
    private boolean listening() {
        return instance != null && (outstanding || passive);
    }

    private void onBytes(byte[] bytes) {
        if (!listening()) {
            // A late answer after a timeout, or chatter: nothing asked for it.
            droppedBytes += bytes.length;
            return;
        }
        try {
            framer.feed(bytes, 0, bytes.length, decoder);
        } catch (DriverException e) {
            // The framer dropped what it held.
            protocolErrors++;
            lastError = e.getMessage();
        } catch (DriverTrapped e) {
            trapped(e);
        }
        if (!listening()) {
            framer.clear();
        }
    }

    /** The framer's view of the driver (§7.2, §7.3). */
    private final class Decoder implements Framer.Decoder {
        @Override
        public FrameLength frameLen(byte[] bytes, int off, int len) throws DriverException {
            return instance.frameLen(dev, bytes, off, len);
        }

        @Override
        public boolean frame(byte[] bytes, int off, int len) {
            Batch batch = new Batch();
            try {
                instance.onFrame(dev, len, nowUs(), batch);
            } catch (DriverException e) {
                // §7.3: E_PROTO leaves the request outstanding; a late right answer is still
                // taken.
                protocolErrors++;
                lastError = e.getMessage();
                droppedBytes += len;
                return listening();
            } catch (DriverTrapped e) {
                trapped(e);
                return false;
            }
            PendingWrite w = outstandingWrite;
            if (w != null) {
                outstandingWrite = null;
                answerWrite(w, batch);
            } else {
                deliver(batch, null);
            }
            if (outstanding) {
                outstanding = false;
                cancelTimeout();
                proceed();
            }
            return listening();
        }
    }

    private void onTimeout(long seq) {
        if (!outstanding || seq != requestSeq || instance == null) {
            return;
        }
        if (state == SessionState.STOPPED) {
            // The timer fired while stop() was on its way: the host stopped waiting, see stop().
            endCycle();
            return;
        }
        timeouts++;
        String why = "no response within " + outstandingTimeoutMs + " ms";
        lastError = why;
        PendingWrite w = outstandingWrite;
        outstandingWrite = null;
        if (w != null) {
            w.finish(WriteResult.of(WriteResult.Outcome.TIMEOUT, why));
        }
        respondTimeout(why, w == null);
        if (instance != null) {
            proceed();
        }
    }

    /** §7.4: discard what was received, let the driver write BAD_COMM records for the request. */
    private void respondTimeout(String why, boolean deliver) {
        outstanding = false;
        cancelTimeout();
        framer.clear();
        Batch batch = new Batch();
        try {
            instance.onTimeout(dev, nowUs(), batch);
            if (deliver) {
                deliver(batch, why);
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
        if (state == SessionState.STOPPED) {
            // stop() closed the link under this request: not a device failure, see stop().
            endCycle();
            return;
        }
        lastError = why;
        cycleActive = false;
        PendingWrite w = outstandingWrite;
        outstandingWrite = null;
        if (w != null) {
            w.finish(WriteResult.of(WriteResult.Outcome.LINK_DOWN, why));
            if (outstanding && instance != null) {
                respondTimeout(why, false);
            }
            return;
        }
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
        allPoints(Quality.BAD_COMM, clock.currentTimeMillis(), why);
    }

    /** The driver ended the cycle: keep its state for a new instance, let it collect garbage. */
    private void cycleComplete() {
        cycleActive = false;
        long micros = (clock.nanoTime() - cycleStartNanos) / 1000;
        lastLatencyMicros = micros;
        synchronized (latency) {
            latency.recordValue(Math.max(0, Math.min(micros, MAX_LATENCY_MICROS)));
        }
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
            return;
        }
        if (pendingSwap != null && !outstanding) {
            swapNow();
        }
    }

    /**
     * Ends the cycle in progress without points: no request outstanding, no timer, nothing
     * buffered. Every way a cycle is cut short (a stop, a trap, a lost instance, a refused call)
     * goes through here.
     */
    private void endCycle() {
        outstanding = false;
        cancelTimeout();
        framer.clear();
        cycleActive = false;
        PendingWrite w = outstandingWrite;
        outstandingWrite = null;
        if (w != null) {
            String why =
                    state == SessionState.STOPPED || lastError == null ? unavailable() : lastError;
            w.finish(WriteResult.of(WriteResult.Outcome.UNAVAILABLE, why));
        }
    }

    /** A negative return outside framing: the cycle cannot go on. */
    private void driverFailed(DriverException e) {
        protocolErrors++;
        lastError = e.getMessage();
        LOG.log(Level.WARNING, "{0}: {1}", spec.name(), e.getMessage());
        endCycle();
        allPoints(Quality.BAD, clock.currentTimeMillis(), e.getMessage());
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
        endCycle();
        if (module.recordTrap(clock.currentTimeMillis()) && state != SessionState.STOPPED) {
            state = SessionState.QUARANTINED;
        }
        allPoints(Quality.BAD_COMM, clock.currentTimeMillis(), "driver trapped: " + e.getMessage());
        if (dead != null) {
            group.lost(
                    dead, this, "driver trapped in device " + spec.name() + ": " + e.getMessage());
        }
    }

    /**
     * Another device of the group trapped the instance this one was open on (called on the group's
     * executor): the same consequences, without counting a trap of this device.
     */
    @Override
    public void instanceLost(DriverInstance dead, String why) {
        if (instance != dead) {
            return;
        }
        instance = null;
        endCycle();
        lastError = why;
        if (module.quarantined() && state == SessionState.RUNNING) {
            state = SessionState.QUARANTINED;
        }
        allPoints(Quality.BAD_COMM, clock.currentTimeMillis(), why);
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel();
            timeout = null;
        }
    }

    // ---- hot swap (ABI §7.7) -------------------------------------------------------------------

    /**
     * What a swap did for one device.
     *
     * @param device the device
     * @param from the version it ran, e.g. {@code modbus 0.1.0}
     * @param to the version it runs now
     * @param pauseNanos how long the device was between versions, between two of its cycles: saving
     *     the state on the old instance, loading it on the new one, closing the old
     * @param stateRestored whether the new version took the old one's state; false is a cold start
     *     (no state, another {@code state_schema}, or {@code weir_load_state} refused it)
     */
    public record Swap(
            String device, String from, String to, long pauseNanos, boolean stateRestored) {}

    /**
     * The new version, opened for this device off its executor and ready to take over: {@link
     * #prepareSwap}, then {@link #swap(Prepared)}.
     */
    public static final class Prepared {
        private final Session session;
        private final InstanceGroup next;
        private final int dev;
        private final DriverInstance instance;

        private Prepared(Session session, InstanceGroup next, int dev, DriverInstance instance) {
            this.session = session;
            this.next = next;
            this.dev = dev;
            this.instance = instance;
        }

        /** Gives the prepared handle up (another device refused, the swap is off). */
        public void release() {
            session.serial.execute(session.release(this));
        }
    }

    /** A swap waiting for the cycle boundary. */
    private record PendingSwap(Prepared prepared, CompletableFuture<Swap> done) {}

    private PendingSwap pendingSwap;
    private volatile long swaps;

    /**
     * Opens this device on an instance of the new version, {@code next.module()}, with the same
     * config — before the swap, on the calling thread, so that the device's pause between two
     * cycles holds only the state handover. Nothing else may use {@code next} meanwhile: prepare
     * every device of a group before any of them swaps.
     *
     * @param next the group to join, from {@link InstanceGroup#successor} of this device's group
     * @throws IllegalStateException if the new version refuses the device (it then stays on the old
     *     one)
     */
    public Prepared prepareSwap(InstanceGroup next) {
        int nextDev = next.join(this);
        DriverInstance candidate = null;
        try {
            candidate = next.instanceFor(this, nextDev);
            try {
                candidate.open(nextDev, configText, nowUs());
            } catch (DriverException e) {
                if (e.error() != AbiError.E_UNSUPPORTED
                        || !next.isShared(candidate)
                        || nextDev == 0) {
                    throw e;
                }
                // §2.6: the driver serves one device per instance; take a private one.
                next.onePerInstance();
                candidate = next.instanceFor(this, nextDev);
                candidate.open(nextDev, configText, nowUs());
            }
            return new Prepared(this, next, nextDev, candidate);
        } catch (DriverException | RuntimeException e) {
            if (candidate != null && !next.isShared(candidate)) {
                candidate.close();
            }
            next.leave(this);
            throw new IllegalStateException(
                    spec.name()
                            + ": "
                            + next.module().label()
                            + " refused the device: "
                            + e.getMessage(),
                    e);
        }
    }

    /** Prepares and swaps: {@link #prepareSwap}, then {@link #swap(Prepared)}. */
    public CompletableFuture<Swap> swap(InstanceGroup next) {
        try {
            return swap(prepareSwap(next));
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Switches this device to the prepared version at the next cycle boundary (ABI §7.7: a driver
     * keeps no position inside a cycle): the request on the wire and the cycle in progress finish
     * on the old version; between two cycles the old instance saves the device's state, the new one
     * loads it (a cold start when the state schemas differ or it refuses the state), and the old
     * instance closes the device. The link stays up. A device that the quarantine or a config error
     * stopped runs again on the new version.
     *
     * @return completes when the device runs the new version, or exceptionally ({@link
     *     IllegalStateException}) if it stopped first
     */
    public CompletableFuture<Swap> swap(Prepared prepared) {
        if (prepared.session != this) {
            throw new IllegalArgumentException("prepared for " + prepared.session.name());
        }
        CompletableFuture<Swap> done = new CompletableFuture<>();
        serial.execute(
                () -> {
                    if (state == SessionState.STOPPED || draining) {
                        release(prepared).run();
                        done.completeExceptionally(
                                new IllegalStateException(spec.name() + " is stopped"));
                        return;
                    }
                    if (pendingSwap != null) {
                        release(pendingSwap.prepared()).run();
                        pendingSwap
                                .done()
                                .completeExceptionally(
                                        new IllegalStateException(
                                                spec.name() + ": replaced by a later swap"));
                    }
                    pendingSwap = new PendingSwap(prepared, done);
                    if (!cycleActive && !outstanding) {
                        swapNow();
                    }
                });
        return done;
    }

    /** Closes a prepared handle that will not be used. */
    private Runnable release(Prepared p) {
        return () -> {
            try {
                p.instance.close(p.dev);
            } catch (DriverException | DriverTrapped e) {
                LOG.log(
                        Level.DEBUG,
                        "{0}: close of an unused version: {1}",
                        spec.name(),
                        e.getMessage());
            }
            if (!p.next.isShared(p.instance)) {
                p.instance.close();
            }
            p.next.leave(this);
        };
    }

    /** A stopped device swaps no more. */
    private void abandonSwap() {
        if (pendingSwap != null) {
            release(pendingSwap.prepared()).run();
            pendingSwap
                    .done()
                    .completeExceptionally(new IllegalStateException(spec.name() + " stopped"));
            pendingSwap = null;
        }
    }

    /** Hot swaps done. */
    public long swaps() {
        return swaps;
    }

    /** The driver version this device runs. */
    public DriverModule module() {
        return module;
    }

    /** The instance group this device belongs to (a swap moves it to a successor). */
    public InstanceGroup group() {
        return group;
    }

    /** The swap itself, between two cycles, on the group's executor. */
    private void swapNow() {
        PendingSwap p = pendingSwap;
        pendingSwap = null;
        Prepared next = p.prepared();
        long t0 = clock.nanoTime();
        DriverModule old = module;
        DriverModule nextModule = next.next.module();
        DriverInstance mine = instance != null && !instance.dead() ? instance : null;
        byte[] carried = savedState;
        if (mine != null && old.manifest().hasState()) {
            try {
                carried = mine.saveState(dev);
            } catch (DriverException | DriverTrapped e) {
                // §7.7: the host never blocks a swap on these calls; a failure is a cold start.
                LOG.log(
                        Level.WARNING,
                        "{0}: save_state before the swap: {1}",
                        spec.name(),
                        e.getMessage());
                carried = null;
            }
        }
        boolean restored = false;
        if (carried != null
                && nextModule.manifest().hasState()
                && java.util.Objects.equals(
                        old.manifest().stateSchema(), nextModule.manifest().stateSchema())) {
            try {
                next.instance.loadState(next.dev, carried);
                restored = true;
            } catch (DriverException e) {
                LOG.log(
                        Level.WARNING,
                        "{0}: state not restored after the swap: {1}",
                        spec.name(),
                        e.getMessage());
            } catch (DriverTrapped e) {
                // The new instance is gone; the device stays on the old version.
                release(next).run();
                p.done()
                        .completeExceptionally(
                                new IllegalStateException(
                                        spec.name()
                                                + ": "
                                                + nextModule.label()
                                                + " trapped loading the state: "
                                                + e.getMessage(),
                                        e));
                return;
            }
        }
        if (mine != null) {
            try {
                mine.close(dev);
            } catch (DriverException | DriverTrapped e) {
                LOG.log(Level.DEBUG, "{0}: close after the swap: {1}", spec.name(), e.getMessage());
            }
            if (!group.isShared(mine)) {
                mine.close();
            }
        }
        group.leave(this);
        module = nextModule;
        group = next.next;
        dev = next.dev;
        passive = nextModule.manifest().passive();
        instance = next.instance;
        savedState = restored ? carried : null;
        framer.reset(next.instance.rxCapacity());
        if (state == SessionState.QUARANTINED || state == SessionState.CONFIG_ERROR) {
            state = SessionState.RUNNING;
            lastError = null;
        }
        swaps++;
        long pause = clock.nanoTime() - t0;
        LOG.log(
                Level.DEBUG,
                "{0}: {1} -> {2} ({3} state, {4} µs)",
                spec.name(),
                old.label(),
                nextModule.label(),
                restored ? "with its" : "cold, no",
                pause / 1000);
        p.done().complete(new Swap(spec.name(), old.label(), nextModule.label(), pause, restored));
    }

    // ---- points ------------------------------------------------------------------------------

    /**
     * The records of one call, turned into points as they are read: a point's name comes from the
     * device's map (or the driver, for a named record), its reason is filled in afterwards if any
     * record is bad.
     */
    private final class Batch implements DriverInstance.RecordSink {
        final List<Point> points = new ArrayList<>();
        boolean anyBad;

        @Override
        public void record(int point, String name, Value value, int quality, long tsUs, int flags) {
            String n = name != null ? name : pointName(point);
            points.add(new Point(spec.name(), n, value, quality, Math.floorDiv(tsUs, 1000), null));
            anyBad |= Quality.classOf(quality) != Quality.QualityClass.GOOD;
        }
    }

    private void deliver(Batch batch, String why) {
        if (batch.points.isEmpty()) {
            return;
        }
        List<Point> out = batch.points;
        if (batch.anyBad) {
            String error = why;
            if (error == null && instance != null) {
                try {
                    error = instance.lastError(dev);
                } catch (DriverException e) {
                    error = "";
                }
            }
            out = new ArrayList<>(batch.points.size());
            for (Point p : batch.points) {
                if (Quality.classOf(p.quality()) == Quality.QualityClass.GOOD) {
                    out.add(p);
                } else {
                    String text =
                            error == null || error.isEmpty() ? Quality.nameOf(p.quality()) : error;
                    out.add(
                            new Point(
                                    p.device(),
                                    p.point(),
                                    p.value(),
                                    p.quality(),
                                    p.tsMillis(),
                                    text));
                }
            }
        }
        points += out.size();
        sink.accept(out);
    }

    private String pointName(int index) {
        List<String> names = spec.pointNames();
        return index >= 0 && index < names.size() ? names.get(index) : "#" + index;
    }

    /** A bad point for every point of the device's map (none in discovery mode). */
    private void allPoints(Quality quality, long nowMillis, String why) {
        List<String> names = spec.pointNames();
        if (names.isEmpty()) {
            return;
        }
        List<Point> batch = new ArrayList<>(names.size());
        for (String n : names) {
            batch.add(new Point(spec.name(), n, Value.NULL, quality.code(), nowMillis, why));
        }
        points += batch.size();
        sink.accept(batch);
    }
}
