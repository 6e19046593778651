package io.weir.host.driver;

import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.Layout;
import io.weir.abi.Meta;
import io.weir.abi.PointRecord;
import io.weir.abi.Quality;
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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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

    private static final java.lang.invoke.VarHandle LE_LONG =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
                    long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private final Shared shared;
    private final String label;
    private final WasmInstance wasm;
    private final Map<Abi.Export, WasmFunction> exports = new EnumMap<>(Abi.Export.class);
    private final Layout layout;
    private final int meta;
    private String death;
    private String panic;

    /** Bytes at {@code rx[0..]} written by the last {@link #frameLen}, and for which device. */
    private int rxHeld;

    private int rxHeldDev = -1;

    private double logTokens = LOG_BURST;
    private long logRefillNanos = System.nanoTime();
    private long logDropped;
    private final long instantiateNanos;

    DriverInstance(Shared shared, String label) {
        this.shared = shared;
        this.label = label;
        long t0 = System.nanoTime();
        try {
            this.wasm = shared.program().instantiate(new Imports());
        } catch (WasmTrap e) {
            throw new DriverTrapped(driver() + " (" + label + "): " + e.getMessage(), panic, e);
        }
        for (Abi.Export e : Abi.Export.values()) {
            WasmFunction f = wasm.function(e.exportName());
            if (f != null) {
                exports.put(e, f);
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

    /** {@code name version} of the driver, or its file name before the manifest is read. */
    private String driver() {
        return shared.label().get();
    }

    private final class Imports implements HostImports {
        @Override
        public void log(int level, String message) {
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
            LOG.log(l, "{0} ({1}): {2}", driver(), label, message);
        }

        @Override
        public void panic(String message) {
            panic = message;
        }
    }

    // ---- calls -------------------------------------------------------------------------------

    private int call(Abi.Export export, long budgetMs, long... args) {
        if (death != null) {
            throw new DriverTrapped(
                    driver() + " (" + label + "): instance is dead since " + death, panic, null);
        }
        WasmFunction f = exports.get(export);
        if (f == null) {
            // Only optional exports can be missing: the pre-flight checked the required ones.
            return AbiError.E_UNSUPPORTED.code();
        }
        Watchdog.Deadline deadline = shared.watchdog().arm(budgetMs);
        long t0 = System.nanoTime();
        try {
            return (int) f.call(args);
        } catch (WasmTrap e) {
            shared.stats().trapped();
            String where = driver() + " (" + label + ") " + export.exportName();
            if (e.kind() == WasmTrap.Kind.INTERRUPTED || deadline.fired()) {
                death = export.exportName() + " ran past its budget of " + budgetMs + " ms";
                throw new CallTimedOut(
                        where + " ran past its budget of " + budgetMs + " ms and was interrupted",
                        budgetMs,
                        e);
            }
            if (e.kind() == WasmTrap.Kind.PANIC) {
                death = export.exportName() + " panicked: " + panic;
                throw new DriverTrapped(where + " panicked: " + panic, panic, e);
            }
            death = export.exportName() + " trapped: " + e.getMessage();
            throw new DriverTrapped(where + " trapped: " + e.getMessage(), panic, e);
        } finally {
            shared.stats().record(export, System.nanoTime() - t0);
            deadline.close();
        }
    }

    /** A returned value outside what the ABI allows is treated as a trap (§9). */
    private DriverTrapped violation(Abi.Export export, String problem) {
        shared.stats().trapped();
        death = export.exportName() + " " + problem;
        return new DriverTrapped(
                driver() + " (" + label + ") " + export.exportName() + " " + problem + " (ABI §9)",
                null,
                null);
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
        return shared.dataBudgetMs().applyAsLong(export);
    }

    int abiVersion() {
        return call(Abi.Export.ABI_VERSION, openBudget());
    }

    /** {@code weir_describe}: the manifest JSON bytes. */
    byte[] describe() throws DriverException {
        int n = checked(Abi.Export.DESCRIBE, call(Abi.Export.DESCRIBE, openBudget()));
        requireWithin(Abi.Export.DESCRIBE, "length", n, layout.blobCap(), "blob");
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

    private Request request(Abi.Export export, int n) {
        if (n == 0) {
            return Request.END_OF_CYCLE;
        }
        requireWithin(export, "length", n, layout.txCap(), "tx");
        int expect = wasm.readI32(meta + Meta.EXPECT);
        int timeout = wasm.readI32(meta + Meta.TIMEOUT_MS);
        if (expect != 0 && expect != 1) {
            throw violation(export, "wrote meta.expect = " + expect + ", not 0 or 1");
        }
        if (timeout < 0) {
            throw violation(export, "wrote a negative meta.timeout_ms " + timeout);
        }
        return new Request(wasm.read((int) layout.txPtr(), n), expect == 1, timeout);
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
        requireWithin(Abi.Export.FRAME_LEN, "frame length", rc, len, "the " + len + " bytes in rx");
        return FrameLength.complete(rc);
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
        int n = dataCall(Abi.Export.ON_FRAME, dev, budget(Abi.Export.ON_FRAME), dev, len, nowUs);
        return records(Abi.Export.ON_FRAME, n, nowUs, sink);
    }

    /** {@code weir_on_frame} for the frame {@code bytes[off..off+len]} (copied into {@code rx}). */
    public List<DriverRecord> onFrame(int dev, byte[] bytes, int off, int len, long nowUs)
            throws DriverException {
        requireDev(dev);
        writeRx(bytes, off, len);
        int n = dataCall(Abi.Export.ON_FRAME, dev, budget(Abi.Export.ON_FRAME), dev, len, nowUs);
        List<DriverRecord> out = new ArrayList<>(n);
        records(Abi.Export.ON_FRAME, n, nowUs, collect(out));
        return Collections.unmodifiableList(out);
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

    /** {@code weir_observe}: adopts a recorded request as the outstanding one (§7.5). */
    public void observe(int dev, byte[] request) throws DriverException {
        requireDev(dev);
        writeRx(request, 0, request.length);
        dataCall(Abi.Export.OBSERVE, dev, budget(Abi.Export.OBSERVE), dev, request.length);
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
        return new String(wasm.read((int) layout.errPtr(), n), StandardCharsets.UTF_8);
    }

    /** {@code weir_gc}, if the driver exports it; a no-op otherwise. */
    public void gc() {
        if (exports.containsKey(Abi.Export.GC)) {
            call(Abi.Export.GC, budget(Abi.Export.GC));
        }
    }

    /** Whether the driver exports this (optional) call. */
    public boolean supports(Abi.Export export) {
        return exports.containsKey(export);
    }

    // ---- records ------------------------------------------------------------------------------

    private int records(Abi.Export export, int n, long nowUs, RecordSink sink) {
        if (n == 0) {
            return 0;
        }
        int capacity = (int) (layout.outCap() / Abi.RECORD_SIZE);
        if (n > capacity) {
            throw violation(export, "returned " + n + " records; out holds " + capacity);
        }
        byte[] out = wasm.read((int) layout.outPtr(), n * Abi.RECORD_SIZE);
        byte[] blob = null;
        int blobUsed = -1;
        for (int i = 0; i < n; i++) {
            int at = i * Abi.RECORD_SIZE;
            long head = (long) LE_LONG.get(out, at);
            int vt = (int) (head >>> 32) & 0xFF;
            int fl = (int) (head >>> 40) & 0xFF;
            if ((fl & 1) == 0 && vt <= 4 && (int) head >= 0) {
                long bits = (long) LE_LONG.get(out, at + 16);
                long ts = (fl & 2) != 0 ? (long) LE_LONG.get(out, at + 8) : nowUs;
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
            PointRecord r = PointRecord.decode(out, i * Abi.RECORD_SIZE);
            if (blob == null && needsBlob(r)) {
                blobUsed = wasm.readI32(meta + Meta.BLOB_USED);
                if (blobUsed < 0 || blobUsed > layout.blobCap()) {
                    throw violation(
                            export,
                            "wrote meta.blob_used = "
                                    + blobUsed
                                    + ", beyond blob capacity "
                                    + layout.blobCap());
                }
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
        if (value < 0 || value > cap) {
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
    }
}
