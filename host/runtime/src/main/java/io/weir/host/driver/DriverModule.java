package io.weir.host.driver;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.weir.abi.Abi;
import io.weir.abi.Manifest;
import io.weir.host.wasm.Engines;
import io.weir.host.wasm.ModuleRefused;
import io.weir.host.wasm.WasmEngine;
import io.weir.host.wasm.WasmProgram;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One validated, compiled driver version: the compiled program shared by all its instances, the
 * version host and driver agreed on (ABI §3.3), the manifest it describes itself with (as that
 * version honours it), and the trap count that quarantines it (ABI §9).
 */
public final class DriverModule {

    /**
     * Why a driver version is quarantined (ABI §9), for status lines and the operator who clears
     * it.
     *
     * @param reason the trap that tipped it over, as the host reported it
     * @param sinceMillis when, in epoch milliseconds of the clock that counted the traps
     * @param traps the traps within the window at that moment (at least {@link
     *     Abi#QUARANTINE_TRAPS})
     */
    public record Quarantine(String reason, long sinceMillis, int traps) {
        public Quarantine {
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("a quarantine needs a reason");
            }
        }
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final WasmEngine DEFAULT_ENGINE = Engines.chicory();

    private final WasmProgram program;
    private final DriverLimits limits;
    private final Watchdog watchdog;
    private final Manifest manifest;
    private final int abiVersion;

    /** The minor version of the ABI this host speaks to the driver (§3.3); 1 for this host. */
    private final int hostMinor;

    /** The agreed version, {@code (1 << 16) | minor} (§3.3): 1.0 without {@code weir_host_abi}. */
    private final int agreedVersion;

    /**
     * Optional exports that an instance answered with {@code E_UNSUPPORTED} (§7.9–§7.11): a set of
     * {@link #bit}s, replaced whole, read on every call of {@link #calls}.
     */
    private volatile long unsupported;

    /** The exports the module has: {@link #bit}s, set once while the module is checked. */
    private final long exported;

    private final long compileNanos;
    private final Deque<Long> trapTimes = new ArrayDeque<>();
    private volatile boolean everTrapped;
    private final DriverInstance.Shared shared;
    private final CallStats stats = new CallStats();

    /**
     * Data-plane calls begun so far, per export, counted up to the cold-start grace (ABI §9).
     * Shared by all instances of this version: the classes their first calls load, verify and
     * compile are this version's.
     */
    private final AtomicIntegerArray dataCallsBegun =
            new AtomicIntegerArray(Abi.Export.values().length);

    private boolean quarantined;
    private Quarantine quarantine;

    private DriverModule(
            WasmProgram program,
            DriverLimits limits,
            Watchdog watchdog,
            long compileNanos,
            int hostMinor) {
        if (hostMinor < Abi.MINOR_1_0 || hostMinor > Abi.LATEST_MINOR) {
            throw new IllegalArgumentException(
                    "this host speaks ABI 1.0 to 1." + Abi.LATEST_MINOR + ", not 1." + hostMinor);
        }
        this.program = program;
        this.limits = limits;
        this.watchdog = watchdog;
        this.compileNanos = compileNanos;
        this.hostMinor = hostMinor;
        this.shared =
                new DriverInstance.Shared(
                        program, limits, watchdog, this::dataCallBudgetMs, this::label, stats);
        // A probe instance: version, layout and manifest are checked once, before any device.
        DriverInstance probe;
        try {
            probe = new DriverInstance(shared, program.driverName() + "/probe");
        } catch (DriverTrapped e) {
            // The start function or weir_layout: ABI §9 makes a trap here a refusal at load.
            throw new DriverRefused(
                    "driver \"" + program.driverName() + "\" could not be started: " + e.problem(),
                    e);
        }
        try {
            this.abiVersion = probe.abiVersion();
            String refusal = Abi.versionRefusal(abiVersion, hostMinor);
            if (refusal != null) {
                throw new DriverRefused("driver \"" + program.driverName() + "\": " + refusal);
            }
            this.agreedVersion = agree(program.driverName(), probe);
            probe.agreed(agreedMinor());
            long has = 0;
            for (Abi.Export e : Abi.Export.values()) {
                if (probe.supports(e)) {
                    has |= bit(e);
                }
            }
            this.exported = has;
            this.manifest = parseManifest(program.driverName(), probe.describe(), agreedMinor());
        } catch (DriverTrapped e) {
            throw new DriverRefused(
                    "driver \"" + program.driverName() + "\" could not be probed: " + e.problem(),
                    e);
        } catch (DriverException e) {
            throw new DriverRefused(
                    "driver \""
                            + program.driverName()
                            + "\" failed to describe itself: "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * §3.3 on the probe instance: {@code weir_host_abi} with this host's version, checked as the
     * ABI says. A driver without the export has the agreed version 1.0, which a driver that needs
     * 1.1 cannot run with.
     */
    private int agree(String driver, DriverInstance probe) {
        int driverMinor = Abi.minor(abiVersion);
        if (hostMinor < Abi.MINOR_1_1) {
            // A v1.0 host knows no weir_host_abi (§3.3): it never calls it.
            return Abi.VERSION;
        }
        if (!probe.supports(Abi.Export.HOST_ABI)) {
            if (driverMinor > Abi.MINOR_1_0) {
                throw new DriverRefused(
                        String.format(
                                "driver \"%s\" reports weir_abi_version 0x%08x (it needs ABI 1.%d)"
                                        + " but exports no weir_host_abi, so its agreed version"
                                        + " would be 1.0 (ABI §3.3)",
                                driver, abiVersion, driverMinor));
            }
            return Abi.VERSION;
        }
        int answer = probe.hostAbi(Abi.version(Abi.VERSION_MAJOR, hostMinor));
        String problem = Abi.agreedVersionProblem(abiVersion, hostMinor, answer);
        if (problem != null) {
            throw new DriverRefused("driver \"" + driver + "\": " + problem + " (ABI §3.3)");
        }
        return answer;
    }

    /** Loads a driver with Chicory, the default limits and the shared watchdog. */
    public static DriverModule load(String sourceName, byte[] wasm) {
        return load(DEFAULT_ENGINE, sourceName, wasm, DriverLimits.DEFAULT, Watchdog.shared());
    }

    /**
     * Parses, checks, compiles and probes a driver.
     *
     * @param sourceName a name for messages until the manifest is known (e.g. the file name)
     * @throws DriverRefused naming what breaks the ABI
     */
    public static DriverModule load(
            WasmEngine engine,
            String sourceName,
            byte[] wasm,
            DriverLimits limits,
            Watchdog watchdog) {
        return load(engine, sourceName, wasm, limits, watchdog, Abi.LATEST_MINOR);
    }

    /**
     * Parses, checks, compiles and probes a driver as a host that speaks ABI {@code 1.hostMinor}
     * (ABI §3.3): {@link Abi#LATEST_MINOR} for this host; {@link Abi#MINOR_1_0} plays a v1.0 host,
     * which refuses drivers that need 1.1 and never calls {@code weir_host_abi}, as conformance
     * vectors with {@code "host_abi": "1.0"} ask.
     *
     * @throws DriverRefused naming what breaks the ABI
     */
    public static DriverModule load(
            WasmEngine engine,
            String sourceName,
            byte[] wasm,
            DriverLimits limits,
            Watchdog watchdog,
            int hostMinor) {
        long t0 = System.nanoTime();
        WasmProgram program;
        try {
            program = engine.load(sourceName, wasm, limits.moduleLimits());
        } catch (ModuleRefused e) {
            throw new DriverRefused(e.getMessage(), e);
        }
        long compile = System.nanoTime() - t0;
        return new DriverModule(program, limits, watchdog, compile, hostMinor);
    }

    /** The manifest as a driver with agreed version 1.1 writes it. */
    static Manifest parseManifest(String driver, byte[] json) {
        return parseManifest(driver, json, Abi.LATEST_MINOR);
    }

    /**
     * The manifest as a host with this agreed minor version honours it (§3.4): the fields of a
     * later minor are ignored like unknown ones, unchecked.
     */
    static Manifest parseManifest(String driver, byte[] json, int agreedMinor) {
        Map<String, Object> n = topLevelScalars(driver, json);
        try {
            if (agreedMinor < Abi.MINOR_1_1) {
                return new Manifest(
                        text(driver, n, "name"),
                        text(driver, n, "version"),
                        text(driver, n, "protocol"),
                        text(driver, n, "transport"),
                        bool(driver, n, "passive"),
                        integer(driver, n, "state_schema"));
            }
            return new Manifest(
                    text(driver, n, "name"),
                    text(driver, n, "version"),
                    text(driver, n, "protocol"),
                    text(driver, n, "transport"),
                    bool(driver, n, "passive"),
                    integer(driver, n, "state_schema"),
                    strings(driver, n, "transports"),
                    bool(driver, n, "unsolicited"),
                    integer(driver, n, "max_devices"));
        } catch (IllegalArgumentException e) {
            throw new DriverRefused("driver \"" + driver + "\": " + e.getMessage());
        }
    }

    /**
     * The manifest object's scalar fields and string arrays (ABI §3.4); other nested values are
     * kept as a marker so that a field of the wrong shape is named, and unknown fields are ignored.
     */
    private static Map<String, Object> topLevelScalars(String driver, byte[] json) {
        Map<String, Object> fields = new HashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new DriverRefused(
                        "driver \""
                                + driver
                                + "\" wrote a manifest that is not a JSON object (ABI §3.4)");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                Object value =
                        switch (v) {
                            case VALUE_STRING -> p.getText();
                            case VALUE_TRUE -> Boolean.TRUE;
                            case VALUE_FALSE -> Boolean.FALSE;
                            case VALUE_NUMBER_INT ->
                                    p.getNumberType() == JsonParser.NumberType.INT
                                            ? (Object) p.getIntValue()
                                            : NOT_SCALAR;
                            case VALUE_NULL -> null;
                            case START_ARRAY -> stringArray(p);
                            default -> {
                                p.skipChildren();
                                yield NOT_SCALAR;
                            }
                        };
                fields.put(name, value);
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new DriverRefused(
                        "driver \""
                                + driver
                                + "\" wrote a manifest with bytes after its JSON object (ABI"
                                + " §3.4)");
            }
        } catch (JsonProcessingException e) {
            throw new DriverRefused(
                    "driver \""
                            + driver
                            + "\" wrote a manifest that is not JSON (ABI §3.4): "
                            + e.getOriginalMessage());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return fields;
    }

    /** A field value that is an object, array, fraction or huge number. */
    private static final Object NOT_SCALAR = new Object();

    /** An array of strings (the parser stands on its start), or {@link #NOT_SCALAR}. */
    private static Object stringArray(JsonParser p) throws IOException {
        List<String> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING) {
                p.skipChildren();
                // Skip to the end of this array; the field is refused by name.
                int depth = 1;
                while (depth > 0) {
                    JsonToken u = p.nextToken();
                    if (u == JsonToken.START_ARRAY || u == JsonToken.START_OBJECT) {
                        depth++;
                    } else if (u == JsonToken.END_ARRAY || u == JsonToken.END_OBJECT) {
                        depth--;
                    } else if (u == null) {
                        break;
                    }
                }
                return NOT_SCALAR;
            }
            out.add(p.getText());
        }
        return out;
    }

    private static List<String> strings(String driver, Map<String, Object> n, String field) {
        Object v = n.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> l)) {
            throw new DriverRefused(
                    "driver \""
                            + driver
                            + "\" manifest field \""
                            + field
                            + "\" must be an array of strings");
        }
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            out.add((String) o);
        }
        return out;
    }

    private static String text(String driver, Map<String, Object> n, String field) {
        Object v = n.get(field);
        if (v == null) {
            throw new DriverRefused(
                    "driver \""
                            + driver
                            + "\" manifest lacks the required field \""
                            + field
                            + "\"");
        }
        if (!(v instanceof String s)) {
            throw new DriverRefused(
                    "driver \"" + driver + "\" manifest field \"" + field + "\" must be a string");
        }
        return s;
    }

    private static boolean bool(String driver, Map<String, Object> n, String field) {
        Object v = n.get(field);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw new DriverRefused(
                    "driver \"" + driver + "\" manifest field \"" + field + "\" must be a boolean");
        }
        return b;
    }

    private static Integer integer(String driver, Map<String, Object> n, String field) {
        Object v = n.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Integer i)) {
            throw new DriverRefused(
                    "driver \""
                            + driver
                            + "\" manifest field \""
                            + field
                            + "\" must be an integer");
        }
        return i;
    }

    /**
     * A fresh instance with its layout read and validated. Costs no compilation.
     *
     * @param label who uses it, for log lines (e.g. the device name)
     * @throws DriverTrapped if the start function or {@code weir_layout} traps
     */
    public DriverInstance instantiate(String label) {
        DriverInstance i = new DriverInstance(shared, label);
        if (hostMinor >= Abi.MINOR_1_1 && i.supports(Abi.Export.HOST_ABI)) {
            // §3.3: on every instance, before any other export but weir_layout; a different
            // answer than the probe's is a violation of this instance.
            int answer = i.hostAbi(Abi.version(Abi.VERSION_MAJOR, hostMinor));
            if (answer != agreedVersion) {
                String problem = Abi.agreedVersionProblem(abiVersion, hostMinor, answer);
                throw i.violated(
                        Abi.Export.HOST_ABI,
                        problem != null
                                ? problem
                                : String.format(
                                        "returned 0x%08x, but 0x%08x on the first instance; a"
                                                + " driver answers the same on every instance"
                                                + " (ABI §3.3)",
                                        answer, agreedVersion));
            }
        }
        i.agreed(agreedMinor());
        return i;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** {@code name version}, e.g. {@code modbus 0.1.0}. */
    public String label() {
        return manifest == null ? program.driverName() : manifest.name() + " " + manifest.version();
    }

    public int abiVersion() {
        return abiVersion;
    }

    /** The agreed version {@code (1 << 16) | minor} (ABI §3.3). */
    public int agreedVersion() {
        return agreedVersion;
    }

    /** The agreed minor version: 1 when host and driver use v1.1, 0 for v1.0 (ABI §3.3). */
    public int agreedMinor() {
        return Abi.minor(agreedVersion);
    }

    /** The minor version of the ABI the host speaks to this driver (§3.3). */
    public int hostMinor() {
        return hostMinor;
    }

    /**
     * Whether the host calls this optional export: the agreed version defines it, the driver
     * exports it, and no instance answered it with {@code E_UNSUPPORTED} (ABI §7.9–§7.11 let the
     * host stop calling it for the driver version then).
     */
    public boolean calls(Abi.Export export) {
        long b = bit(export);
        return export.callableWith(agreedMinor()) && (exported & b) != 0 && (unsupported & b) == 0;
    }

    /** An export's bit in {@link #exported} and {@link #unsupported}. */
    private static long bit(Abi.Export export) {
        return 1L << export.ordinal();
    }

    /**
     * An instance answered {@code export} with {@code E_UNSUPPORTED}: the host stops calling it for
     * this driver version (ABI §7.9–§7.11).
     */
    public synchronized void unsupported(Abi.Export export) {
        unsupported |= bit(export);
    }

    /**
     * Whether the driver uses link events (ABI §7.9): it is called with {@code weir_link_up} after
     * every connect, and a new instance on a link that is already up needs a reconnect.
     */
    public boolean usesLinkEvents() {
        return calls(Abi.Export.LINK_UP);
    }

    public String digest() {
        return program.digest();
    }

    /** Calls, call time and traps of every instance of this version, for metrics. */
    public CallStats stats() {
        return stats;
    }

    public DriverLimits limits() {
        return limits;
    }

    /** How long parse, check and compile took. */
    public long compileNanos() {
        return compileNanos;
    }

    /**
     * The budget of the next data-plane call of {@code export}, counting it. ABI §9 cold-start
     * grace: the first {@link Abi#COLD_START_CALLS} calls of each export of this version have the
     * open budget, because a freshly compiled module pays class loading, verification and JIT
     * compilation on its first calls; every later call has the call budget, which stops runaway
     * loops.
     */
    long dataCallBudgetMs(Abi.Export export) {
        int i = export.ordinal();
        // The first read keeps the count from growing once warm; racing instances may count a
        // few calls past the grace, which only ends it sooner.
        if (dataCallsBegun.get(i) < Abi.COLD_START_CALLS
                && dataCallsBegun.getAndIncrement(i) < Abi.COLD_START_CALLS) {
            return Math.max(limits.openBudgetMs(), limits.callBudgetMs());
        }
        return limits.callBudgetMs();
    }

    /**
     * Counts a trap of any instance of this version. ABI §9: "After 5 traps within 10 minutes the
     * host quarantines the driver version and stops re-creating instances for it".
     *
     * @return whether the version is now quarantined
     */
    public synchronized boolean recordTrap(long nowMillis) {
        return recordTrap(nowMillis, "a trap");
    }

    /**
     * Counts a trap of any instance of this version, with the host's words for it (kept as the
     * quarantine's reason if this trap tips the version over).
     *
     * @return whether the version is now quarantined
     */
    public synchronized boolean recordTrap(long nowMillis, String why) {
        everTrapped = true;
        trapTimes.addLast(nowMillis);
        while (!trapTimes.isEmpty() && trapTimes.peekFirst() <= nowMillis - Abi.TRAP_WINDOW_MS) {
            trapTimes.removeFirst();
        }
        if (!quarantined && trapTimes.size() >= Abi.QUARANTINE_TRAPS) {
            quarantined = true;
            quarantine = new Quarantine(why, nowMillis, trapTimes.size());
        }
        return quarantined;
    }

    /**
     * Whether any instance of this version has trapped since it was loaded (a quarantine lifted by
     * an operator does not undo it). A session decodes answers on a link's I/O thread only for a
     * version that never trapped: a runaway call there would stall every link of that thread until
     * its budget stops it, and this makes that happen at most once per version.
     */
    public boolean everTrapped() {
        return everTrapped;
    }

    public synchronized boolean quarantined() {
        return quarantined;
    }

    /** Why and since when this version is quarantined, or {@code null} if it is not. */
    public synchronized Quarantine quarantine() {
        return quarantine;
    }

    /**
     * Lifts the quarantine (an operator fixed the cause, or wants another try): the trap window
     * starts empty, and devices re-create instances at their next tick.
     *
     * @return whether the version was quarantined
     */
    public synchronized boolean clearQuarantine() {
        boolean was = quarantined;
        quarantined = false;
        quarantine = null;
        trapTimes.clear();
        return was;
    }
}
