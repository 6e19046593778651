package io.weir.host.driver;

import io.weir.abi.Abi;

/** Host limits for a driver (ABI §9, §10.2). */
public record DriverLimits(int memoryCapPages, long callBudgetMs, long openBudgetMs) {
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
    }
}
