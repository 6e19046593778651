package io.weir.host;

import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRefused;
import io.weir.host.driver.DriverSource;
import io.weir.host.driver.Watchdog;
import io.weir.host.io.Link;
import io.weir.host.io.Transport;
import io.weir.host.points.PointSink;
import io.weir.host.points.Value;
import io.weir.host.poll.Clock;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.ExecutorTimers;
import io.weir.host.poll.InstanceGroup;
import io.weir.host.poll.Session;
import io.weir.host.poll.SessionState;
import io.weir.host.poll.SessionStatus;
import io.weir.host.poll.Timers;
import io.weir.host.poll.WorkerPool;
import io.weir.host.poll.WriteResult;
import io.weir.host.wasm.Engines;
import io.weir.host.wasm.WasmEngine;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The microkernel as the CLI uses it: load drivers, add devices, start, stop, read status. It owns
 * the threads: one timer thread, a worker pool for driver calls (kept fair against runaway drivers,
 * {@link WorkerPool}) and the watchdog. Links come from the {@link Transport}s it is given (TCP,
 * serial, CAN live in their own modules); it closes them when it closes.
 */
public final class Kernel implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.weir.kernel");

    /** {@link Options#devicesPerInstance}: as many as the driver's {@code max_devices} allows. */
    public static final int AS_DRIVER_DECLARES = 0;

    /** How long a driver task may run before its worker is compensated with a spare thread. */
    static final Duration STALL = Duration.ofMillis(20);

    /**
     * @param workerThreads threads that run driver calls for all devices, never stuck in long calls
     *     all at once: a thread stuck in a call past {@link #STALL} is compensated by a spare
     * @param limits memory cap, call budgets, cycle limits and crash-loop backoff for every driver
     * @param devicesPerInstance how many devices of one driver share an instance at most (ABI
     *     §2.6); 1 isolates every device, more saves a linear memory per device but a trap or
     *     runaway call then affects every device of the instance. {@link #AS_DRIVER_DECLARES} (the
     *     default) takes the driver's manifest {@code max_devices}, and 1 for a driver that
     *     declares none; a larger number is still capped at {@code max_devices}
     * @param maxWorkerThreads the most worker threads, spares included
     */
    public record Options(
            int workerThreads, DriverLimits limits, int devicesPerInstance, int maxWorkerThreads) {
        public static final Options DEFAULT =
                new Options(
                        Math.max(2, Runtime.getRuntime().availableProcessors()),
                        DriverLimits.DEFAULT,
                        AS_DRIVER_DECLARES);

        public Options {
            if (devicesPerInstance < 0) {
                throw new IllegalArgumentException(
                        "devicesPerInstance must be at least 1, or AS_DRIVER_DECLARES (0)");
            }
            if (workerThreads < 1) {
                throw new IllegalArgumentException("a kernel needs at least one worker thread");
            }
            if (maxWorkerThreads < workerThreads) {
                throw new IllegalArgumentException(
                        "maxWorkerThreads must be at least workerThreads (" + workerThreads + ")");
            }
        }

        /** Spares up to four times the workers, at least 16 threads in all. */
        public Options(int workerThreads, DriverLimits limits, int devicesPerInstance) {
            this(
                    workerThreads,
                    limits,
                    devicesPerInstance,
                    Math.max(16, 4 * Math.max(1, workerThreads)));
        }
    }

    private final PointSink sink;
    private final Options options;
    private final WasmEngine engine = Engines.chicory();
    private final Watchdog watchdog = new Watchdog();
    private final ScheduledThreadPoolExecutor timerThread;
    private final Timers timers;
    private final WorkerPool workers;
    private final Map<String, Transport> transports = new LinkedHashMap<>();
    private final Map<String, DriverModule> drivers = new LinkedHashMap<>();
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    private final Map<DriverModule, InstanceGroup> groups = new java.util.IdentityHashMap<>();
    private boolean started;

    /**
     * @param transports the link kinds devices may use; the kernel closes them when it closes
     * @throws IllegalArgumentException if two transports claim one address scheme
     */
    public Kernel(PointSink sink, Transport... transports) {
        this(sink, Options.DEFAULT, transports);
    }

    public Kernel(PointSink sink, Options options, Transport... transports) {
        this.sink = sink;
        this.options = options;
        for (Transport t : transports) {
            for (String scheme : t.schemes()) {
                if (this.transports.putIfAbsent(scheme, t) != null) {
                    throw new IllegalArgumentException(
                            "two transports open \"" + scheme + ":\" addresses");
                }
            }
        }
        this.timerThread = new ScheduledThreadPoolExecutor(1, named("weir-timer"));
        this.timerThread.setRemoveOnCancelPolicy(true);
        this.timers = new ExecutorTimers(timerThread);
        this.workers =
                new WorkerPool(
                        "weir-worker",
                        options.workerThreads(),
                        options.maxWorkerThreads(),
                        STALL,
                        timerThread);
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Validates, compiles and probes a driver, and registers it under its manifest name. A driver
     * of the same name is replaced for devices added later.
     *
     * @param sourceName for messages, e.g. the file name
     * @throws DriverRefused naming what breaks the ABI
     */
    public synchronized DriverModule loadDriver(String sourceName, byte[] wasm) {
        DriverModule m = DriverModule.load(engine, sourceName, wasm, options.limits(), watchdog);
        drivers.put(m.manifest().name(), m);
        return m;
    }

    /**
     * Loads a driver from a {@code .wasm} file or by the name of a bundled driver (see {@link
     * DriverSource}).
     *
     * @throws IOException if there is no such file or bundled driver
     * @throws DriverRefused naming what breaks the ABI
     */
    public DriverModule loadDriver(String nameOrFile) throws IOException {
        return loadDriver(DriverSource.sourceName(nameOrFile), DriverSource.bytes(nameOrFile));
    }

    /**
     * Validates, compiles and probes a driver with this kernel's engine, limits and watchdog,
     * without registering it: a version to check, self-test and then {@link #addDriver} or swap in.
     *
     * @throws DriverRefused naming what breaks the ABI
     */
    public DriverModule compileDriver(String sourceName, byte[] wasm) {
        return DriverModule.load(engine, sourceName, wasm, options.limits(), watchdog);
    }

    /**
     * Registers a compiled driver under {@code key} (its name, or {@code name@version} for devices
     * that pin a version); devices name it by that key.
     */
    public synchronized void addDriver(String key, DriverModule module) {
        drivers.put(key, module);
    }

    /**
     * Hot-swaps every device that names driver {@code key} to {@code next} (ABI §7.7), each at its
     * own next cycle boundary, with its state handed across; links stay up. Devices added later get
     * {@code next} too. If the new version refuses any device, the devices already switched are
     * switched back and nothing changes.
     *
     * @return the swaps, one per device
     * @throws IllegalStateException naming the device that refused and why
     */
    public List<Session.Swap> swap(String key, DriverModule next) {
        List<Session> targets = new ArrayList<>();
        Map<InstanceGroup, InstanceGroup> successors = new java.util.IdentityHashMap<>();
        List<InstanceGroup> allSuccessors = new ArrayList<>();
        Map<Session, InstanceGroup> before = new java.util.IdentityHashMap<>();
        long wait = 0;
        synchronized (this) {
            if (!drivers.containsKey(key)) {
                throw new IllegalStateException("no driver \"" + key + "\" is loaded");
            }
            for (Session s : sessions.values()) {
                if (s.spec().driver().equals(key) && s.state() != SessionState.STOPPED) {
                    targets.add(s);
                    wait = Math.max(wait, s.spec().interval().toMillis());
                }
            }
        }
        // A device swaps between two cycles: at most one interval plus the longest response
        // timeout from now.
        long deadline = 2 * wait + io.weir.abi.Abi.MAX_TIMEOUT_MS + 5_000;
        int perInstance = devicesPerInstance(next);
        long prepareStart = System.nanoTime();
        // Every device opened on the new version off its executor first: a refusal stops the swap
        // before any device has switched.
        List<Session.Prepared> prepared = new ArrayList<>();
        for (Session s : targets) {
            long t = System.nanoTime();
            InstanceGroup old = s.group();
            before.put(s, old);
            InstanceGroup g = successors.get(old);
            if (g == null || !g.hasRoom()) {
                // The same executor as the old group; instantiated here, off the devices'
                // executors.
                g = old.successor(next, perInstance);
                g.prepare();
                successors.put(old, g);
                allSuccessors.add(g);
            }
            try {
                prepared.add(s.prepareSwap(g));
            } catch (IllegalStateException e) {
                for (Session.Prepared p : prepared) {
                    p.release();
                }
                throw e;
            }
            pace(System.nanoTime() - t);
        }
        long prepareNanos = System.nanoTime() - prepareStart;
        List<CompletableFuture<Session.Swap>> futures = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            futures.add(targets.get(i).swap(prepared.get(i)));
        }
        List<Session.Swap> done = new ArrayList<>();
        List<Session> switched = new ArrayList<>();
        String failure = null;
        for (int i = 0; i < futures.size(); i++) {
            try {
                done.add(futures.get(i).get(deadline, TimeUnit.MILLISECONDS));
                switched.add(targets.get(i));
            } catch (ExecutionException e) {
                failure = failure != null ? failure : e.getCause().getMessage();
            } catch (TimeoutException e) {
                failure =
                        failure != null
                                ? failure
                                : targets.get(i).name()
                                        + " did not reach a cycle boundary in "
                                        + deadline
                                        + " ms";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : "interrupted";
            }
        }
        if (failure != null) {
            // A device that has not switched yet must not switch later, after the others went
            // back: its pending swap is called off. One that switched in the meantime goes back
            // with the others.
            for (int i = 0; i < futures.size(); i++) {
                CompletableFuture<Session.Swap> f = futures.get(i);
                Session s = targets.get(i);
                if (switched.contains(s) || f.isCompletedExceptionally()) {
                    continue;
                }
                try {
                    s.cancelSwap(prepared.get(i)).get(deadline, TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    LOG.log(
                            System.Logger.Level.ERROR,
                            "{0}: cannot call off its swap: {1}",
                            s.name(),
                            e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (f.isDone() && !f.isCompletedExceptionally()) {
                    switched.add(s);
                }
            }
            // Back to the version they ran, so that every device runs the same one.
            Map<InstanceGroup, InstanceGroup> back = new java.util.IdentityHashMap<>();
            for (Session s : switched) {
                InstanceGroup was = before.get(s);
                try {
                    s.swap(back.computeIfAbsent(was, g -> g.successor(g.module())))
                            .get(deadline, TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    LOG.log(
                            System.Logger.Level.ERROR,
                            "{0}: cannot go back after a failed swap: {1}",
                            s.name(),
                            e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            throw new IllegalStateException(failure);
        }
        long restored = done.stream().filter(Session.Swap::stateRestored).count();
        long maxPause = done.stream().mapToLong(Session.Swap::pauseNanos).max().orElse(0);
        LOG.log(
                System.Logger.Level.INFO,
                "{0}: {1} devices now run {2} ({3} with their state, {4} cold; prepared in {6} ms"
                        + " off their executors; longest pause {5} µs)",
                key,
                done.size(),
                next.label(),
                restored,
                done.size() - restored,
                maxPause / 1000,
                prepareNanos / 1_000_000);
        synchronized (this) {
            drivers.put(key, next);
            // Groups every device left serve no device added later.
            groups.values().removeIf(g -> g.size() == 0);
            for (InstanceGroup g : allSuccessors) {
                if (g.hasRoom()) {
                    groups.put(next, g);
                }
            }
        }
        return done;
    }

    /**
     * A swap is never urgent; the devices' schedule is. Opening a device on a new version costs a
     * few milliseconds of CPU (instantiating a module grows and copies its memory), so preparing
     * many devices back to back would take a core from the devices' cycles on a small machine.
     * After each device the preparing thread rests as long as the device took: at most half a core.
     */
    private static void pace(long tookNanos) {
        long rest = Math.min(tookNanos, 20_000_000L);
        if (rest > 0) {
            try {
                Thread.sleep(rest / 1_000_000, (int) (rest % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link #swap}, naming the devices switched. */
    public List<String> swapDriver(String key, DriverModule next) {
        List<String> names = new ArrayList<>();
        for (Session.Swap s : swap(key, next)) {
            names.add(s.device());
        }
        return names;
    }

    /** The loaded driver of this name, or {@code null}. */
    public synchronized DriverModule driver(String name) {
        return drivers.get(name);
    }

    public synchronized List<DriverModule> drivers() {
        return List.copyOf(drivers.values());
    }

    /**
     * Adds a device served by a loaded driver over the link its address names. The address's scheme
     * picks the transport, and the transport says what the link speaks ({@link
     * Transport#kind(io.weir.host.io.LinkAddress)}: {@code rtu+tcp://} is {@code serial} framing
     * over TCP), which must be one of the driver's transports (ABI §3.4); a driver with agreed
     * version 1.1 learns it as the host key {@code weir.transport} (§5.1). Starts the device at
     * once if the kernel runs.
     *
     * @throws IllegalArgumentException for an unknown driver, a duplicate device name, a link
     *     address no transport opens, or a driver that speaks over another kind of link
     */
    public synchronized Session addDevice(DeviceSpec spec) {
        DriverModule m = drivers.get(spec.driver());
        if (m == null) {
            throw new IllegalArgumentException(
                    "device "
                            + spec.name()
                            + ": no driver named \""
                            + spec.driver()
                            + "\" is loaded (loaded: "
                            + String.join(", ", drivers.keySet())
                            + ")");
        }
        Transport transport = transports.get(spec.link().scheme());
        if (transport == null) {
            throw new IllegalArgumentException(
                    "device "
                            + spec.name()
                            + ": no transport opens \""
                            + spec.link().scheme()
                            + ":\" links (this host opens: "
                            + String.join(", ", transports.keySet())
                            + ")");
        }
        String kind = transport.kind(spec.link());
        if (!m.manifest().allTransports().contains(kind)) {
            throw new IllegalArgumentException(
                    "device "
                            + spec.name()
                            + ": driver "
                            + m.label()
                            + " speaks over "
                            + String.join(" or ", m.manifest().allTransports())
                            + ", not over the "
                            + kind
                            + " link "
                            + spec.link());
        }
        if (sessions.containsKey(spec.name())) {
            throw new IllegalArgumentException("a device named " + spec.name() + " exists already");
        }
        Link link;
        try {
            link = transport.open(spec.link());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device " + spec.name() + ": " + e.getMessage(), e);
        }
        InstanceGroup group = groups.get(m);
        if (group == null || !group.hasRoom()) {
            group = new InstanceGroup(m, devicesPerInstance(m), workers);
            groups.put(m, group);
        }
        Session s = new Session(spec, group, link, sink, timers, Clock.SYSTEM, kind);
        sessions.put(spec.name(), s);
        if (started) {
            s.start(phase(sessions.size() - 1, spec));
        }
        return s;
    }

    /**
     * How many devices share one instance of this driver version (ABI §2.6): the operator's cap,
     * never more than the driver's {@code max_devices} (§3.4, honoured with agreed version 1.1);
     * one for a driver that declares none, unless the operator asks for more. A v1.0 driver that
     * answers a second open with {@code E_UNSUPPORTED} still gets one instance per device.
     */
    int devicesPerInstance(DriverModule m) {
        Integer declared = m.manifest().maxDevices();
        int policy = options.devicesPerInstance();
        if (policy == AS_DRIVER_DECLARES) {
            return declared != null ? declared : 1;
        }
        return declared != null ? Math.min(policy, declared) : policy;
    }

    /**
     * The loaded driver versions that are quarantined (ABI §9), with why and since when; a version
     * still serving devices after a newer one was loaded is included.
     */
    public synchronized Map<String, DriverModule.Quarantine> quarantines() {
        Map<String, DriverModule.Quarantine> out = new LinkedHashMap<>();
        for (DriverModule m : versions()) {
            DriverModule.Quarantine q = m.quarantine();
            if (q != null) {
                out.put(m.label(), q);
            }
        }
        return out;
    }

    /**
     * Lifts the quarantine of every loaded version of the driver named {@code driver} (an operator
     * fixed its devices or wants another try): their devices open fresh instances at their next
     * tick, without a crash-loop wait. Loading a new version needs no clearing: a new version
     * starts with no traps.
     *
     * @return the labels of the versions that were quarantined, e.g. {@code [modbus 0.1.0]}
     * @throws IllegalArgumentException if no driver of that name is loaded
     */
    public synchronized List<String> clearQuarantine(String driver) {
        List<DriverModule> named = new ArrayList<>();
        for (DriverModule m : versions()) {
            if (m.manifest().name().equals(driver)) {
                named.add(m);
            }
        }
        if (named.isEmpty()) {
            throw new IllegalArgumentException(
                    "no driver named \""
                            + driver
                            + "\" is loaded (loaded: "
                            + String.join(", ", drivers.keySet())
                            + ")");
        }
        List<String> cleared = new ArrayList<>();
        for (DriverModule m : named) {
            if (m.clearQuarantine()) {
                cleared.add(m.label());
                System.getLogger("io.weir.kernel")
                        .log(
                                System.Logger.Level.WARNING,
                                "quarantine of driver {0} cleared by the operator",
                                m.label());
            }
        }
        for (Session s : sessions.values()) {
            if (named.contains(s.module())) {
                s.quarantineCleared();
            }
        }
        return cleared;
    }

    /** Every loaded driver version: the registered ones and those still serving devices. */
    private List<DriverModule> versions() {
        List<DriverModule> out = new ArrayList<>(drivers.values());
        for (DriverModule m : groups.keySet()) {
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        for (Session s : sessions.values()) {
            if (!out.contains(s.module())) {
                out.add(s.module());
            }
        }
        return out;
    }

    /** The driver worker threads now, spares included, and the spares started so far. */
    public WorkerPool workers() {
        return workers;
    }

    /** Starts every device. */
    public synchronized void start() {
        started = true;
        int index = 0;
        for (Session s : sessions.values()) {
            if (s.state() == SessionState.NEW) {
                s.start(phase(index, s.spec()));
            }
            index++;
        }
    }

    /**
     * Where in its interval the {@code index}-th device ticks: the fractional parts of multiples of
     * the golden ratio spread any number of devices evenly over the interval, without knowing the
     * number in advance, so that devices added together do not all poll in the same instant.
     */
    static long phase(int index, DeviceSpec spec) {
        double golden = 0.6180339887498949;
        double frac = (index * golden) % 1.0;
        long period = spec.interval().toNanos();
        if (period == 0) {
            // Continuous scanning has no grid to spread over.
            return 0;
        }
        return Math.min(period - 1, (long) (frac * period));
    }

    /** Stops every device; drivers stay loaded. */
    public synchronized void stop() {
        started = false;
        for (Session s : sessions.values()) {
            s.stop();
        }
    }

    /**
     * Ends every device after its transaction in progress ({@link Session#finish}), waiting at most
     * {@code max}; devices still busy then are stopped at once.
     *
     * @return whether every device finished within {@code max}
     */
    public boolean finish(Duration max) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            started = false;
            for (Session s : sessions.values()) {
                done.add(s.finish());
            }
        }
        try {
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
                    .get(max.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            stop();
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a session failed to stop", e.getCause());
        }
    }

    /** The session of a device, or {@code null}. */
    public synchronized Session session(String device) {
        return sessions.get(device);
    }

    /** Every session, in the order the devices were added. */
    public synchronized List<Session> sessions() {
        return List.copyOf(sessions.values());
    }

    /**
     * Writes a value to a device's point (ABI §7.6), see {@link Session#write}.
     *
     * @throws IllegalArgumentException naming the unknown device or point
     */
    public CompletableFuture<WriteResult> write(String device, String point, Value value) {
        Session s = session(device);
        if (s == null) {
            throw new IllegalArgumentException(
                    "no device named \""
                            + device
                            + "\" (devices: "
                            + String.join(", ", deviceNames())
                            + ")");
        }
        return s.write(point, value);
    }

    private synchronized List<String> deviceNames() {
        return List.copyOf(sessions.keySet());
    }

    /** A snapshot of every device's counters. */
    public synchronized List<SessionStatus> status() {
        List<SessionStatus> out = new ArrayList<>();
        for (Session s : sessions.values()) {
            out.add(s.status());
        }
        return out;
    }

    /** Stops everything and releases the threads. */
    @Override
    public void close() {
        stop();
        workers.close();
        timerThread.shutdownNow();
        for (Transport t : new java.util.LinkedHashSet<>(transports.values())) {
            t.close();
        }
        watchdog.close();
    }
}
