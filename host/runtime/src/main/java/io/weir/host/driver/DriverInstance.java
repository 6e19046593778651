package io.weir.host.driver;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.Layout;
import io.weir.abi.Meta;
import io.weir.abi.PointRecord;
import io.weir.abi.Quality;
import io.weir.abi.RequestFlag;
import io.weir.abi.ValueType;
import io.weir.host.points.Value;
import io.weir.host.wasm.HostImports;
import io.weir.host.wasm.WasmFunction;
import io.weir.host.wasm.WasmInstance;
import io.weir.host.wasm.WasmProgram;
import io.weir.host.wasm.WasmTrap;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * One instance of a driver, with a typed Java method for every call of ABI §7. Single-threaded:
 * never call one instance from two threads at once (§2.7).
 *
 * <p>Negative returns become {@link DriverException} carrying the {@link AbiError}. A trap, a
 * panic, a call past its budget or a returned length beyond its region throws {@link DriverTrapped}
 * (or {@link CallTimedOut}) and kills the instance: every later call throws {@link DriverTrapped}
 * too (§9).
 *
 * <p>Received bytes are copied into {@code rx} once: {@link #frameLen} writes them, and {@link
 * #onFrame(int, int, long, RecordSink)} decodes the frame where {@code frameLen} left it.
 */
public final class DriverInstance implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.weir.driver");

    /** Log rate limit per instance (§3.1): a burst, then this many messages per second. */
    private static final int LOG_BURST = 20;

    private static final double LOG_PER_SECOND = 5;

    /**
     * What every instance of one driver version shares.
     *
     * @param program the compiled module
     * @param limits memory cap and budgets
     * @param watchdog interrupts calls past their budget
     * @param dataBudgetMs the budget of the next data-plane call of an export (cold-start grace)
     * @param label {@code name version} of the driver once known, for messages
     */
    record Shared(
            WasmProgram program,
            DriverLimits limits,
            Watchdog watchdog,
            ToLongFunction<Abi.Export> dataBudgetMs,
            Supplier<String> label,
            CallStats stats) {}

    /** Receives the records of one call, in order (ABI §6). */
    @FunctionalInterface
    public interface RecordSink {
        /**
         * @param point the point index, or -1 for a named record
         * @param name the driver's name of a named record (§6.2), else {@code null}
         * @param value the typed value; {@link Value#NULL} for an unknown type (§3.3)
         * @param quality the u16 quality code
         * @param tsUs the device timestamp (flag {@code DEVICE_TS}) or the call's {@code now_us}
         * @param flags the flags byte as the driver wrote it
         */
        void record(int point, String name, Value value, int quality, long tsUs, int flags);
    }

    private final Shared shared;
    private final String label;
    private final WasmInstance wasm;

    /** The driver's function of each export, by ordinal; {@code null} where it has none. */
    private final WasmFunction[] exports = new WasmFunction[Abi.Export.values().length];

    private final Layout layout;
    private final int meta;

    /** The agreed minor version (ABI §3.3), set by the module once {@code weir_host_abi} agreed. */
    private int agreedMinor = Abi.MINOR_1_0;

    /** {@code meta.frame_flags} of the last {@code weir_on_frame} (agreed version 1.1), else 0. */
    private int frameFlags;

    private String death;
    private String panic;

    /** Bytes at {@code rx[0..]} written by the last {@link #frameLen}, and for which device. */
    private int rxHeld;

    private int rxHeldDev = -1;

    /**
     * One call in this many of each export is timed for {@link CallStats#nanos}, and counts for
     * this many; a power of two.
     */
    static final int STATS_SAMPLE = 16;

    /** Exports whose cold-start grace the module said is over ({@link #budget}). */
    private final boolean[] graceOver = new boolean[Abi.Export.values().length];

    /** Calls made of each export by this instance, for {@link #STATS_SAMPLE}. */
    private final int[] callsOf = new int[Abi.Export.values().length];

    /**
     * Calls of each export not yet added to {@link CallStats#calls}: they are added with each timed
     * call, and all at once when the instance dies or closes. One atomic add per {@link
     * #STATS_SAMPLE} calls instead of one per call, which was 7 % of the host's time around a
     * cycle's calls (BENCHMARKS.md §1).
     */
    private final int[] uncounted = new int[Abi.Export.values().length];

    /** The watchdog's slot of the thread that made the last call, armed for each call. */
    private Watchdog.Deadline slot;

    /** The deadline of the call running or last run: paused around the host's own work in it. */
    private Watchdog.Deadline callDeadline;

    /** When the last call began, and whether it had the call budget: for stop times (§9). */
    private long callStartNanos;

    private boolean callWarm;

    private double logTokens = LOG_BURST;
    private long logRefillNanos = System.nanoTime();
    private long logDropped;
    private final long instantiateNanos;

    DriverInstance(Shared shared, String label) {
        this.shared = shared;
        this.label = label;
        long t0 = System.nanoTime();
        this.wasm = instantiate(t0);
        // Copying memory into a larger array on a grow is the host's work, not the driver's.
        wasm.onHostWork(
                new WasmInstance.HostWork() {
                    @Override
                    public void begin() {
                        callDeadline.pause();
                    }

                    @Override
                    public void end() {
                        callDeadline.resume();
                    }
                });
        for (Abi.Export e : Abi.Export.values()) {
            WasmFunction f = wasm.function(e.exportName());
            if (f != null) {
                exports[e.ordinal()] = f;
            }
        }
        int address = call(Abi.Export.LAYOUT, openBudget());
        long memory = wasm.memoryBytes();
        if (address < 0 || (long) address + Abi.LAYOUT_SIZE + Abi.META_SIZE > memory) {
            throw new DriverRefused(
                    "driver \""
                            + shared.program().driverName()
                            + "\": weir_layout returned "
                            + address
                            + ", outside memory of "
                            + memory
                            + " bytes (ABI §4)");
        }
        try {
            Layout l = Layout.decode(wasm.read(address, Abi.LAYOUT_SIZE), 0);
            l.validate(address, memory);
            this.layout = l;
        } catch (IllegalArgumentException e) {
            throw new DriverRefused(
                    "driver \"" + shared.program().driverName() + "\": " + e.getMessage(), e);
        }
        this.meta = address + Meta.OFFSET_FROM_LAYOUT;
        this.instantiateNanos = System.nanoTime() - t0;
    }

    /**
     * Instantiates under the open budget (ABI §9, 1.1): the start function runs here, and a start
     * function that never returns would otherwise hold the calling thread forever, at load time
     * before any device. Chicory checks the thread's interrupt flag in a start function as in any
     * other call, compiled or interpreted.
     */
    private WasmInstance instantiate(long t0) {
        long budgetMs = openBudget();
        Watchdog.Deadline deadline = shared.watchdog().arm(budgetMs);
        try {
            return shared.program().instantiate(new Imports());
        } catch (WasmTrap e) {
            long elapsed = System.nanoTime() - t0;
            shared.stats().trapped(elapsed, false);
            String where = driver() + " (" + label + "): ";
            String problem;
            if (e.kind() == WasmTrap.Kind.INTERRUPTED && deadline.fired()) {
                problem =
                        "the start function ran past its budget of "
                                + budgetMs
                                + " ms and was interrupted";
                throw new CallTimedOut(where + problem, problem, budgetMs, e);
            }
            problem =
                    e.kind() == WasmTrap.Kind.INTERRUPTED
                            ? "instantiation was interrupted by the host"
                            : DriverText.escape(e.getMessage());
            throw new DriverTrapped(where + problem, problem, null, e);
        } finally {
            deadline.close();
        }
    }

    /** {@code name version} of the driver, or its file name before the manifest is read. */
    private String driver() {
        return shared.label().get();
    }

    /** The start of a trap message: which driver, which instance. */
    private String where() {
        return driver() + " (" + label + ") ";
    }

    private final class Imports implements HostImports {
        @Override
        public void log(int level, Supplier<String> message) {
            long now = System.nanoTime();
            logTokens =
                    Math.min(LOG_BURST, logTokens + (now - logRefillNanos) / 1e9 * LOG_PER_SECOND);
            logRefillNanos = now;
            if (logTokens < 1) {
                logDropped++;
                return;
            }
            logTokens--;
            if (logDropped > 0) {
                LOG.log(
                        Level.WARNING,
                        "{0} ({1}): {2} log messages dropped by the rate limit",
                        driver(),
                        label,
                        logDropped);
                logDropped = 0;
            }
            Level l =
                    switch (Abi.LogLevel.of(level)) {
                        case ERROR -> Level.ERROR;
                        case WARN -> Level.WARNING;
                        case INFO -> Level.INFO;
                        case DEBUG -> Level.DEBUG;
                    };
            LOG.log(l, "{0} ({1}): {2}", driver(), label, DriverText.escape(message.get()));
        }

        @Override
        public void panic(String message) {
            panic = DriverText.escape(message);
        }
    }

    // ---- calls -------------------------------------------------------------------------------

    private int call(Abi.Export export, long budgetMs, long... args) {
        if (death != null) {
            throw new DriverTrapped(
                    driver() + " (" + label + "): instance is dead since " + death, panic, null);
        }
        WasmFunction f = exports[export.ordinal()];
        if (f == null) {
            // Only optional exports can be missing: the pre-flight checked the required ones.
            return AbiError.E_UNSUPPORTED.code();
        }
        // A warm call that is not timed reads no clock (a reading costs 30-40 ns on a KVM guest, a
        // small call a few hundred): the watchdog's coarse start (its timer's last look, up to a
        // tick early) serves as the stop time's start if it traps. One call in STATS_SAMPLE of
        // each export is timed, and the cold calls (loading, opening, the cold-start grace: rare,
        // and their stop times are the ones tests and operators compare) get an exact start; that
        // one reading serves the budget, the stop time and the stats.
        boolean timed = (callsOf[export.ordinal()]++ & (STATS_SAMPLE - 1)) == 0;
        callWarm = budgetMs < openBudget();
        Watchdog watchdog = shared.watchdog();
        Watchdog.Deadline slot = this.slot;
        if (slot == null || !slot.mine(watchdog)) {
            // The first call, or the first on another thread (§2.7: one at a time, in turn).
            slot = this.slot = watchdog.slot();
        }
        Watchdog.Deadline deadline = watchdog.arm(slot, budgetMs, timed || !callWarm);
        callDeadline = deadline;
        long t0 = deadline.armedAt();
        callStartNanos = t0;
        // ABI §9 (1.1): a call with the call budget grows memory by a few MiB at most; the heap
        // pages of a larger growth cost collections the CPU budget does not see.
        wasm.allowGrowth(callWarm ? shared.limits().maxGrowPagesPerCall() : Integer.MAX_VALUE);
        try {
            return (int) f.call(args);
        } catch (WasmTrap e) {
            shared.stats().trapped(System.nanoTime() - t0, callWarm);
            String name = export.exportName();
            if (deadline.fired()) {
                String problem = name + " ran past its budget of " + budgetMs + " ms";
                death = problem;
                throw new CallTimedOut(
                        where() + problem + " and was interrupted" + growthRefused(),
                        problem + " and was interrupted" + growthRefused(),
                        budgetMs,
                        e);
            }
            String problem;
            if (e.kind() == WasmTrap.Kind.INTERRUPTED) {
                // Not the watchdog: the host interrupted this thread (an executor shutting down).
                // The call stopped half-way, so the instance cannot be trusted either.
                problem = name + " was interrupted by the host before its budget ran out";
            } else if (e.kind() == WasmTrap.Kind.PANIC) {
                problem = name + " panicked: " + panic;
            } else {
                problem = name + " trapped: " + DriverText.escape(e.getMessage());
            }
            problem += growthRefused();
            death = problem;
            throw new DriverTrapped(where() + problem, problem, panic, e);
        } finally {
            uncounted[export.ordinal()]++;
            if (timed) {
                count(export, (System.nanoTime() - t0) * STATS_SAMPLE);
            }
            if (death != null) {
                countAll();
            }
            deadline.close();
        }
    }

    /**
     * What a trap message adds when the host refused a {@code memory.grow} of the call (ABI §9,
     * 1.1), which is often why a driver trapped (an allocation failure ends in {@code unreachable})
     * or kept asking until its budget ran out; empty otherwise.
     */
    private String growthRefused() {
        int pages = wasm.refusedGrowth();
        if (pages == 0) {
            return "";
        }
        return " (the host refused its memory.grow of "
                + pages
                + (pages == 1 ? " page" : " pages")
                + ": a call after the cold-start grace may grow memory by "
                + shared.limits().maxGrowPagesPerCall()
                + " pages in all, ABI §9)";
    }

    /**
     * Adds the uncounted calls of {@code export} to the stats, with {@code nanos} of their time.
     */
    private void count(Abi.Export export, long nanos) {
        shared.stats().record(export, uncounted[export.ordinal()], nanos);
        uncounted[export.ordinal()] = 0;
    }

    /** Adds every uncounted call to the stats: the instance makes no more. */
    private void countAll() {
        for (Abi.Export e : Abi.Export.values()) {
            if (uncounted[e.ordinal()] != 0) {
                count(e, 0);
            }
        }
    }

    /** A returned value outside what the ABI allows is treated as a trap (§9). */
    private DriverTrapped violation(Abi.Export export, String problem) {
        shared.stats().trapped(System.nanoTime() - callStartNanos, callWarm);
        death = export.exportName() + " " + problem;
        countAll();
        String text = death + " (ABI §9)";
        return new DriverTrapped(where() + text, text, null, null);
    }

    private int checked(Abi.Export export, int rc) throws DriverException {
        if (rc < 0) {
            throw new DriverException(export.exportName(), rc, lastErrorQuietly(0));
        }
        return rc;
    }

    private int dataCall(Abi.Export export, int dev, long budget, long... args)
            throws DriverException {
        int rc = call(export, budget, args);
        if (rc < 0) {
            throw new DriverException(export.exportName(), rc, lastErrorQuietly(dev));
        }
        return rc;
    }

    private String lastErrorQuietly(int dev) {
        try {
            return lastError(dev);
        } catch (DriverException e) {
            return "";
        }
    }

    /**
     * ABI §9: calls made while loading, probing and opening (and the state calls around them) have
     * the open budget.
     */
    private long openBudget() {
        return shared.limits().openBudgetMs();
    }

    /** ABI §9: a data-plane call has the call budget, after the module's cold-start grace. */
    private long budget(Abi.Export export) {
        int i = export.ordinal();
        long callBudget = shared.limits().callBudgetMs();
        if (graceOver[i]) {
            return callBudget;
        }
        long ms = shared.dataBudgetMs().applyAsLong(export);
        // The module's grace only ends (its count of calls only grows): once it gives the call
        // budget, this instance's later calls of the export need not ask it again, a volatile
        // read of a counter all instances share.
        graceOver[i] = ms == callBudget;
        return ms;
    }

    int abiVersion() {
        return call(Abi.Export.ABI_VERSION, openBudget());
    }

    /**
     * {@code weir_host_abi(hostVersion)} (ABI §3.3), under the open budget: the driver's answer as
     * it gave it, or {@link Abi#VERSION} (1.0) for a driver that does not export it.
     */
    int hostAbi(int hostVersion) {
        if (!supports(Abi.Export.HOST_ABI)) {
            return Abi.VERSION;
        }
        return call(Abi.Export.HOST_ABI, openBudget(), hostVersion);
    }

    /** Records the agreed minor version; from now on the calls and fields of that minor apply. */
    void agreed(int minor) {
        this.agreedMinor = minor;
    }

    /**
     * The minor version host and driver agreed on for this instance (ABI §3.3): it decides which
     * exports the host may call, which meta fields it reads and which record flags it honours.
     */
    public int agreedMinor() {
        return agreedMinor;
    }

    /**
     * A violation the host found in what the driver returned (ABI §9: a point index outside the
     * device's point map, a cycle over its request or byte limit): the instance is dead from now
     * on, as after a trap, and the returned exception says what happened.
     *
     * @param export the call whose result broke the rule
     * @param problem what was wrong, e.g. {@code "named point 50, outside the point map of 2"}
     */
    public DriverTrapped violated(Abi.Export export, String problem) {
        return violation(export, problem);
    }

    /** A host that calls an export of a later minor than the agreed one has a bug (§2.9). */
    private void requireAgreed(Abi.Export export) {
        if (!export.callableWith(agreedMinor)) {
            throw new IllegalStateException(
                    export.exportName()
                            + " is ABI 1."
                            + export.since()
                            + "; the agreed version of "
                            + driver()
                            + " is 1."
                            + agreedMinor
                            + ", so a host does not call it (ABI §2.9)");
        }
    }

    /** {@code meta.corr} as a u32, read only with agreed version 1.1 (ABI §7.12). */
    private long corr() {
        return agreedMinor >= Abi.MINOR_1_1
                ? Integer.toUnsignedLong(wasm.readI32(meta + Meta.CORR))
                : 0;
    }

    /** Reads {@code meta.frame_flags} after a successful {@code weir_on_frame} (ABI §7.3). */
    private void readFrameFlags() {
        frameFlags = agreedMinor >= Abi.MINOR_1_1 ? wasm.readI32(meta + Meta.FRAME_FLAGS) : 0;
    }

    /**
     * {@code meta.frame_flags} as the last successful {@code weir_on_frame} wrote it (ABI v1.1
     * §7.3), bits unknown to this host included; 0 with agreed version 1.0, whose drivers write
     * none.
     */
    public int frameFlags() {
        return frameFlags;
    }

    /** {@code weir_describe}: the manifest JSON bytes. */
    byte[] describe() throws DriverException {
        int n = checked(Abi.Export.DESCRIBE, call(Abi.Export.DESCRIBE, openBudget()));
        requireWithin(Abi.Export.DESCRIBE, "length", n, layout.blobCap(), "blob");
        long perCall = shared.limits().maxBlobBytesPerCall(layout.blobCap());
        if (n > perCall) {
            throw violation(
                    Abi.Export.DESCRIBE,
                    "returned a manifest of "
                            + n
                            + " bytes, more than the "
                            + perCall
                            + " blob bytes one call may use");
        }
        return wasm.read((int) layout.blobPtr(), n);
    }

    /**
     * {@code weir_open}: opens device {@code dev} with its config text (ABI §5).
     *
     * @throws IllegalArgumentException if the config is larger than the driver's {@code cfg}
     */
    public void open(int dev, String configText, long nowUs) throws DriverException {
        requireDev(dev);
        byte[] cfg = configText.getBytes(StandardCharsets.UTF_8);
        if (cfg.length > layout.cfgCap()) {
            throw new IllegalArgumentException(
                    "config text of "
                            + cfg.length
                            + " bytes does not fit the driver's cfg region of "
                            + layout.cfgCap()
                            + " bytes");
        }
        wasm.write((int) layout.cfgPtr(), cfg, 0, cfg.length);
        dataCall(Abi.Export.OPEN, dev, openBudget(), dev, cfg.length, nowUs);
    }

    /** {@code weir_close}. */
    public void close(int dev) throws DriverException {
        requireDev(dev);
        dataCall(Abi.Export.CLOSE, dev, openBudget(), dev);
    }

    /** {@code weir_poll}: the next request of the cycle, or {@link Request#END_OF_CYCLE}. */
    public Request poll(int dev, long nowUs) throws DriverException {
        requireDev(dev);
        int n = dataCall(Abi.Export.POLL, dev, budget(Abi.Export.POLL), dev, nowUs);
        return request(Abi.Export.POLL, n);
    }

    /**
     * {@code meta.req_flags} after a {@code weir_poll} request (ABI v1.2 §7.1): read only with
     * agreed version 1.2, whose drivers write it with every request; unknown bits are zero.
     */
    private boolean lastOfCycle(Abi.Export export) {
        return export == Abi.Export.POLL
                && agreedMinor >= Abi.MINOR_1_2
                && RequestFlag.LAST.isSet(wasm.readI32(meta + Meta.REQ_FLAGS));
    }

    private Request request(Abi.Export export, int n) {
        if (n == 0) {
            return Request.END_OF_CYCLE;
        }
        requireWithin(export, "length", n, layout.txCap(), "tx");
        if (n > Abi.MAX_TX_BYTES_PER_CYCLE) {
            // One request larger than a whole cycle may send: ended here, before it is copied.
            throw violation(
                    export,
                    "returned a request of "
                            + n
                            + " bytes, more than the "
                            + Abi.MAX_TX_BYTES_PER_CYCLE
                            + " bytes one cycle may send");
        }
        int expect = wasm.readI32(meta + Meta.EXPECT);
        int timeout = wasm.readI32(meta + Meta.TIMEOUT_MS);
        if (expect != 0 && expect != 1) {
            throw violation(export, "wrote meta.expect = " + expect + ", not 0 or 1");
        }
        if (timeout < 0) {
            throw violation(export, "wrote a negative meta.timeout_ms " + timeout);
        }
        return new Request(
                wasm.read((int) layout.txPtr(), n), expect == 1, timeout, lastOfCycle(export));
    }

    /** The capacity of {@code rx}: the most bytes {@link #frameLen} can be given. */
    public int rxCapacity() {
        return (int) layout.rxCap();
    }

    /**
     * {@code weir_frame_len} over {@code rx[0..len]}, after copying {@code bytes[off..off+len]}
     * into {@code rx}. The bytes stay there for {@link #onFrame(int, int, long, RecordSink)}.
     */
    public FrameLength frameLen(int dev, byte[] bytes, int off, int len) throws DriverException {
        requireDev(dev);
        writeRx(bytes, off, len);
        rxHeld = len;
        rxHeldDev = dev;
        int rc = call(Abi.Export.FRAME_LEN, budget(Abi.Export.FRAME_LEN), dev, len);
        if (rc == AbiError.E_RESYNC.code()) {
            int skip = wasm.readI32(meta + Meta.SKIP);
            if (skip < 1 || skip > len) {
                throw violation(
                        Abi.Export.FRAME_LEN,
                        "asked to skip " + skip + " bytes of " + len + " (must be 1.." + len + ")");
            }
            return FrameLength.resync(skip);
        }
        if (rc < 0) {
            throw new DriverException(Abi.Export.FRAME_LEN.exportName(), rc, lastErrorQuietly(dev));
        }
        if (rc == 0) {
            int need = wasm.readI32(meta + Meta.NEED);
            return FrameLength.needMore(Math.max(need, 0));
        }
        if (rc > len) {
            throw violation(
                    Abi.Export.FRAME_LEN,
                    "returned frame length " + rc + ", more than the " + len + " bytes given");
        }
        return FrameLength.complete(rc, corr());
    }

    /**
     * {@code weir_on_frame} for the frame {@code rx[0..len]} that the last {@link #frameLen} of the
     * same device put there: the bytes are not copied again.
     *
     * @return the number of records handed to {@code sink}
     * @throws IllegalStateException if the last {@code frameLen} was for another device or held
     *     fewer bytes (a host bug)
     */
    public int onFrame(int dev, int len, long nowUs, RecordSink sink) throws DriverException {
        requireDev(dev);
        if (dev != rxHeldDev || len < 1 || len > rxHeld) {
            throw new IllegalStateException(
                    "rx holds "
                            + rxHeld
                            + " bytes of device "
                            + rxHeldDev
                            + ", not a frame of "
                            + len
                            + " bytes of device "
                            + dev);
        }
        rxHeld = 0;
        rxHeldDev = -1;
        frameFlags = 0;
        int n = dataCall(Abi.Export.ON_FRAME, dev, budget(Abi.Export.ON_FRAME), dev, len, nowUs);
        readFrameFlags();
        return records(Abi.Export.ON_FRAME, n, nowUs, sink);
    }

    /** {@code weir_on_frame} for the frame {@code bytes[off..off+len]} (copied into {@code rx}). */
    public List<DriverRecord> onFrame(int dev, byte[] bytes, int off, int len, long nowUs)
            throws DriverException {
        requireDev(dev);
        writeRx(bytes, off, len);
        frameFlags = 0;
        int n = dataCall(Abi.Export.ON_FRAME, dev, budget(Abi.Export.ON_FRAME), dev, len, nowUs);
        readFrameFlags();
        List<DriverRecord> out = new ArrayList<>(n);
        records(Abi.Export.ON_FRAME, n, nowUs, collect(out));
        return Collections.unmodifiableList(out);
    }

    /**
     * {@code weir_on_bytes} (ABI v1.2 §7.13) over {@code bytes[off..off+len]}, copied into {@code
     * rx}: frames them as {@code weir_frame_len} would and decodes a complete frame at {@code
     * rx[0]} in the same call, its records to {@code sink}. Every check of the two calls it
     * replaces applies: the frame length {@code meta.need} must lie in {@code 1..len}, a skip in
     * {@code 1..len}, and the records, blob and point indexes as after {@code weir_on_frame}.
     *
     * @return the framing (a complete frame, decoded or refused; more bytes needed; resync)
     * @throws DriverException when no frame was found and the driver failed ({@code meta.need} 0
     *     with an error other than {@code E_PARTIAL} and {@code E_RESYNC}), as {@code
     *     weir_frame_len} would have
     * @throws DriverTrapped for a violation: {@code meta.need} beyond {@code len} or negative, a
     *     count with {@code meta.need} 0, a bad skip, or bad records (§9)
     * @throws IllegalStateException if the agreed version is below 1.2 (a host does not call it)
     */
    public OnBytes onBytes(int dev, byte[] bytes, int off, int len, long nowUs, RecordSink sink)
            throws DriverException {
        requireDev(dev);
        requireAgreed(Abi.Export.ON_BYTES);
        writeRx(bytes, off, len);
        // The frame is decoded here: nothing stays in rx for onFrame.
        rxHeld = 0;
        rxHeldDev = -1;
        frameFlags = 0;
        int rc = call(Abi.Export.ON_BYTES, budget(Abi.Export.ON_BYTES), dev, len, nowUs);
        int need = wasm.readI32(meta + Meta.NEED);
        if (rc == AbiError.E_PARTIAL.code()) {
            // As after weir_frame_len's 0: a negative need means "not known".
            return new OnBytes(FrameLength.needMore(Math.max(need, 0)), 0, null);
        }
        if (rc == AbiError.E_RESYNC.code()) {
            int skip = wasm.readI32(meta + Meta.SKIP);
            if (skip < 1 || skip > len) {
                throw violation(
                        Abi.Export.ON_BYTES,
                        "asked to skip " + skip + " bytes of " + len + " (must be 1.." + len + ")");
            }
            return new OnBytes(FrameLength.resync(skip), 0, null);
        }
        if (need < 0) {
            throw violation(
                    Abi.Export.ON_BYTES,
                    "wrote a negative meta.need " + need + " as the length of a frame it decoded");
        }
        if (need > len) {
            throw violation(
                    Abi.Export.ON_BYTES,
                    "wrote meta.need = "
                            + need
                            + " as the length of the frame it decoded, more than the "
                            + len
                            + " bytes given");
        }
        if (need == 0) {
            if (rc >= 0) {
                throw violation(
                        Abi.Export.ON_BYTES,
                        "returned " + rc + " records but meta.need = 0: records of no frame");
            }
            throw new DriverException(Abi.Export.ON_BYTES.exportName(), rc, lastErrorQuietly(dev));
        }
        FrameLength frame = FrameLength.complete(need, corr());
        if (rc < 0) {
            return new OnBytes(
                    frame,
                    0,
                    new DriverException(
                            Abi.Export.ON_BYTES.exportName(), rc, lastErrorQuietly(dev)));
        }
        readFrameFlags();
        return new OnBytes(frame, records(Abi.Export.ON_BYTES, rc, nowUs, sink), null);
    }

    /** {@code weir_on_timeout}: the outstanding request's response never came. */
    public int onTimeout(int dev, long nowUs, RecordSink sink) throws DriverException {
        requireDev(dev);
        int n = dataCall(Abi.Export.ON_TIMEOUT, dev, budget(Abi.Export.ON_TIMEOUT), dev, nowUs);
        return records(Abi.Export.ON_TIMEOUT, n, nowUs, sink);
    }

    /** {@code weir_on_timeout}, its records collected. */
    public List<DriverRecord> onTimeout(int dev, long nowUs) throws DriverException {
        List<DriverRecord> out = new ArrayList<>();
        onTimeout(dev, nowUs, collect(out));
        return Collections.unmodifiableList(out);
    }

    private static RecordSink collect(List<DriverRecord> out) {
        return (point, name, value, quality, tsUs, flags) ->
                out.add(new DriverRecord(point, name, value, quality, tsUs, flags));
    }

    /**
     * {@code weir_observe}: adopts a recorded request as the outstanding one (§7.5).
     *
     * @return the request's correlation key {@code meta.corr} as a u32 (ABI v1.1 §7.12), by which a
     *     replay pairs it with its response; 0 with agreed version 1.0 or a protocol without keys
     */
    public long observe(int dev, byte[] request) throws DriverException {
        requireDev(dev);
        writeRx(request, 0, request.length);
        dataCall(Abi.Export.OBSERVE, dev, budget(Abi.Export.OBSERVE), dev, request.length);
        return corr();
    }

    // ---- ABI v1.1 calls ------------------------------------------------------------------------

    /**
     * {@code weir_link_up} (ABI v1.1 §7.9): the device's link has just come up. Has the open budget
     * (§9), since a driver may reset its connection state here.
     *
     * @throws DriverException {@code E_UNSUPPORTED} when the driver does not use link events (a
     *     missing export included); any other error when it cannot use this link
     * @throws IllegalStateException if the agreed version is 1.0 (a host does not call it then)
     */
    public void linkUp(int dev, long nowUs) throws DriverException {
        requireDev(dev);
        requireAgreed(Abi.Export.LINK_UP);
        dataCall(Abi.Export.LINK_UP, dev, openBudget(), dev, nowUs);
    }

    /**
     * {@code weir_frame_end} (ABI v1.1 §7.10) over {@code bytes[off..off+len]}, copied into {@code
     * rx}: the line fell silent with these bytes pending. A complete frame stays in {@code rx} for
     * {@link #onFrame(int, int, long, RecordSink)}, as after {@link #frameLen}.
     *
     * @return {@link FrameLength.Kind#COMPLETE} with the frame's length and {@code meta.corr};
     *     {@link FrameLength.Kind#NEED_MORE} for the answer 0 (the bytes are no frame: drop them);
     *     {@link FrameLength.Kind#RESYNC} with {@code meta.skip}
     * @throws DriverException {@code E_UNSUPPORTED} when the driver does not frame by silence, any
     *     other error as the driver gave it
     * @throws DriverTrapped also for a frame length beyond {@code len} or a skip outside {@code
     *     1..len} (violations, §9)
     */
    public FrameLength frameEnd(int dev, byte[] bytes, int off, int len) throws DriverException {
        requireDev(dev);
        requireAgreed(Abi.Export.FRAME_END);
        if (len < 1) {
            throw new IllegalArgumentException(
                    "weir_frame_end is never called with rx_len 0 (ABI §7.10)");
        }
        writeRx(bytes, off, len);
        rxHeld = len;
        rxHeldDev = dev;
        int rc = call(Abi.Export.FRAME_END, budget(Abi.Export.FRAME_END), dev, len);
        if (rc == AbiError.E_RESYNC.code()) {
            int skip = wasm.readI32(meta + Meta.SKIP);
            if (skip < 1 || skip > len) {
                throw violation(
                        Abi.Export.FRAME_END,
                        "asked to skip " + skip + " bytes of " + len + " (must be 1.." + len + ")");
            }
            return FrameLength.resync(skip);
        }
        if (rc < 0) {
            throw new DriverException(Abi.Export.FRAME_END.exportName(), rc, lastErrorQuietly(dev));
        }
        if (rc == 0) {
            return FrameLength.needMore(0);
        }
        if (rc > len) {
            throw violation(
                    Abi.Export.FRAME_END,
                    "returned frame length " + rc + ", more than the " + len + " bytes given");
        }
        return FrameLength.complete(rc, corr());
    }

    /**
     * {@code weir_tick} (ABI v1.1 §7.11): a schedule tick of the device; its records (device
     * status, readings derived from time) go to {@code sink}.
     *
     * @return the number of records
     * @throws DriverException {@code E_UNSUPPORTED} when the driver has nothing to do at ticks
     */
    public int tick(int dev, long nowUs, RecordSink sink) throws DriverException {
        requireDev(dev);
        requireAgreed(Abi.Export.TICK);
        int n = dataCall(Abi.Export.TICK, dev, budget(Abi.Export.TICK), dev, nowUs);
        return records(Abi.Export.TICK, n, nowUs, sink);
    }

    /** {@code weir_tick}, its records collected. */
    public List<DriverRecord> tick(int dev, long nowUs) throws DriverException {
        List<DriverRecord> out = new ArrayList<>();
        tick(dev, nowUs, collect(out));
        return Collections.unmodifiableList(out);
    }

    /**
     * {@code weir_write}: encodes a write of {@code value} to point {@code point} (§7.6). {@code
     * value} is §6.1's value field; a {@code STR} or {@code BYTES} value goes through {@link
     * #write(int, int, ValueType, byte[], long)}.
     */
    public Request write(int dev, int point, ValueType type, long value, long nowUs)
            throws DriverException {
        if (type == ValueType.STR || type == ValueType.BYTES) {
            throw new IllegalArgumentException(
                    "a "
                            + type
                            + " write value is bytes, not a 64-bit value field: use the byte[]"
                            + " overload");
        }
        return encodeWrite(dev, point, type, value, nowUs);
    }

    /**
     * {@code weir_write} of a {@code STR} (UTF-8) or {@code BYTES} value: ABI §7.6 puts the bytes
     * at the start of {@code cfg} and passes offset 0 (low 32 bits) and the length (high 32 bits)
     * as the value.
     *
     * @throws IllegalArgumentException if {@code type} is neither STR nor BYTES, or the value does
     *     not fit the driver's {@code cfg} region
     */
    public Request write(int dev, int point, ValueType type, byte[] value, long nowUs)
            throws DriverException {
        if (type != ValueType.STR && type != ValueType.BYTES) {
            throw new IllegalArgumentException(
                    "a byte[] write value must have type STR or BYTES, got " + type);
        }
        requireDev(dev);
        requirePoint(point);
        if (value.length > layout.cfgCap()) {
            throw new IllegalArgumentException(
                    "a "
                            + type
                            + " write value of "
                            + value.length
                            + " bytes does not fit the driver's cfg region of "
                            + layout.cfgCap()
                            + " bytes");
        }
        wasm.write((int) layout.cfgPtr(), value, 0, value.length);
        return encodeWrite(dev, point, type, (long) value.length << 32, nowUs);
    }

    private Request encodeWrite(int dev, int point, ValueType type, long value, long nowUs)
            throws DriverException {
        requireDev(dev);
        requirePoint(point);
        int n =
                dataCall(
                        Abi.Export.WRITE,
                        dev,
                        budget(Abi.Export.WRITE),
                        dev,
                        point,
                        type.code(),
                        value,
                        nowUs);
        if (n == 0) {
            throw violation(Abi.Export.WRITE, "returned an empty request");
        }
        return request(Abi.Export.WRITE, n);
    }

    /** {@code weir_save_state}: the device's state payload (§7.7). */
    public byte[] saveState(int dev) throws DriverException {
        requireDev(dev);
        int n = dataCall(Abi.Export.SAVE_STATE, dev, openBudget(), dev);
        requireWithin(Abi.Export.SAVE_STATE, "length", n, layout.stateCap(), "state");
        return wasm.read((int) layout.statePtr(), n);
    }

    /** {@code weir_load_state}: restores a payload saved by {@link #saveState} (§7.7). */
    public void loadState(int dev, byte[] state) throws DriverException {
        requireDev(dev);
        if (state.length > layout.stateCap()) {
            throw new IllegalArgumentException(
                    "state of "
                            + state.length
                            + " bytes does not fit the driver's state region of "
                            + layout.stateCap()
                            + " bytes");
        }
        wasm.write((int) layout.statePtr(), state, 0, state.length);
        dataCall(Abi.Export.LOAD_STATE, dev, openBudget(), dev, state.length);
    }

    /**
     * {@code weir_last_error}: the driver's text for the last error or bad record of {@code dev}.
     */
    public String lastError(int dev) throws DriverException {
        requireDev(dev);
        int n = call(Abi.Export.LAST_ERROR, budget(Abi.Export.LAST_ERROR), dev);
        if (n < 0) {
            throw new DriverException(Abi.Export.LAST_ERROR.exportName(), n, "");
        }
        requireWithin(Abi.Export.LAST_ERROR, "length", n, layout.errCap(), "err");
        // The text goes into log lines and point reasons: cut and escaped like a log message.
        int read = Math.min(n, Abi.LOG_MESSAGE_MAX_BYTES);
        return DriverText.of(wasm.read((int) layout.errPtr(), read), n);
    }

    /** {@code weir_gc}, if the driver exports it; a no-op otherwise. */
    public void gc() {
        if (supports(Abi.Export.GC)) {
            call(Abi.Export.GC, budget(Abi.Export.GC));
        }
    }

    /** Whether the driver exports this (optional) call. */
    public boolean supports(Abi.Export export) {
        return exports[export.ordinal()] != null;
    }

    // ---- records ------------------------------------------------------------------------------

    private int records(Abi.Export export, int n, long nowUs, RecordSink sink) {
        if (n == 0) {
            return 0;
        }
        int capacity = layout.outRecords();
        if (n > capacity) {
            throw violation(export, "returned " + n + " records; out holds " + capacity);
        }
        int perCall = shared.limits().maxRecordsPerCall();
        if (n > perCall) {
            throw violation(
                    export,
                    "returned " + n + " records, more than the " + perCall + " one call may");
        }
        int blobUsed = wasm.readI32(meta + Meta.BLOB_USED);
        if (blobUsed < 0 || blobUsed > layout.blobCap()) {
            throw violation(
                    export,
                    "wrote meta.blob_used = "
                            + blobUsed
                            + ", beyond blob capacity "
                            + layout.blobCap());
        }
        long blobPerCall = shared.limits().maxBlobBytesPerCall(layout.blobCap());
        if (blobUsed > blobPerCall) {
            throw violation(
                    export,
                    "wrote meta.blob_used = "
                            + blobUsed
                            + ", more than the "
                            + blobPerCall
                            + " blob bytes one call may use");
        }
        // The records are read where the driver wrote them, three i64 loads each, rather than
        // copied out of linear memory first: the layout put out inside memory (§4, checked when
        // the instance started), memory never shrinks (§3.10), and n is within out's capacity.
        int outPtr = (int) layout.outPtr();
        byte[] blob = null;
        for (int i = 0; i < n; i++) {
            int at = outPtr + i * Abi.RECORD_SIZE;
            long head = wasm.readI64(at);
            int vt = (int) (head >>> 32) & 0xFF;
            int fl = (int) (head >>> 40) & 0xFF;
            // The common record: a number, bool or null of a point of the map, no NAMED flag.
            if ((fl & 1) == 0 && vt <= 4 && (int) head >= 0) {
                long bits = wasm.readI64(at + 16);
                long ts = (fl & 2) != 0 ? wasm.readI64(at + 8) : nowUs;
                int q = (int) (head >>> 48) & 0xFFFF;
                Value v;
                switch (vt) {
                    case 0 -> v = Value.NULL;
                    case 1 -> {
                        if (bits == 0 || bits == 1) {
                            v = Value.of(bits == 1);
                        } else {
                            v = Value.NULL;
                            q = Quality.BAD_PROTOCOL.code();
                        }
                    }
                    case 2 -> v = Value.i64(bits);
                    case 3 -> v = Value.u64(bits);
                    default -> v = Value.f64(Double.longBitsToDouble(bits));
                }
                sink.record((int) head, null, v, q, ts, fl);
                continue;
            }
            PointRecord r = PointRecord.decode(wasm.read(at, Abi.RECORD_SIZE), 0);
            if (blob == null && needsBlob(r)) {
                blob = blobUsed == 0 ? new byte[0] : wasm.read((int) layout.blobPtr(), blobUsed);
            }
            try {
                decode(r, blob, blobUsed, nowUs, sink);
            } catch (IllegalArgumentException e) {
                throw violation(export, "record " + i + ": " + e.getMessage());
            }
        }
        return n;
    }

    private static boolean needsBlob(PointRecord r) {
        int t = r.vtype();
        return r.named() || t == ValueType.STR.code() || t == ValueType.BYTES.code();
    }

    private static void decode(
            PointRecord r, byte[] blob, int blobUsed, long nowUs, RecordSink sink) {
        int point = -1;
        String name = null;
        if (r.named()) {
            name = PointRecord.readName(blob, blobUsed, r.point());
        } else {
            if (r.point() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("point index " + r.point() + " is out of range");
            }
            point = (int) r.point();
        }
        long ts = r.deviceTimestamp() ? r.tsUs() : nowUs;
        ValueType type = r.valueType();
        int quality = r.quality();
        Value value;
        if (type == null) {
            // §3.3: an unknown value type is NULL with quality BAD_PROTOCOL.
            value = Value.NULL;
            quality = Quality.BAD_PROTOCOL.code();
        } else {
            switch (type) {
                case NULL -> value = Value.NULL;
                case BOOL -> {
                    // §6.1: 0 or 1 in the low byte, other bytes 0. Anything else is malformed.
                    if (r.value() == 0 || r.value() == 1) {
                        value = Value.of(r.value() == 1);
                    } else {
                        value = Value.NULL;
                        quality = Quality.BAD_PROTOCOL.code();
                    }
                }
                case I64 -> value = Value.i64(r.value());
                case U64 -> value = Value.u64(r.value());
                case F64 -> value = Value.f64(r.f64());
                case STR -> value = Value.str(r.blobText(blob, blobUsed));
                case BYTES -> value = Value.bytes(r.blobBytes(blob, blobUsed));
                default -> throw new IllegalStateException("unhandled type " + type);
            }
        }
        sink.record(point, name, value, quality, ts, r.flags());
    }

    // ---- checks ------------------------------------------------------------------------------

    private void writeRx(byte[] bytes, int off, int len) {
        if (len < 0 || len > layout.rxCap()) {
            throw new IllegalArgumentException(
                    len
                            + " bytes do not fit the driver's rx region of "
                            + layout.rxCap()
                            + " bytes");
        }
        rxHeld = 0;
        rxHeldDev = -1;
        wasm.write((int) layout.rxPtr(), bytes, off, len);
    }

    private void requireWithin(
            Abi.Export export, String what, long value, long cap, String region) {
        // Callers pass lengths already known to be ≥ 0 (negative returns are error codes).
        if (value > cap) {
            throw violation(
                    export,
                    "returned " + what + " " + value + ", beyond " + region + " capacity " + cap);
        }
    }

    private static void requirePoint(int point) {
        if (point < 0) {
            throw new IllegalArgumentException("point index must be ≥ 0, got " + point);
        }
    }

    private static void requireDev(int dev) {
        if (dev < 0) {
            throw new IllegalArgumentException("device handle must be 0..2^31-1, got " + dev);
        }
    }

    // ---- state -------------------------------------------------------------------------------

    public Layout layout() {
        return layout;
    }

    /** Whether an earlier trap or timeout killed this instance. */
    public boolean dead() {
        return death != null;
    }

    /** Why the instance died, or {@code null}. */
    public String death() {
        return death;
    }

    /** Current linear memory in pages (§3.10: memory never shrinks; watch it). */
    public int memoryPages() {
        return wasm.memoryPages();
    }

    /** How long instantiation and reading the layout took. */
    public long instantiateNanos() {
        return instantiateNanos;
    }

    /** Marks the instance unusable; the host drops it. Makes no driver call. */
    @Override
    public void close() {
        if (death == null) {
            death = "closed by the host";
        }
        countAll();
    }
}
