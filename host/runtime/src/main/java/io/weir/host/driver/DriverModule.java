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
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One validated, compiled driver version: the compiled program shared by all its instances, the
 * manifest it describes itself with, and the trap count that quarantines it (ABI §9).
 */
public final class DriverModule {

    private static final JsonFactory JSON = new JsonFactory();
    private static final WasmEngine DEFAULT_ENGINE = Engines.chicory();

    private final WasmProgram program;
    private final DriverLimits limits;
    private final Watchdog watchdog;
    private final Manifest manifest;
    private final int abiVersion;
    private final long compileNanos;
    private final Deque<Long> trapTimes = new ArrayDeque<>();
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

    private DriverModule(
            WasmProgram program, DriverLimits limits, Watchdog watchdog, long compileNanos) {
        this.program = program;
        this.limits = limits;
        this.watchdog = watchdog;
        this.compileNanos = compileNanos;
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
            String refusal = Abi.versionRefusal(abiVersion);
            if (refusal != null) {
                throw new DriverRefused("driver \"" + program.driverName() + "\": " + refusal);
            }
            this.manifest = parseManifest(program.driverName(), probe.describe());
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
        long t0 = System.nanoTime();
        WasmProgram program;
        try {
            program = engine.load(sourceName, wasm, limits.moduleLimits());
        } catch (ModuleRefused e) {
            throw new DriverRefused(e.getMessage(), e);
        }
        long compile = System.nanoTime() - t0;
        return new DriverModule(program, limits, watchdog, compile);
    }

    static Manifest parseManifest(String driver, byte[] json) {
        Map<String, Object> n = topLevelScalars(driver, json);
        try {
            return new Manifest(
                    text(driver, n, "name"),
                    text(driver, n, "version"),
                    text(driver, n, "protocol"),
                    text(driver, n, "transport"),
                    bool(driver, n, "passive"),
                    integer(driver, n, "state_schema"));
        } catch (IllegalArgumentException e) {
            throw new DriverRefused("driver \"" + driver + "\": " + e.getMessage());
        }
    }

    /**
     * The manifest object's scalar fields (ABI §3.4); nested values are kept as a marker so that a
     * field of the wrong shape is named, and unknown fields are ignored.
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
        return new DriverInstance(shared, label);
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
        trapTimes.addLast(nowMillis);
        while (!trapTimes.isEmpty() && trapTimes.peekFirst() <= nowMillis - Abi.TRAP_WINDOW_MS) {
            trapTimes.removeFirst();
        }
        if (trapTimes.size() >= Abi.QUARANTINE_TRAPS) {
            quarantined = true;
        }
        return quarantined;
    }

    public synchronized boolean quarantined() {
        return quarantined;
    }
}
