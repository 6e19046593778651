package io.weir.host.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.abi.Abi;
import io.weir.abi.Manifest;
import io.weir.host.wasm.ChicoryEngine;
import io.weir.host.wasm.DriverRefused;
import io.weir.host.wasm.WasmEngine;
import io.weir.host.wasm.WasmProgram;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One validated, compiled driver version: the compiled program shared by all its instances, the
 * manifest it describes itself with, and the trap count that quarantines it (ABI §9).
 */
public final class DriverModule {

    /** Host limits for a driver (ABI §9, §10.2). */
    public record Limits(int memoryCapPages, long callBudgetMs, long openBudgetMs) {
        public static final Limits DEFAULT =
                new Limits(Abi.MEMORY_CAP_PAGES, Abi.CALL_BUDGET_MS, Abi.OPEN_BUDGET_MS);

        public Limits {
            if (memoryCapPages < 1 || memoryCapPages > Abi.MAX_MEMORY_PAGES) {
                throw new IllegalArgumentException(
                        "memory cap must be 1.." + Abi.MAX_MEMORY_PAGES + " pages");
            }
            if (callBudgetMs < 1 || openBudgetMs < 1) {
                throw new IllegalArgumentException("call budgets must be ≥ 1 ms");
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final WasmEngine DEFAULT_ENGINE = new ChicoryEngine();

    private final WasmProgram program;
    private final Limits limits;
    private final Watchdog watchdog;
    private final Manifest manifest;
    private final int abiVersion;
    private final long compileNanos;
    private final Deque<Long> trapTimes = new ArrayDeque<>();

    /**
     * Data-plane calls begun so far, per export, counted up to the cold-start grace (ABI §9).
     * Shared by all instances of this version: the classes their first calls load, verify and
     * compile are this version's.
     */
    private final AtomicIntegerArray dataCallsBegun =
            new AtomicIntegerArray(Abi.Export.values().length);

    private boolean quarantined;

    private DriverModule(WasmProgram program, Limits limits, Watchdog watchdog, long compileNanos) {
        this.program = program;
        this.limits = limits;
        this.watchdog = watchdog;
        this.compileNanos = compileNanos;
        // A probe instance: version, layout and manifest are checked once, before any device.
        DriverInstance probe;
        try {
            probe = new DriverInstance(this, program.driverName() + "/probe");
        } catch (DriverTrapped e) {
            throw new DriverRefused(
                    "driver \""
                            + program.driverName()
                            + "\" trapped while starting: "
                            + e.getMessage(),
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
                    "driver \""
                            + program.driverName()
                            + "\" trapped while describing itself: "
                            + e.getMessage(),
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
        return load(DEFAULT_ENGINE, sourceName, wasm, Limits.DEFAULT, Watchdog.shared());
    }

    /**
     * Parses, checks, compiles and probes a driver.
     *
     * @param sourceName a name for messages until the manifest is known (e.g. the file name)
     * @throws DriverRefused naming what breaks the ABI
     */
    public static DriverModule load(
            WasmEngine engine, String sourceName, byte[] wasm, Limits limits, Watchdog watchdog) {
        long t0 = System.nanoTime();
        WasmProgram program = engine.load(sourceName, wasm, limits.memoryCapPages());
        long compile = System.nanoTime() - t0;
        return new DriverModule(program, limits, watchdog, compile);
    }

    static Manifest parseManifest(String driver, byte[] json) {
        JsonNode n;
        try {
            n = JSON.readTree(new String(json, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new DriverRefused(
                    "driver \""
                            + driver
                            + "\" wrote a manifest that is not JSON (ABI §3.4): "
                            + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new DriverRefused(
                    "driver \""
                            + driver
                            + "\" wrote a manifest that is not a JSON object (ABI §3.4)");
        }
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

    private static String text(String driver, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new DriverRefused(
                    "driver \""
                            + driver
                            + "\" manifest lacks the required field \""
                            + field
                            + "\"");
        }
        if (!v.isTextual()) {
            throw new DriverRefused(
                    "driver \"" + driver + "\" manifest field \"" + field + "\" must be a string");
        }
        return v.textValue();
    }

    private static boolean bool(String driver, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new DriverRefused(
                    "driver \"" + driver + "\" manifest field \"" + field + "\" must be a boolean");
        }
        return v.booleanValue();
    }

    private static Integer integer(String driver, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isInt()) {
            throw new DriverRefused(
                    "driver \""
                            + driver
                            + "\" manifest field \""
                            + field
                            + "\" must be an integer");
        }
        return v.intValue();
    }

    /**
     * A fresh instance with its layout read and validated. Costs no compilation.
     *
     * @param label who uses it, for log lines (e.g. the device name)
     * @throws DriverTrapped if the start function or {@code weir_layout} traps
     */
    public DriverInstance instantiate(String label) {
        return new DriverInstance(this, label);
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

    public Limits limits() {
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

    WasmProgram program() {
        return program;
    }

    Watchdog watchdog() {
        return watchdog;
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
