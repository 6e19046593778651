package io.weir.host.driver;

import io.weir.abi.Abi;
import io.weir.host.wasm.ModuleLimits;

/**
 * Host limits for a driver (ABI §9, §10.2): what a module may be and what one call may take and
 * return. The defaults are ABI.md's; a host may set others.
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
 */
public record DriverLimits(
        int memoryCapPages,
        long callBudgetMs,
        long openBudgetMs,
        int moduleSizeCapBytes,
        int maxRecordsPerCall,
        int maxBlobBytesPerCall,
        int tableCapElements) {

    public static final DriverLimits DEFAULT =
            new DriverLimits(Abi.MEMORY_CAP_PAGES, Abi.CALL_BUDGET_MS, Abi.OPEN_BUDGET_MS);

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
    }

    /** ABI.md's defaults with this memory cap and these budgets. */
    public DriverLimits(int memoryCapPages, long callBudgetMs, long openBudgetMs) {
        this(
                memoryCapPages,
                callBudgetMs,
                openBudgetMs,
                Abi.MODULE_SIZE_CAP_BYTES,
                Abi.MAX_RECORDS_PER_CALL,
                Abi.MAX_BLOB_BYTES_PER_CALL,
                ModuleLimits.TABLE_CAP_ELEMENTS);
    }

    /** What the engine checks while it reads the module. */
    public ModuleLimits moduleLimits() {
        return new ModuleLimits(moduleSizeCapBytes, memoryCapPages, tableCapElements);
    }

    /** The most {@code meta.blob_used} one call of a driver with this blob capacity may report. */
    public long maxBlobBytesPerCall(long blobCap) {
        return Math.min(blobCap, maxBlobBytesPerCall);
    }
}
