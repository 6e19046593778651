package io.weir.host.driver;

import io.weir.abi.Abi;
import io.weir.host.wasm.ModuleLimits;

/**
 * Host limits for a driver (ABI §9, §10.2): what a module may be, what one call may take and
 * return, and what one cycle may send. Host policy, the same whatever the agreed version; the
 * defaults are ABI.md's, a host may set others.
 *
 * @param memoryCapPages linear memory cap in 64 KiB pages; a module needing more initial memory is
 *     refused, one declaring no maximum runs with this as its maximum
 * @param callBudgetMs the budget of a data-plane call after the cold-start grace
 * @param openBudgetMs the budget of instantiation (the start function) and of every call made while
 *     loading, probing, opening or moving state, and of the cold-start grace
 * @param moduleSizeCapBytes a larger module is refused before it is parsed (ABI §9, 1.1)
 * @param maxRecordsPerCall records one call may return (ABI §9, 1.1); more is a violation
 * @param maxBlobBytesPerCall {@code meta.blob_used} one call may report, and at most the blob
 *     capacity (ABI §9, 1.1); more is a violation
 * @param tableCapElements elements all tables of a module may hold together (host policy, see
 *     {@link ModuleLimits#tableCapElements()})
 * @param maxRequestsPerCycle requests one cycle may send (§9 "requests per cycle"); one more ends
 *     the cycle as a violation
 * @param maxTxBytesPerCycle bytes one cycle may send; more ends the cycle as a violation
 * @param maxTimeoutMs the cap on {@code meta.timeout_ms}: a silent device gets {@code
 *     weir_on_timeout} at the latest after this long
 * @param restartBackoffMs the wait before re-creating an instance after the second trap in a row of
 *     one device, doubled after each further one (the first trap re-creates at the next tick)
 * @param maxRestartBackoffMs the longest such wait
 * @param maxGrowPagesPerCall pages of linear memory one call with the call budget (a data-plane
 *     call after the cold-start grace) may grow (ABI §9, 1.1); a {@code memory.grow} past it fails
 *     as one past the maximum does. Calls with the open budget and the start function may grow up
 *     to the cap.
 */
public record DriverLimits(
        int memoryCapPages,
        long callBudgetMs,
        long openBudgetMs,
        int moduleSizeCapBytes,
        int maxRecordsPerCall,
        int maxBlobBytesPerCall,
        int tableCapElements,
        int maxRequestsPerCycle,
        long maxTxBytesPerCycle,
        int maxTimeoutMs,
        long restartBackoffMs,
        long maxRestartBackoffMs,
        int maxGrowPagesPerCall) {

    /** ABI §10.2's defaults; a crash loop backs off from 1 s to at most 5 minutes. */
    public static final DriverLimits DEFAULT =
            new DriverLimits(Abi.MEMORY_CAP_PAGES, Abi.CALL_BUDGET_MS, Abi.OPEN_BUDGET_MS);

    /** The default restart backoff after the second trap in a row. */
    public static final long DEFAULT_RESTART_BACKOFF_MS = 1000;

    /** The default longest restart backoff. */
    public static final long DEFAULT_MAX_RESTART_BACKOFF_MS = 5 * 60 * 1000L;

    /**
     * ABI §10.2's growth per call: 64 pages (4 MiB), a quarter of the default memory cap and four
     * times the blob bytes one call may return. Chicory allocates a 64 KiB array on the Java heap
     * per page grown; a call that grows 16 MiB at once makes the JVM collect those pages while they
     * are live, 40–300 ms of pauses that the call's CPU budget does not see (BENCHMARKS.md,
     * faults).
     */
    public static final int DEFAULT_MAX_GROW_PAGES_PER_CALL = Abi.MAX_GROW_PAGES_PER_CALL;

    public DriverLimits {
        if (memoryCapPages < 1 || memoryCapPages > Abi.MAX_MEMORY_PAGES) {
            throw new IllegalArgumentException(
                    "memory cap must be 1.." + Abi.MAX_MEMORY_PAGES + " pages");
        }
        if (callBudgetMs < 1 || openBudgetMs < 1) {
            throw new IllegalArgumentException("call budgets must be ≥ 1 ms");
        }
        if (maxRecordsPerCall < 1 || maxBlobBytesPerCall < 1) {
            throw new IllegalArgumentException(
                    "records and blob bytes per call must be ≥ 1, got "
                            + maxRecordsPerCall
                            + " and "
                            + maxBlobBytesPerCall);
        }
        // Checks the module caps with their own words.
        new ModuleLimits(moduleSizeCapBytes, memoryCapPages, tableCapElements);
        if (maxRequestsPerCycle < 1 || maxTxBytesPerCycle < 1) {
            throw new IllegalArgumentException(
                    "a cycle must be allowed at least one request and one byte");
        }
        if (maxTimeoutMs < 1) {
            throw new IllegalArgumentException("the response timeout cap must be ≥ 1 ms");
        }
        if (restartBackoffMs < 0 || maxRestartBackoffMs < restartBackoffMs) {
            throw new IllegalArgumentException(
                    "restart backoff must be 0 ≤ restartBackoffMs ≤ maxRestartBackoffMs");
        }
        if (maxGrowPagesPerCall < 0) {
            throw new IllegalArgumentException(
                    "memory growth per call must be ≥ 0 pages, got " + maxGrowPagesPerCall);
        }
    }

    /** Memory cap and budgets as given, the other limits at ABI §10.2's defaults. */
    public DriverLimits(int memoryCapPages, long callBudgetMs, long openBudgetMs) {
        this(
                memoryCapPages,
                callBudgetMs,
                openBudgetMs,
                Abi.MODULE_SIZE_CAP_BYTES,
                Abi.MAX_RECORDS_PER_CALL,
                Abi.MAX_BLOB_BYTES_PER_CALL,
                ModuleLimits.TABLE_CAP_ELEMENTS,
                Abi.MAX_REQUESTS_PER_CYCLE,
                Abi.MAX_TX_BYTES_PER_CYCLE,
                Abi.MAX_TIMEOUT_MS,
                DEFAULT_RESTART_BACKOFF_MS,
                DEFAULT_MAX_RESTART_BACKOFF_MS,
                DEFAULT_MAX_GROW_PAGES_PER_CALL);
    }

    /** These limits with other caps on the module's size and its tables. */
    public DriverLimits withModuleCaps(int sizeCapBytes, int tableCap) {
        return new DriverLimits(
                memoryCapPages,
                callBudgetMs,
                openBudgetMs,
                sizeCapBytes,
                maxRecordsPerCall,
                maxBlobBytesPerCall,
                tableCap,
                maxRequestsPerCycle,
                maxTxBytesPerCycle,
                maxTimeoutMs,
                restartBackoffMs,
                maxRestartBackoffMs,
                maxGrowPagesPerCall);
    }

    /** These limits with other caps per cycle. */
    public DriverLimits withCycleLimits(int maxRequests, long maxTxBytes) {
        return new DriverLimits(
                memoryCapPages,
                callBudgetMs,
                openBudgetMs,
                moduleSizeCapBytes,
                maxRecordsPerCall,
                maxBlobBytesPerCall,
                tableCapElements,
                maxRequests,
                maxTxBytes,
                maxTimeoutMs,
                restartBackoffMs,
                maxRestartBackoffMs,
                maxGrowPagesPerCall);
    }

    /** These limits with another restart backoff. */
    public DriverLimits withRestartBackoff(long initialMs, long maxMs) {
        return new DriverLimits(
                memoryCapPages,
                callBudgetMs,
                openBudgetMs,
                moduleSizeCapBytes,
                maxRecordsPerCall,
                maxBlobBytesPerCall,
                tableCapElements,
                maxRequestsPerCycle,
                maxTxBytesPerCycle,
                maxTimeoutMs,
                initialMs,
                maxMs,
                maxGrowPagesPerCall);
    }

    /** These limits with another growth per call. */
    public DriverLimits withGrowthPerCall(int pages) {
        return new DriverLimits(
                memoryCapPages,
                callBudgetMs,
                openBudgetMs,
                moduleSizeCapBytes,
                maxRecordsPerCall,
                maxBlobBytesPerCall,
                tableCapElements,
                maxRequestsPerCycle,
                maxTxBytesPerCycle,
                maxTimeoutMs,
                restartBackoffMs,
                maxRestartBackoffMs,
                pages);
    }

    /** What the engine checks while it reads the module. */
    public ModuleLimits moduleLimits() {
        return new ModuleLimits(moduleSizeCapBytes, memoryCapPages, tableCapElements);
    }

    /** The most {@code meta.blob_used} one call of a driver with this blob capacity may report. */
    public long maxBlobBytesPerCall(long blobCap) {
        return Math.min(blobCap, maxBlobBytesPerCall);
    }

    /**
     * §9: a {@code meta.timeout_ms} as the host applies it: 0 is the default response timeout, a
     * larger value than {@link #maxTimeoutMs} is clamped to it.
     */
    public int effectiveTimeoutMs(int metaTimeoutMs) {
        return Math.min(Abi.effectiveTimeoutMs(metaTimeoutMs), maxTimeoutMs);
    }

    /**
     * How long to wait before re-creating an instance after {@code trapsInARow} traps in a row of
     * one device: none after the first (a one-off trap costs one tick), then {@link
     * #restartBackoffMs} doubling up to {@link #maxRestartBackoffMs}.
     */
    public long restartDelayMs(int trapsInARow) {
        if (trapsInARow <= 1) {
            return 0;
        }
        long d = restartBackoffMs;
        for (int i = 2; i < trapsInARow && d < maxRestartBackoffMs; i++) {
            d *= 2;
        }
        return Math.min(d, maxRestartBackoffMs);
    }
}
