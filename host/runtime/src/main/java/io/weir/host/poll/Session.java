package io.weir.host.poll;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.CanFrame;
import io.weir.abi.FrameFlag;
import io.weir.abi.Layout;
import io.weir.abi.Manifest;
import io.weir.abi.Quality;
import io.weir.abi.RecordFlag;
import io.weir.abi.ValueType;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverTrapped;
import io.weir.host.driver.FrameLength;
import io.weir.host.driver.OnBytes;
import io.weir.host.driver.Request;
import io.weir.host.io.Link;
import io.weir.host.io.LinkListener;
import io.weir.host.points.DeviceStatus;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import io.weir.host.points.Value;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * One device: its link, its driver instance and its poll schedule, as a state machine driven by
 * events — schedule ticks, received bytes, line silence, response timeouts, link up and down — with
 * no I/O and no clock of its own: the link, the {@link Timers} and the {@link Clock} are given, so
 * a test drives it with a fake link and fake time.
 *
 * <p>Each tick runs a cycle as ABI §7.1–7.4 describe — {@code weir_poll}, send, collect bytes,
 * {@code weir_frame_len}, {@code weir_on_frame} or {@code weir_on_timeout} — with never more than
 * one request outstanding and never two cycles at once: a tick that finds a cycle still running is
 * counted as missed, not queued, and so is every tick that fell due while the executor was late.
 * Ticks fall on a fixed grid of the monotonic clock (start, phase, period), so cycles do not drift
 * and devices started together are spread across the interval. Traps follow §9: the instance is
 * dropped, the points go {@code BAD_COMM}, and the next tick opens a fresh instance from the shared
 * compiled module with the same config and the last saved state, unless the driver version is
 * quarantined; a device whose instances trap again and again waits exponentially longer before each
 * new one.
 *
 * <p>With agreed version 1.1 (ABI §3.3) the session also calls {@code weir_link_up} after every
 * connect (§7.9), {@code weir_frame_end} when a line with frame silence falls silent (§7.10) and
 * {@code weir_tick} at every tick (§7.11), honours the frame flags {@code NOT_ANSWER} and {@code
 * POLL_NOW} (§7.3) and the record flags {@code WRITE_RESULT} and {@code DEVICE_STATUS} (§6.3), and
 * adds the host key {@code weir.transport} to the config (§5.1). The limits of §9 that live here
 * (requests and bytes per cycle, the response timeout cap, point indexes) apply to every driver.
 *
 * <p>All work runs on the instance group's serial executor; link events and timers only enqueue,
 * but for an answer on a link that runs short tasks, which a quick driver decodes on the link's
 * thread when the executor is idle ({@link #received}), and for such a driver's tick, which the
 * link's thread runs the same way ({@link #tickDue}).
 */
public final class Session implements LinkListener, InstanceGroup.Member {

    private static final System.Logger LOG = System.getLogger("io.weir.poll");

    private final DeviceSpec spec;

    /**
     * The driver version, its manifest and limits; they change only in a hot swap ({@link #swap}),
     * on the serial executor.
     */
    private volatile DriverModule module;

    private Manifest manifest;
    private DriverLimits limits;
    private final Link link;
    private final PointSink sink;
    private final Timers timers;
    private final Clock clock;
    private volatile InstanceGroup group;
    private final SerialExecutor serial;
    private String configText;
    private final String transportKind;

    /** The ticks' grid: the poll interval, or {@link #CONTINUOUS_RETRY_NANOS} when continuous. */
    private final long periodNanos;

    /**
     * A poll interval of 0: continuous scanning. The next cycle starts as soon as the last one
     * ends, on the thread that ended it; ticks every {@link #CONTINUOUS_RETRY_NANOS} only start a
     * cycle when none runs (the link was down, the instance trapped, a cycle had nothing to wait
     * for), and a tick that finds a cycle running is no overrun: there is no grid to miss.
     */
    private final boolean continuous;

    /** How often a continuously scanned device that is not scanning tries again. */
    static final long CONTINUOUS_RETRY_NANOS = 1_000_000_000L;

    /** The cycle in progress sent a request that expected an answer. */
    private boolean cycleAwaited;

    /** Agreed version 1.1 (§3.3): the v1.1 calls, fields and flags apply. */
    private boolean v11;

    /** Bytes that arrive with no request outstanding are framed and decoded (§7.3). */
    private boolean unsolicited;

    /** A CAN link with agreed version 1.1: one encoded frame per delivery, frames in tx (§6.4). */
    private boolean can;

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

    /**
     * How often the end of a cycle saves the driver's state (ABI §7.7) for the fresh instance that
     * follows a trap: at most once this long. A swap saves the running instance's state itself.
     */
    static final long STATE_SAVE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** When the state was saved last ({@link Clock#nanoTime}). */
    private long stateSavedNanos;

    /**
     * The next cycle's end saves the state, however recently it was saved: the instance is new (it
     * started cold, restored a state or took over in a swap) or the link came up again (a driver
     * keeps what it negotiated with the device in its state, §7.9).
     */
    private boolean stateStale = true;

    /**
     * A cycle runs. Volatile: the timer's thread reads it to count a tick that finds the cycle
     * running without a hop to the executor ({@link #tickDue}).
     */
    private volatile boolean cycleActive;

    private long cycleStartNanos;
    private boolean outstanding;
    private int outstandingTimeoutMs;

    /**
     * The outstanding request's deadline on the monotonic clock. One timer serves the requests of a
     * cycle: a request moves the deadline and keeps the timer when the timer runs first, and a
     * timer that runs before the deadline arms itself again for the rest ({@link #timeoutDue}).
     * Back to back, a hundred requests a cycle cost one timer instead of a hundred scheduled and
     * cancelled on the timer's thread (BENCHMARKS.md §3).
     */
    private long timeoutAtNanos;

    private Timers.Timer timeout;

    /** When {@link #timeout} runs, and which arming it is (a cancelled one may still run). */
    private long timerAtNanos;

    private long timerGeneration;

    /** Requests and bytes sent in the current cycle (§9 limits). */
    private int cycleRequests;

    private long cycleTxBytes;

    /** A frame asked for a {@code weir_poll} as soon as no request is outstanding (§7.3). */
    private boolean pollNow;

    /**
     * The cycle's request marked {@code LAST} (ABI v1.2 §7.1) is sent: once it is over the cycle
     * ends where the closing {@code weir_poll} would have been called.
     */
    private boolean lastOfCycle;

    // ---- the link, as this session has heard of it ----

    /** The link's up event was handled and no down event since. */
    private boolean linkUp;

    /** The down reason last logged while the link stays down, and how many repeats were not. */
    private String downLogged;

    private int downRepeats;

    /** No instance has used the current connection yet (§7.9). */
    private boolean connectionFresh;

    /** The current instance accepted {@code weir_link_up} for the current connection (§7.9). */
    private boolean linkReady;

    /** Sends through a queuing link, and of them the ones reported on the wire ({@code sent}). */
    private long queuedSends;

    private long wireSends;

    /** The outstanding request waits in the link's queue: its timeout is not running yet. */
    private boolean awaitingWire;

    private long outstandingSendSeq;

    /** Line silence (§7.10): the timer, and when the last bytes arrived. */
    private Timers.Timer silenceTimer;

    private long lastRxNanos;

    // ---- crash-loop breaker ----

    private int trapsInARow;
    private long instanceNotBeforeNanos;

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

    /**
     * Counted on the executor and, for a tick that finds the cycle running, on the timer's thread.
     */
    private volatile long missed;

    private static final AtomicLongFieldUpdater<Session> MISSED =
            AtomicLongFieldUpdater.newUpdater(Session.class, "missed");

    private volatile long unserved;
    private volatile long timeouts;
    private volatile long droppedBytes;
    private volatile long protocolErrors;
    private volatile long traps;
    private volatile long violations;
    private volatile long points;
    private volatile long lastLatencyMicros;
    private volatile String lastError;
    private volatile DeviceStatus deviceStatus;

    /**
     * A session whose device joins {@code group}, on a link of the driver's primary transport.
     *
     * @see #Session(DeviceSpec, InstanceGroup, Link, PointSink, Timers, Clock, String)
     */
    public Session(
            DeviceSpec spec,
            InstanceGroup group,
            Link link,
            PointSink sink,
            Timers timers,
            Clock clock) {
        this(spec, group, link, sink, timers, clock, group.module().manifest().transport());
    }

    /**
     * A session whose device joins {@code group}: it shares the group's instance and executor.
     *
     * @param spec the device
     * @param group the instance group to join; it must have room
     * @param link the device's link, not yet started
     * @param sink where decoded points and device status go
     * @param timers schedules ticks, response timeouts and line silence; its tasks only enqueue
     * @param clock the monotonic clock of the schedule and the wall clock of point timestamps
     * @param transportKind the transport the link speaks ({@code tcp}, {@code serial}, {@code can};
     *     {@link io.weir.host.io.Transport#kind(io.weir.host.io.LinkAddress)}), one of the driver's
     *     transports; with agreed version 1.1 the driver learns it as {@code weir.transport}
     * @throws IllegalArgumentException if the driver does not speak over that transport
     */
    public Session(
            DeviceSpec spec,
            InstanceGroup group,
            Link link,
            PointSink sink,
            Timers timers,
            Clock clock,
            String transportKind) {
        this.spec = spec;
        this.module = group.module();
        this.manifest = module.manifest();
        this.limits = module.limits();
        this.link = link;
        this.sink = sink;
        this.timers = timers;
        this.clock = clock;
        this.group = group;
        this.serial = group.serial();
        this.v11 = module.agreedMinor() >= Abi.MINOR_1_1;
        this.transportKind = Objects.requireNonNull(transportKind, "transportKind");
        if (!manifest.allTransports().contains(transportKind)) {
            throw new IllegalArgumentException(
                    "device "
                            + spec.name()
                            + ": driver "
                            + module.label()
                            + " speaks over "
                            + String.join(" or ", manifest.allTransports())
                            + ", not over "
                            + transportKind);
        }
        this.configText = configText(module);
        this.unsolicited = manifest.receivesUnsolicited();
        this.can = v11 && "can".equals(transportKind);
        this.continuous = spec.continuous();
        this.periodNanos = continuous ? CONTINUOUS_RETRY_NANOS : spec.interval().toNanos();
        this.deviceStatus =
                new DeviceStatus(
                        spec.name(),
                        Quality.BAD_COMM.code(),
                        Value.NULL,
                        "link not connected yet",
                        clock.currentTimeMillis(),
                        false);
        this.dev = group.join(this);
    }

    /**
     * Opens the driver instance and the link, then ticks every interval from one interval plus
     * {@code phaseNanos} after now.
     *
     * @param phaseNanos where in the interval this device's ticks fall, {@code 0 ≤ phase <
     *     interval}: devices started together are spread across the interval instead of all polling
     *     in the same instant. A continuously scanned device (interval 0) takes phase 0 and starts
     *     its first cycle when its link comes up.
     */
    public synchronized void start(long phaseNanos) {
        if (state != SessionState.NEW) {
            throw new IllegalStateException("session " + spec.name() + " is " + state);
        }
        if (continuous ? phaseNanos != 0 : phaseNanos < 0 || phaseNanos >= periodNanos) {
            throw new IllegalArgumentException(
                    continuous
                            ? "a continuously scanned device has phase 0, got " + phaseNanos
                            : "phase must be 0.." + (periodNanos - 1) + " ns, got " + phaseNanos);
        }
        state = SessionState.RUNNING;
        serial.execute(this::ensureInstance);
        link.start(this);
        nextTickNanos = clock.nanoTime() + periodNanos + phaseNanos;
        // Continuous: the first cycle starts when the link comes up (onLinkUp); the ticks retry.
        scheduleTick();
    }

    /**
     * The config text a driver version sees. §5.1: with agreed version 1.1 the host keys follow the
     * operator's pairs on the device line; a v1.0 driver would rightly refuse the unknown key.
     */
    private String configText(DriverModule m) {
        return m.agreedMinor() >= Abi.MINOR_1_1
                ? spec.config().withHostKeys(Map.of(Abi.HOST_KEY_TRANSPORT, transportKind)).text()
                : spec.config().text();
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

    /** The driver version this device runs. */
    public DriverModule module() {
        return module;
    }

    @Override
    public String name() {
        return spec.name();
    }

    public SessionState state() {
        return state;
    }

    public SessionStatus status() {
        DeviceStatus ds = deviceStatus;
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
                unserved,
                timeouts,
                droppedBytes + framer.dropped(),
                protocolErrors,
                traps,
                points,
                lastLatencyMicros,
                writesDone,
                lastError,
                ds.quality(),
                ds.text(),
                violations,
                module.quarantine());
    }

    /** The device's latest status (ABI v1.1 §6.3): the host's at link events, else the driver's. */
    public DeviceStatus deviceStatus() {
        return deviceStatus;
    }

    /** A copy of the cycle latency histogram (µs) since the session started. */
    public AbstractHistogram latencyMicros() {
        synchronized (latency) {
            return latency.copy();
        }
    }

    /**
     * Adds the cycle latency histogram (µs, since the session started) to {@code target},
     * allocating nothing: a bench sums ten thousand devices into one histogram at each end of its
     * window and takes the difference, where a copy of each would cause the collection it then
     * measures.
     */
    public void addLatencyTo(AbstractHistogram target) {
        synchronized (latency) {
            target.add(latency);
        }
    }

    /**
     * Writes {@code value} to the point named {@code point} through the driver's {@code weir_write}
     * (ABI §7.6). The write waits for the transaction in progress, then goes before the next poll
     * request; between cycles it goes at once. Its result — the device's acknowledgement (with the
     * value it confirmed, from a v1.1 driver that reports one), its exception code, a timeout, or
     * why it could not be sent — completes the future; it never appears among the point readings.
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
            case RUNNING -> instanceMissing();
        };
    }

    /** Why there is no instance while the session runs: a crash-loop wait, or none. */
    private String instanceMissing() {
        long wait = instanceNotBeforeNanos - clock.nanoTime();
        if (wait > 0) {
            return "driver instance re-created in "
                    + (wait + 999_999) / 1_000_000
                    + " ms, after "
                    + trapsInARow
                    + " traps in a row";
        }
        return "driver instance not running";
    }

    private String quarantineReason() {
        DriverModule.Quarantine q = module.quarantine();
        if (q == null) {
            return "driver "
                    + module.label()
                    + " is quarantined after "
                    + Abi.QUARANTINE_TRAPS
                    + " traps within 10 minutes";
        }
        return "driver "
                + module.label()
                + " is quarantined after "
                + q.traps()
                + " traps within 10 minutes (since "
                + Instant.ofEpochMilli(q.sinceMillis())
                + "; last: "
                + q.reason()
                + ")";
    }

    /**
     * An operator lifted the driver version's quarantine ({@link DriverModule#clearQuarantine}):
     * the device starts afresh at its next tick, without waiting out its crash-loop backoff.
     */
    public void quarantineCleared() {
        serial.execute(
                () -> {
                    trapsInARow = 0;
                    instanceNotBeforeNanos = 0;
                    if (state == SessionState.QUARANTINED && !module.quarantined()) {
                        state = SessionState.RUNNING;
                    }
                });
    }

    // ---- link events (I/O thread: enqueue, or decode a quick answer) ---------------------------

    @Override
    public void linkUp() {
        serial.execute(this::onLinkUp);
    }

    /**
     * Whether an answer is decoded on the link's I/O thread ({@link Link#runsShortTasks}): once the
     * driver has decoded enough answers in a row quickly, by a version that never trapped ({@link
     * DriverModule#everTrapped}), the next request then goes out from there too, with no thread
     * hand-off. A slow answer (a large frame, a pause) sends the following ones back to the workers
     * until the driver is quick again, and one that held the I/O thread up raises the bar ({@link
     * QuickDecodes}); a runaway call stalls the I/O thread at most once per driver version, until
     * its budget stops it.
     */
    private final QuickDecodes decodes = new QuickDecodes();

    @Override
    public void received(byte[] bytes) {
        Runnable task = () -> timedBytes(bytes);
        if (quick()) {
            serial.executeHere(task);
        } else {
            serial.execute(task);
        }
    }

    /** Whether the driver may run on the link's I/O thread now (see {@link #decodes}). */
    private boolean quick() {
        return decodes.quick() && link.runsShortTasks() && !module.everTrapped();
    }

    /** {@link #onBytes}, counting how quickly the driver decoded. */
    private void timedBytes(byte[] bytes) {
        long t0 = System.nanoTime();
        onBytes(bytes);
        decodes.decoded(System.nanoTime() - t0);
    }

    @Override
    public void linkDown(String reason) {
        serial.execute(() -> onLinkDown(reason));
    }

    @Override
    public void sent() {
        serial.execute(this::onSent);
    }

    // ---- the schedule --------------------------------------------------------------------------

    private synchronized void scheduleTick() {
        if (state == SessionState.STOPPED) {
            return;
        }
        ticker = timers.schedule(nextTickNanos - clock.nanoTime(), this::tickDue);
    }

    /**
     * A tick fell due, on the timer's thread: it keeps the grid and schedules the next tick, then
     * hands this one to the executor — unless it finds the cycle running and the driver has no
     * {@code weir_tick} to call (none exported, or it answered {@code E_UNSUPPORTED}): then there
     * is nothing to do but count the overrun, and a hop to a worker would only queue the cycle's
     * next answer behind it (BENCHMARKS.md §3).
     */
    private void tickDue() {
        long due;
        synchronized (this) {
            if (state == SessionState.STOPPED || draining) {
                return;
            }
            // Ticks stay on their grid: a timer that ran late by whole periods (a paused JVM, a
            // busy timer thread) made those periods' ticks fall due unserved. They are missed.
            long late = clock.nanoTime() - nextTickNanos;
            long skipped = late >= periodNanos ? late / periodNanos : 0;
            if (skipped > 0 && !continuous) {
                MISSED.addAndGet(this, skipped);
            }
            due = nextTickNanos + skipped * periodNanos;
            nextTickNanos = due + periodNanos;
            scheduleTick();
        }
        if (cycleActive && continuous) {
            // Scanning: the cycle's end starts the next one.
            return;
        }
        if (cycleActive && !callsTick()) {
            MISSED.incrementAndGet(this);
            return;
        }
        Runnable task = () -> onTick(due);
        // A quick driver's cycle starts on the link's I/O thread, where its requests go out at
        // once and its answers are decoded: no worker wakes for the cycle at all.
        if (!quick() || !link.executeOnIoThread(() -> serial.executeHere(task))) {
            serial.execute(task);
        }
    }

    /** Whether {@link #driverTick} calls the driver; read on the timer's thread too. */
    private boolean callsTick() {
        DriverModule m = module;
        return m.agreedMinor() >= Abi.MINOR_1_1 && m.calls(Abi.Export.TICK);
    }

    private void onTick(long dueNanos) {
        if (state == SessionState.STOPPED || draining) {
            return;
        }
        if (clock.nanoTime() - dueNanos >= periodNanos) {
            // A busy executor ran this tick a whole period late: the next one fell due meanwhile
            // and waits behind it. This one is missed, not served twice as late.
            if (!continuous) {
                MISSED.incrementAndGet(this);
            }
            return;
        }
        if (continuous && cycleActive) {
            return;
        }
        tick();
    }

    private void tick() {
        if (!driverTick()) {
            unserved++;
            return;
        }
        if (cycleActive) {
            MISSED.incrementAndGet(this);
            return;
        }
        if (outstanding) {
            // A write between cycles is on the wire: the cycle starts as soon as it is answered.
            cycleDue = true;
            return;
        }
        startCycle(true);
    }

    /**
     * §7.11: {@code weir_tick} at every tick, before the cycle's first poll, also when the link is
     * down or the previous cycle still runs.
     *
     * @return false if the driver trapped (the cycle waits for the next tick)
     */
    private boolean driverTick() {
        if (!v11 || !module.calls(Abi.Export.TICK)) {
            return true;
        }
        if (!ensureInstance()) {
            return true;
        }
        Batch batch = new Batch();
        try {
            instance.tick(dev, nowUs(), batch);
        } catch (DriverException e) {
            if (e.error() == AbiError.E_UNSUPPORTED) {
                module.unsupported(Abi.Export.TICK);
            } else {
                protocolErrors++;
                lastError = e.getMessage();
                LOG.log(Level.WARNING, "{0}: {1}", spec.name(), e.getMessage());
            }
            return true;
        } catch (DriverTrapped e) {
            trapped(e);
            return false;
        }
        if (batch.violation != null) {
            violation(Abi.Export.TICK, batch.violation, Quality.BAD_COMM);
            return false;
        }
        deliver(batch, null);
        applyStatus(batch);
        return true;
    }

    /**
     * Starts a cycle, or gives every point a bad quality when the device cannot be served now.
     *
     * @param tick whether a tick asked for it (a cycle the driver asked for with POLL_NOW is not
     *     one, and is not counted as unserved when it cannot start)
     */
    private void startCycle(boolean tick) {
        if (pendingSwap != null) {
            // A swap waited for the cycle (or write) in progress; this is the next boundary.
            swapNow();
        }
        long now = clock.currentTimeMillis();
        if (!ensureInstance()) {
            unserved += tick ? 1 : 0;
            String why =
                    state == SessionState.QUARANTINED
                            ? quarantineReason()
                            : state == SessionState.CONFIG_ERROR ? lastError : instanceMissing();
            allPoints(
                    state == SessionState.CONFIG_ERROR ? Quality.BAD_CONFIG : Quality.BAD_COMM,
                    now,
                    why);
            return;
        }
        if (!link.connected()) {
            unserved += tick ? 1 : 0;
            String reason = link.downReason();
            allPoints(Quality.BAD_COMM, now, "link down: " + (reason == null ? "?" : reason));
            return;
        }
        if (!linkReady()) {
            unserved += tick ? 1 : 0;
            allPoints(Quality.BAD_COMM, now, "link not ready: " + notReadyReason());
            return;
        }
        cycles++;
        cycleActive = true;
        cycleAwaited = false;
        cycleStartNanos = clock.nanoTime();
        cycleRequests = 0;
        cycleTxBytes = 0;
        lastOfCycle = false;
        next();
    }

    /**
     * Whether requests may go: always for a driver without link events; for one with them (§7.9),
     * once it accepted {@code weir_link_up} for this connection.
     */
    private boolean linkReady() {
        return !(v11 && module.usesLinkEvents()) || linkReady;
    }

    private String notReadyReason() {
        return lastError != null && !linkUp
                ? lastError
                : "waiting for weir_link_up on a fresh connection (ABI §7.9)";
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
        if (clock.nanoTime() - instanceNotBeforeNanos < 0) {
            // The crash-loop breaker: this device's instances trapped again and again.
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
            stateStale = true;
            framer.reset(candidate.rxCapacity());
            if (state == SessionState.QUARANTINED) {
                // An operator lifted the quarantine.
                state = SessionState.RUNNING;
            }
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
        linkReady = false;
        if (v11 && module.usesLinkEvents() && linkUp) {
            if (connectionFresh) {
                // No instance has used this connection: it is as fresh as §7.9 means.
                callLinkUp();
            } else {
                // §7.9: the device's side of the connection has state from the old instance; the
                // new one gets a fresh connection and sees weir_link_up on it.
                reconnect(
                        "a new instance of driver "
                                + module.label()
                                + " needs a fresh connection (ABI §7.9)");
            }
        }
        return instance != null;
    }

    /** §7.9: tells the current instance that the link came up. */
    private void callLinkUp() {
        connectionFresh = false;
        try {
            instance.linkUp(dev, nowUs());
            linkReady = true;
        } catch (DriverException e) {
            if (e.error() == AbiError.E_UNSUPPORTED) {
                // The driver does not use link events: never again for this driver version.
                module.unsupported(Abi.Export.LINK_UP);
                linkReady = true;
                return;
            }
            String why = "driver " + module.label() + " refused the link: " + e.getMessage();
            lastError = why;
            LOG.log(Level.WARNING, "{0}: {1}; reconnecting", spec.name(), why);
            allPoints(Quality.BAD_COMM, clock.currentTimeMillis(), why);
            hostStatus(Quality.BAD_COMM, why);
            reconnect(why);
        } catch (DriverTrapped e) {
            trapped(e);
        }
    }

    private void reconnect(String why) {
        linkUp = false;
        linkReady = false;
        link.reconnect(why);
    }

    /** Asks the driver for the next request of the cycle and sends it (§7.1). */
    private void next() {
        if (state == SessionState.STOPPED) {
            // stop(): no new request; the cycle ends here.
            endCycle();
            return;
        }
        // §7.3 POLL_NOW: weir_poll is the next call, before a write that waits.
        if (!pollNow && sendWrite()) {
            return;
        }
        if (lastOfCycle) {
            lastOfCycle = false;
            if (!pollNow) {
                // §7.1 (1.2): the request marked LAST is over; this is where the closing
                // weir_poll would have returned 0. POLL_NOW on its answer cancels LAST.
                cycleComplete();
                return;
            }
        }
        pollNow = false;
        try {
            while (true) {
                Request r = instance.poll(dev, nowUs());
                if (r.endOfCycle()) {
                    cycleComplete();
                    return;
                }
                if (!withinCycleLimits(Abi.Export.POLL, r) || !wellFormed(Abi.Export.POLL, r)) {
                    return;
                }
                if (!send(r, false)) {
                    lostLink("link down: " + link.downReason());
                    return;
                }
                if (r.expectResponse()) {
                    lastOfCycle = r.lastOfCycle();
                    await(r);
                    return;
                }
                // Nothing to wait for: the line is free for the next request (a shared bus's
                // next device included).
                link.transactionEnded();
                if (r.lastOfCycle()) {
                    // §7.1 (1.2): LAST with meta.expect 0 ends the cycle once it is sent.
                    cycleComplete();
                    return;
                }
            }
        } catch (DriverTrapped e) {
            trapped(e);
        } catch (DriverException e) {
            driverFailed(e);
        }
    }

    /** Sends a request: a write (ABI §7.6) through {@link Link#sendWrite}, a poll as it is. */
    private boolean send(Request r, boolean write) {
        if (!(write ? link.sendWrite(r.bytes()) : link.send(r.bytes()))) {
            return false;
        }
        if (link.queuesSends()) {
            queuedSends++;
        }
        return true;
    }

    /**
     * §9: counts a request of the cycle; one over the requests or bytes a cycle may send ends the
     * cycle as a violation, before it is sent.
     */
    private boolean withinCycleLimits(Abi.Export export, Request r) {
        if (!cycleActive) {
            return true;
        }
        cycleRequests++;
        cycleTxBytes += r.bytes().length;
        String over = null;
        if (cycleRequests > limits.maxRequestsPerCycle()) {
            over =
                    "sent more than "
                            + limits.maxRequestsPerCycle()
                            + " requests in one cycle (weir_poll never ended it)";
        } else if (cycleTxBytes > limits.maxTxBytesPerCycle()) {
            over =
                    "sent more than "
                            + limits.maxTxBytesPerCycle()
                            + " bytes in one cycle ("
                            + cycleRequests
                            + " requests)";
        }
        if (over == null) {
            return true;
        }
        violation(export, over, Quality.BAD);
        return false;
    }

    /**
     * §6.4: on a CAN link a request is one or more encoded CAN frames filling {@code tx} exactly; a
     * malformed one is a violation (§9), and nothing is sent.
     */
    private boolean wellFormed(Abi.Export export, Request r) {
        if (!can) {
            return true;
        }
        try {
            CanFrame.decodeAll(r.bytes(), 0, r.bytes().length);
            return true;
        } catch (IllegalArgumentException e) {
            violation(export, "wrote a malformed CAN frame: " + e.getMessage(), Quality.BAD);
            return false;
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
        if (pollNow) {
            // §7.3 POLL_NOW outside a cycle: a cycle started at once.
            startCycle(false);
            return;
        }
        if (sendWrite()) {
            return;
        }
        if (cycleDue) {
            cycleDue = false;
            startCycle(true);
        }
    }

    /**
     * Sends the first queued write that can go (ABI §7.6: between two requests, never while one is
     * outstanding). Writes that cannot go are answered at once.
     *
     * @return whether a write is now outstanding, or the cycle ended under it
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
            if (!linkReady()) {
                w.finish(
                        WriteResult.of(
                                WriteResult.Outcome.LINK_DOWN,
                                "link not ready: " + notReadyReason()));
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
            if (!withinCycleLimits(Abi.Export.WRITE, r) || !wellFormed(Abi.Export.WRITE, r)) {
                w.finish(WriteResult.of(WriteResult.Outcome.UNAVAILABLE, lastError));
                return true;
            }
            if (!send(r, true)) {
                w.finish(
                        WriteResult.of(
                                WriteResult.Outcome.LINK_DOWN, "link down: " + link.downReason()));
                continue;
            }
            writesDone++;
            if (!r.expectResponse()) {
                link.transactionEnded();
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

    /**
     * The request just sent expects an answer: wait for it, at most its timeout (capped, §9). On a
     * link that queues sends the timeout runs from the moment the request is on the wire.
     */
    private void await(Request r) {
        outstanding = true;
        cycleAwaited |= cycleActive;
        outstandingTimeoutMs = limits.effectiveTimeoutMs(r.timeoutMs());
        if (link.queuesSends() && wireSends < queuedSends) {
            // A shared bus busy with other devices: the clock starts at sent(). A backstop in case
            // the link never reports it.
            awaitingWire = true;
            outstandingSendSeq = queuedSends;
            armTimeout((long) limits.maxTimeoutMs() + outstandingTimeoutMs);
        } else {
            armTimeout(outstandingTimeoutMs);
        }
    }

    /**
     * Sets the outstanding request's deadline {@code ms} from now. The timer armed for an earlier
     * request of the cycle stays when it runs no later than the new deadline: it then finds the
     * deadline ahead and arms itself for the rest.
     */
    private void armTimeout(long ms) {
        long now = clock.nanoTime();
        timeoutAtNanos = now + ms * 1_000_000L;
        if (timeout == null || timerAtNanos - timeoutAtNanos > 0) {
            startTimeoutTimer(now);
        }
    }

    private void startTimeoutTimer(long now) {
        cancelTimeout();
        long generation = ++timerGeneration;
        timerAtNanos = timeoutAtNanos;
        timeout =
                timers.schedule(
                        timeoutAtNanos - now, () -> serial.execute(() -> timeoutDue(generation)));
    }

    /** The timeout timer ran: the request times out if its deadline has passed. */
    private void timeoutDue(long generation) {
        if (generation != timerGeneration) {
            // Cancelled, or replaced by a timer for an earlier deadline, after it had run.
            return;
        }
        timeout = null;
        if (!outstanding) {
            return;
        }
        long now = clock.nanoTime();
        if (timeoutAtNanos - now > 0) {
            // A later request of the cycle moved the deadline.
            startTimeoutTimer(now);
            return;
        }
        onTimeout();
    }

    /** A queued send is on the wire: the outstanding request's timeout starts if it was this. */
    private void onSent() {
        wireSends++;
        if (awaitingWire && outstanding && wireSends >= outstandingSendSeq) {
            awaitingWire = false;
            armTimeout(outstandingTimeoutMs);
        }
    }

    /**
     * The outstanding request is over — answered, timed out or abandoned: no timer, and a shared
     * line may serve the next device.
     */
    private void endTransaction() {
        if (!outstanding) {
            return;
        }
        outstanding = false;
        awaitingWire = false;
        if (!cycleActive) {
            // Within a cycle the timer stays for the next request (armTimeout); the cycle's end
            // cancels it.
            cancelTimeout();
        }
        link.transactionEnded();
    }

    /** A write's answer with agreed version 1.0: every record is the write's result (§7.6). */
    private void answerWrite10(PendingWrite w, List<Point> records) {
        for (Point p : records) {
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

    /**
     * A write's answer with agreed version 1.1 (§6.3, §7.6): its {@code WRITE_RESULT} record for
     * the point is the outcome, none means the device confirmed it; the other records are readings.
     */
    private void answerWrite11(PendingWrite w, Batch batch) {
        deliver(batch, null);
        DriverRecordView r = null;
        for (DriverRecordView x : batch.writeResults) {
            if (x.point == w.point()) {
                r = x;
                break;
            }
        }
        if (r == null) {
            w.finish(WriteResult.acknowledged());
        } else if (r.quality == Quality.BAD_DEVICE.code()) {
            long code = r.value instanceof Value.U64 u ? u.bits() : -1;
            w.finish(new WriteResult(WriteResult.Outcome.DEVICE_EXCEPTION, driverText(), code));
        } else if (Quality.classOf(r.quality) != Quality.QualityClass.GOOD) {
            w.finish(WriteResult.of(WriteResult.Outcome.REFUSED, driverText()));
        } else {
            w.finish(new WriteResult(WriteResult.Outcome.ACKNOWLEDGED, null, -1, r.value));
        }
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
        return instance != null && (outstanding || unsolicited);
    }

    private void onBytes(byte[] bytes) {
        if (!listening()) {
            // A late answer after a timeout, or chatter: nothing asked for it.
            droppedBytes += bytes.length;
            return;
        }
        if (can) {
            onCanFrame(bytes);
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
        } else if (framer.pending() > 0 && framesBySilence()) {
            armSilence();
        }
    }

    /**
     * §6.4 "Delivery": a CAN link delivers one encoded frame per call, and the driver frames
     * exactly that: {@code weir_frame_len} must answer its whole length, and any other answer drops
     * it as garbage. Frames are never joined or split.
     */
    private void onCanFrame(byte[] frame) {
        try {
            FrameLength f = instance.frameLen(dev, frame, 0, frame.length);
            if (f.kind() == FrameLength.Kind.COMPLETE && f.length() == frame.length) {
                decoder.frame(frame, 0, frame.length);
            } else {
                droppedBytes += frame.length;
            }
        } catch (DriverException e) {
            protocolErrors++;
            lastError = e.getMessage();
            droppedBytes += frame.length;
        } catch (DriverTrapped e) {
            trapped(e);
        }
    }

    /** §7.10: whether a silence on this link ends a frame the driver can find. */
    private boolean framesBySilence() {
        // Never on tcp or can links, whatever they report (TCP keeps no line timing, CAN frames
        // are delimited by the bus).
        return v11
                && "serial".equals(transportKind)
                && module.calls(Abi.Export.FRAME_END)
                && link.frameSilenceNanos() > 0;
    }

    private void armSilence() {
        lastRxNanos = clock.nanoTime();
        if (silenceTimer == null) {
            silenceTimer =
                    timers.schedule(
                            link.frameSilenceNanos(), () -> serial.execute(this::onSilence));
        }
    }

    private void cancelSilence() {
        if (silenceTimer != null) {
            silenceTimer.cancel();
            silenceTimer = null;
        }
    }

    /**
     * The silence timer ran out: if the line stayed quiet for the whole silence since the last
     * bytes, the pending bytes go to {@code weir_frame_end} (§7.10); else it waits for the rest.
     */
    private void onSilence() {
        silenceTimer = null;
        if (framer.pending() == 0 || !listening() || !framesBySilence()) {
            return;
        }
        long quiet = clock.nanoTime() - lastRxNanos;
        long silence = link.frameSilenceNanos();
        if (quiet < silence) {
            silenceTimer = timers.schedule(silence - quiet, () -> serial.execute(this::onSilence));
            return;
        }
        try {
            framer.frameEnd(decoder);
        } catch (DriverException e) {
            if (e.error() == AbiError.E_UNSUPPORTED) {
                // The bytes wait, as without weir_frame_end; not asked again for this version.
                module.unsupported(Abi.Export.FRAME_END);
            } else {
                protocolErrors++;
                lastError = e.getMessage();
            }
        } catch (DriverTrapped e) {
            trapped(e);
        }
        if (!listening()) {
            framer.clear();
        }
    }

    /**
     * The framer's view of the driver (§7.2, §7.3, §7.10). With agreed version 1.2 and a driver
     * that exports {@code weir_on_bytes} (§7.13), framing a frame decodes it in the same call: the
     * framer's next {@link #frame} then takes the records already decoded.
     */
    private final class Decoder implements Framer.Decoder {
        /** {@code weir_on_bytes} decoded the frame the framer hands to {@link #frame} next. */
        private boolean decoded;

        private Batch decodedBatch;
        private DriverException decodedRefusal;

        @Override
        public FrameLength frameLen(byte[] bytes, int off, int len) throws DriverException {
            decoded = false;
            if (module.calls(Abi.Export.ON_BYTES)) {
                Batch batch = new Batch();
                OnBytes r = instance.onBytes(dev, bytes, off, len, nowUs(), batch);
                if (r.complete()) {
                    decoded = true;
                    decodedBatch = batch;
                    decodedRefusal = r.refused();
                }
                return r.framing();
            }
            return instance.frameLen(dev, bytes, off, len);
        }

        @Override
        public FrameLength frameEnd(byte[] bytes, int off, int len) throws DriverException {
            return instance.frameEnd(dev, bytes, off, len);
        }

        @Override
        public boolean frame(byte[] bytes, int off, int len) {
            Batch batch;
            int flags;
            Abi.Export call = decoded ? Abi.Export.ON_BYTES : Abi.Export.ON_FRAME;
            try {
                if (decoded) {
                    decoded = false;
                    batch = decodedBatch;
                    decodedBatch = null;
                    DriverException refused = decodedRefusal;
                    decodedRefusal = null;
                    if (refused != null) {
                        throw refused;
                    }
                } else {
                    batch = new Batch();
                    instance.onFrame(dev, len, nowUs(), batch);
                }
                flags = instance.frameFlags();
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
            if (batch.violation != null) {
                violation(call, batch.violation, Quality.BAD_COMM);
                return false;
            }
            if (v11 && FrameFlag.POLL_NOW.isSet(flags)) {
                pollNow = true;
            }
            boolean answer = outstanding && !(v11 && FrameFlag.NOT_ANSWER.isSet(flags));
            if (!answer) {
                // Unsolicited (§7.3), or a frame that is not the answer (NOT_ANSWER): readings,
                // and the request, if any, stays outstanding with its timeout running.
                deliver(batch, null);
                applyStatus(batch);
                dropWriteResults(batch);
                if (!outstanding && pollNow && !cycleActive) {
                    proceed();
                }
                return listening();
            }
            PendingWrite w = outstandingWrite;
            if (w != null) {
                outstandingWrite = null;
                if (v11) {
                    answerWrite11(w, batch);
                } else {
                    answerWrite10(w, batch.readings);
                }
            } else {
                deliver(batch, null);
                dropWriteResults(batch);
            }
            applyStatus(batch);
            endTransaction();
            proceed();
            return listening();
        }
    }

    private void dropWriteResults(Batch batch) {
        if (!batch.writeResults.isEmpty()) {
            // §6.3: the outcome of a write nobody is waiting for is no reading either.
            LOG.log(
                    Level.DEBUG,
                    "{0}: {1} write results with no write outstanding dropped",
                    spec.name(),
                    batch.writeResults.size());
        }
    }

    private void onTimeout() {
        if (!outstanding || instance == null) {
            return;
        }
        if (state == SessionState.STOPPED) {
            // The timer fired while stop() was on its way: the host stopped waiting, see stop().
            endCycle();
            return;
        }
        timeouts++;
        String why =
                awaitingWire
                        ? "the request did not reach the wire within "
                                + ((long) limits.maxTimeoutMs() + outstandingTimeoutMs)
                                + " ms ("
                                + link.describe()
                                + " is busy)"
                        : "no response within " + outstandingTimeoutMs + " ms";
        lastError = why;
        PendingWrite w = outstandingWrite;
        outstandingWrite = null;
        if (w != null) {
            w.finish(WriteResult.of(WriteResult.Outcome.TIMEOUT, why));
        }
        respondTimeout(why, w == null || v11);
        if (instance != null) {
            proceed();
        }
    }

    /**
     * §7.4: discard what was received, let the driver write BAD_COMM records for the request.
     *
     * @param deliver whether its records are readings: always for a poll request; for a write only
     *     with agreed version 1.1, whose {@code WRITE_RESULT} records are dropped (the write
     *     failed, whatever they say, §7.6)
     */
    private void respondTimeout(String why, boolean deliver) {
        endTransaction();
        framer.clear();
        cancelSilence();
        Batch batch = new Batch();
        try {
            instance.onTimeout(dev, nowUs(), batch);
        } catch (DriverTrapped e) {
            trapped(e);
            return;
        } catch (DriverException e) {
            driverFailed(e);
            return;
        }
        if (batch.violation != null) {
            violation(Abi.Export.ON_TIMEOUT, batch.violation, Quality.BAD_COMM);
            return;
        }
        if (deliver) {
            deliver(batch, why);
            applyStatus(batch);
        }
    }

    private void onLinkUp() {
        if (downRepeats > 0) {
            LOG.log(
                    Level.INFO,
                    "{0}: {1} up (after {2} more failed attempts)",
                    new Object[] {spec.name(), link.describe(), downRepeats});
        } else {
            LOG.log(Level.INFO, "{0}: {1} up", spec.name(), link.describe());
        }
        downLogged = null;
        downRepeats = 0;
        // No request is ended here: a link reports the end of a connection before the next one
        // comes up, and with a driver without link events a tick can send the first request on a
        // connection before its up event reaches this queue.
        linkUp = true;
        connectionFresh = true;
        linkReady = false;
        stateStale = true;
        hostStatus(Quality.GOOD, null);
        if (state == SessionState.RUNNING
                && instance != null
                && !instance.dead()
                && v11
                && module.usesLinkEvents()) {
            callLinkUp();
        }
        if (continuous
                && state == SessionState.RUNNING
                && !draining
                && !cycleActive
                && !outstanding) {
            // Scanning starts with the link, not at the next retry tick.
            tick();
        }
    }

    private void onLinkDown(String reason) {
        // One line per outage: a link that retries reports every failed attempt, and a device
        // that stays away must not fill the log (the count is in the line when it comes back).
        if (linkUp || !Objects.equals(reason, downLogged)) {
            LOG.log(
                    Level.INFO,
                    "{0}: {1} down: {2}",
                    new Object[] {spec.name(), link.describe(), reason});
            downLogged = reason;
        } else {
            downRepeats++;
        }
        linkUp = false;
        linkReady = false;
        connectionFresh = false;
        // What the link had queued is gone with the connection.
        wireSends = queuedSends;
        if (state != SessionState.STOPPED) {
            hostStatus(Quality.BAD_COMM, "link down: " + reason);
        }
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
                respondTimeout(why, v11);
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
        cancelTimeout();
        lastOfCycle = false;
        trapsInARow = 0;
        long micros = (clock.nanoTime() - cycleStartNanos) / 1000;
        lastLatencyMicros = micros;
        synchronized (latency) {
            latency.recordValue(Math.max(0, Math.min(micros, MAX_LATENCY_MICROS)));
        }
        if (manifest.hasState() && saveStateDue()) {
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
        if (continuous) {
            scanOn();
        }
    }

    /**
     * Whether this cycle's end saves the state: the first after a new instance or a link up, then
     * once {@link #STATE_SAVE_NANOS} passed. Saving at every cycle's end cost a device scanned
     * continuously a call and a copy every few milliseconds, for a state that only a trap reads.
     */
    private boolean saveStateDue() {
        long now = clock.nanoTime();
        if (!stateStale && now - stateSavedNanos < STATE_SAVE_NANOS) {
            return false;
        }
        stateStale = false;
        stateSavedNanos = now;
        return true;
    }

    /**
     * Continuous scanning: the next cycle starts here, on the thread that ended the last one (the
     * link's I/O thread when the answer was decoded there, {@link #received}), with no timer and no
     * hop. A cycle that waited for no answer waits for the next retry tick instead, so that a
     * driver whose cycles send nothing cannot spin a thread.
     */
    private void scanOn() {
        if (!cycleAwaited
                || state != SessionState.RUNNING
                || draining
                || cycleActive
                || outstanding
                || instance == null) {
            return;
        }
        tick();
    }

    /**
     * Ends the cycle in progress without points: no request outstanding, no timer, nothing
     * buffered. Every way a cycle is cut short (a stop, a trap, a lost instance, a refused call)
     * goes through here.
     */
    private void endCycle() {
        endTransaction();
        cancelTimeout();
        cancelSilence();
        framer.clear();
        cycleActive = false;
        pollNow = false;
        lastOfCycle = false;
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

    /**
     * §9: the host found the driver breaking a limit (requests or bytes per cycle, a point index
     * outside the map): a violation, treated as a trap.
     */
    private void violation(Abi.Export export, String problem, Quality quality) {
        violations++;
        DriverInstance i = instance;
        DriverTrapped t =
                i != null
                        ? i.violated(export, problem)
                        : new DriverTrapped(module.label() + " " + problem, null, null);
        trapped(t, quality, quality == Quality.BAD ? "cycle ended: " : "driver trapped: ");
    }

    /** §9: drop the instance, BAD_COMM for the device, recreate at the next tick. */
    private void trapped(DriverTrapped e) {
        trapped(e, Quality.BAD_COMM, "driver trapped: ");
    }

    private void trapped(DriverTrapped e, Quality quality, String prefix) {
        traps++;
        trapsInARow++;
        lastError = e.getMessage();
        LOG.log(Level.ERROR, "{0}: {1}{2}", spec.name(), prefix, e.getMessage());
        DriverInstance dead = instance;
        if (dead != null) {
            dead.close();
        }
        instance = null;
        linkReady = false;
        endCycle();
        long now = clock.currentTimeMillis();
        if (module.recordTrap(now, e.getMessage()) && state != SessionState.STOPPED) {
            state = SessionState.QUARANTINED;
        }
        // The crash-loop breaker: a device whose instances keep trapping waits longer each time.
        instanceNotBeforeNanos = clock.nanoTime() + limits.restartDelayMs(trapsInARow) * 1_000_000L;
        String why = prefix + e.getMessage();
        allPoints(quality, now, why);
        hostStatus(quality, why);
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
        linkReady = false;
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
            timerGeneration++;
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
        private final String configText;

        private Prepared(
                Session session,
                InstanceGroup next,
                int dev,
                DriverInstance instance,
                String configText) {
            this.session = session;
            this.next = next;
            this.dev = dev;
            this.instance = instance;
            this.configText = configText;
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
        DriverModule nextModule = next.module();
        if (!nextModule.manifest().allTransports().contains(transportKind)) {
            throw new IllegalStateException(
                    spec.name()
                            + ": "
                            + nextModule.label()
                            + " speaks over "
                            + String.join(" or ", nextModule.manifest().allTransports())
                            + ", not over "
                            + transportKind);
        }
        // The new version may agree on another minor version (§3.3), and so see other host keys.
        String nextConfig = configText(nextModule);
        int nextDev = next.join(this);
        DriverInstance candidate = null;
        try {
            candidate = next.instanceFor(this, nextDev);
            try {
                candidate.open(nextDev, nextConfig, nowUs());
            } catch (DriverException e) {
                if (e.error() != AbiError.E_UNSUPPORTED
                        || !next.isShared(candidate)
                        || nextDev == 0) {
                    throw e;
                }
                // §2.6: the driver serves one device per instance; take a private one.
                next.onePerInstance();
                candidate = next.instanceFor(this, nextDev);
                candidate.open(nextDev, nextConfig, nowUs());
            }
            return new Prepared(this, next, nextDev, candidate, nextConfig);
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

    /**
     * Takes back a swap that has not happened yet (the swap of another device failed, or this one
     * did not reach a cycle boundary in time): the prepared version is released and the swap's
     * future fails. A swap that already happened stays; its future has completed normally, and the
     * caller switches the device back like the others.
     *
     * @return completes once the device's executor has seen the cancellation
     */
    public CompletableFuture<Void> cancelSwap(Prepared prepared) {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        serial.execute(
                () -> {
                    if (pendingSwap != null && pendingSwap.prepared() == prepared) {
                        release(prepared).run();
                        pendingSwap
                                .done()
                                .completeExceptionally(
                                        new IllegalStateException(
                                                spec.name() + ": swap called off"));
                        pendingSwap = null;
                    }
                    seen.complete(null);
                });
        return seen;
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
        adopt(next);
        savedState = restored ? carried : null;
        if (state == SessionState.QUARANTINED || state == SessionState.CONFIG_ERROR) {
            state = SessionState.RUNNING;
            lastError = null;
        }
        linkAfterSwap(restored);
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

    /** The device runs the prepared version from now on: its module, group, handle, instance. */
    private void adopt(Prepared next) {
        DriverModule m = next.next.module();
        module = m;
        // A new version earns decoding on the I/O thread anew: its first calls run under the
        // cold-start grace (ABI §9), with the open budget.
        decodes.reset();
        manifest = m.manifest();
        limits = m.limits();
        v11 = m.agreedMinor() >= Abi.MINOR_1_1;
        unsolicited = manifest.receivesUnsolicited();
        can = v11 && "can".equals(transportKind);
        configText = next.configText;
        group = next.next;
        dev = next.dev;
        instance = next.instance;
        stateStale = true;
        if (unsolicited) {
            // The line may be inside a frame the device sent on its own: its start is the new
            // version's to frame (§7.7). Polled traffic has nothing on the line between cycles.
            framer.handOver(next.instance.rxCapacity());
        } else {
            framer.reset(next.instance.rxCapacity());
        }
        // A new version starts with a clean record: the old one's traps are not its own.
        trapsInARow = 0;
        instanceNotBeforeNanos = 0;
    }

    /**
     * §7.7 and §7.9: after a swap that restored the state, the connection goes on as it is and
     * {@code weir_link_up} is not called: the driver keeps what it negotiated in its state. A cold
     * start of a driver with link events needs a fresh connection, as after a trap.
     */
    private void linkAfterSwap(boolean restored) {
        if (!(v11 && module.usesLinkEvents())) {
            return;
        }
        if (!linkUp) {
            // weir_link_up comes with the next connection.
            linkReady = false;
            return;
        }
        if (restored) {
            linkReady = true;
            connectionFresh = false;
            return;
        }
        linkReady = false;
        if (connectionFresh) {
            callLinkUp();
        } else {
            reconnect(
                    "driver "
                            + module.label()
                            + " started cold after a swap and needs a fresh connection (ABI §7.7)");
        }
    }

    // ---- points ------------------------------------------------------------------------------

    /** A record that is not turned into a point: a write result or a device status. */
    private record DriverRecordView(int point, Value value, int quality, long tsUs) {}

    /**
     * The records of one call, sorted as they are read (ABI §6.3): readings become points (a
     * point's name comes from the device's map, or the driver for a named record), write results
     * and the device status are kept apart, and a record that breaks §9 marks the batch.
     */
    private final class Batch implements DriverInstance.RecordSink {
        final List<Point> readings = new ArrayList<>();
        final List<DriverRecordView> writeResults = new ArrayList<>(0);
        DriverRecordView status;
        boolean anyBad;
        String violation;

        @Override
        public void record(int point, String name, Value value, int quality, long tsUs, int raw) {
            if (violation != null) {
                return;
            }
            // §3.3: flag bits of a later minor than the agreed one read as zero.
            int flags = RecordFlag.known(raw, module.agreedMinor());
            if (RecordFlag.DEVICE_STATUS.isSet(flags)) {
                if (point != 0 || name != null || RecordFlag.WRITE_RESULT.isSet(flags)) {
                    violation =
                            "wrote a DEVICE_STATUS record that names a point or is a write result"
                                    + " (ABI §6.3)";
                    return;
                }
                status = new DriverRecordView(0, value, quality, tsUs);
                return;
            }
            if (name == null && (point < 0 || point >= spec.pointNames().size())) {
                violation =
                        "wrote a record for point "
                                + (point < 0 ? Integer.toUnsignedLong(point) : point)
                                + ", outside the point map of "
                                + spec.pointNames().size()
                                + " points of device "
                                + spec.name();
                return;
            }
            if (RecordFlag.WRITE_RESULT.isSet(flags)) {
                writeResults.add(new DriverRecordView(point, value, quality, tsUs));
                return;
            }
            String n = name != null ? name : spec.pointNames().get(point);
            readings.add(
                    new Point(spec.name(), n, value, quality, Math.floorDiv(tsUs, 1000), null));
            anyBad |= Quality.classOf(quality) != Quality.QualityClass.GOOD;
        }
    }

    private void deliver(Batch batch, String why) {
        if (batch.readings.isEmpty()) {
            return;
        }
        List<Point> out = batch.readings;
        if (batch.anyBad) {
            String error = why;
            if (error == null && instance != null) {
                try {
                    error = instance.lastError(dev);
                } catch (DriverException e) {
                    error = "";
                }
            }
            out = new ArrayList<>(batch.readings.size());
            for (Point p : batch.readings) {
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

    /** §6.3: a driver's DEVICE_STATUS record replaces the device status until the next one. */
    private void applyStatus(Batch batch) {
        DriverRecordView r = batch.status;
        if (r == null) {
            return;
        }
        String text;
        if (r.value instanceof Value.Str s) {
            text = s.value();
        } else if (Quality.classOf(r.quality) == Quality.QualityClass.GOOD) {
            text = null;
        } else {
            String t = driverText();
            text = t != null ? t : Quality.nameOf(r.quality);
        }
        setStatus(
                new DeviceStatus(
                        spec.name(), r.quality, r.value, text, Math.floorDiv(r.tsUs, 1000), true));
    }

    /** The host's device status at a link event or a fault (§6.3). */
    private void hostStatus(Quality quality, String text) {
        setStatus(
                new DeviceStatus(
                        spec.name(),
                        quality.code(),
                        Value.NULL,
                        text,
                        clock.currentTimeMillis(),
                        false));
    }

    private void setStatus(DeviceStatus s) {
        DeviceStatus old = deviceStatus;
        deviceStatus = s;
        if (old.quality() != s.quality()
                || !Objects.equals(old.text(), s.text())
                || !old.value().equals(s.value())) {
            sink.deviceStatus(s);
        }
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
