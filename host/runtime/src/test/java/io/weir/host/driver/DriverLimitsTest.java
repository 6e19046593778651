package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.Abi;
import io.weir.host.wasm.ModuleLimits;
import org.junit.jupiter.api.Test;

/**
 * The host's limits as an operator sets them (ABI §9, §10.2): every limit at its smallest allowed
 * value is taken, one below is refused with a message naming the limit, and the derived values
 * (timeout clamp, blob bytes per call, restart backoff) are what ABI §9 says.
 */
class DriverLimitsTest {

    /** The canonical constructor with ABI §10.2's defaults, one value changed at a time. */
    private static final class Limits {
        int memoryCapPages = Abi.MEMORY_CAP_PAGES;
        long callBudgetMs = Abi.CALL_BUDGET_MS;
        long openBudgetMs = Abi.OPEN_BUDGET_MS;
        int moduleSizeCapBytes = Abi.MODULE_SIZE_CAP_BYTES;
        int maxRecordsPerCall = Abi.MAX_RECORDS_PER_CALL;
        int maxBlobBytesPerCall = Abi.MAX_BLOB_BYTES_PER_CALL;
        int tableCapElements = ModuleLimits.TABLE_CAP_ELEMENTS;
        int maxRequestsPerCycle = Abi.MAX_REQUESTS_PER_CYCLE;
        long maxTxBytesPerCycle = Abi.MAX_TX_BYTES_PER_CYCLE;
        int maxTimeoutMs = Abi.MAX_TIMEOUT_MS;
        long restartBackoffMs = DriverLimits.DEFAULT_RESTART_BACKOFF_MS;
        long maxRestartBackoffMs = DriverLimits.DEFAULT_MAX_RESTART_BACKOFF_MS;
        int maxGrowPagesPerCall = DriverLimits.DEFAULT_MAX_GROW_PAGES_PER_CALL;

        DriverLimits make() {
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
                    maxGrowPagesPerCall);
        }
    }

    private static DriverLimits with(java.util.function.Consumer<Limits> change) {
        Limits l = new Limits();
        change.accept(l);
        return l.make();
    }

    private static void refused(java.util.function.Consumer<Limits> change, String message) {
        assertThatThrownBy(() -> with(change))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void theDefaultsAreAbiSection10Point2() {
        assertThat(new Limits().make()).isEqualTo(DriverLimits.DEFAULT);
        assertThat(DriverLimits.DEFAULT.maxGrowPagesPerCall()).isEqualTo(64);
        assertThat(DriverLimits.DEFAULT.moduleLimits()).isEqualTo(ModuleLimits.DEFAULT);
    }

    @Test
    void theMemoryCapIsOneTo1024Pages() {
        assertThat(with(l -> l.memoryCapPages = 1).memoryCapPages()).isEqualTo(1);
        assertThat(with(l -> l.memoryCapPages = Abi.MAX_MEMORY_PAGES).memoryCapPages())
                .isEqualTo(1024);
        refused(l -> l.memoryCapPages = 0, "memory cap must be 1..1024 pages");
        refused(
                l -> l.memoryCapPages = Abi.MAX_MEMORY_PAGES + 1,
                "memory cap must be 1..1024 pages");
    }

    @Test
    void budgetsAreAtLeastOneMillisecond() {
        assertThat(with(l -> l.callBudgetMs = 1).callBudgetMs()).isEqualTo(1);
        assertThat(with(l -> l.openBudgetMs = 1).openBudgetMs()).isEqualTo(1);
        refused(l -> l.callBudgetMs = 0, "call budgets must be ≥ 1 ms");
        refused(l -> l.openBudgetMs = 0, "call budgets must be ≥ 1 ms");
    }

    @Test
    void outputPerCallIsAtLeastOneRecordAndOneBlobByte() {
        assertThat(with(l -> l.maxRecordsPerCall = 1).maxRecordsPerCall()).isEqualTo(1);
        assertThat(with(l -> l.maxBlobBytesPerCall = 1).maxBlobBytesPerCall()).isEqualTo(1);
        refused(
                l -> l.maxRecordsPerCall = 0,
                "records and blob bytes per call must be ≥ 1, got 0 and 1048576");
        refused(
                l -> l.maxBlobBytesPerCall = 0,
                "records and blob bytes per call must be ≥ 1, got 4096 and 0");
    }

    @Test
    void moduleCapsAreCheckedInTheirOwnWords() {
        refused(l -> l.moduleSizeCapBytes = 7, "module size cap must be at least 8 bytes, got 7");
        refused(l -> l.tableCapElements = -1, "table cap must be ≥ 0 elements, got -1");
        DriverLimits l = DriverLimits.DEFAULT.withModuleCaps(1000, 10);
        assertThat(l.moduleLimits()).isEqualTo(new ModuleLimits(1000, Abi.MEMORY_CAP_PAGES, 10));
        assertThat(l.withModuleCaps(Abi.MODULE_SIZE_CAP_BYTES, ModuleLimits.TABLE_CAP_ELEMENTS))
                .isEqualTo(DriverLimits.DEFAULT);
    }

    @Test
    void aCycleMaySendAtLeastOneRequestAndOneByte() {
        assertThat(with(l -> l.maxRequestsPerCycle = 1).maxRequestsPerCycle()).isEqualTo(1);
        assertThat(with(l -> l.maxTxBytesPerCycle = 1).maxTxBytesPerCycle()).isEqualTo(1);
        String m = "a cycle must be allowed at least one request and one byte";
        refused(l -> l.maxRequestsPerCycle = 0, m);
        refused(l -> l.maxTxBytesPerCycle = 0, m);
        DriverLimits c = DriverLimits.DEFAULT.withCycleLimits(3, 100);
        assertThat(c.maxRequestsPerCycle()).isEqualTo(3);
        assertThat(c.maxTxBytesPerCycle()).isEqualTo(100);
        assertThat(c.withCycleLimits(Abi.MAX_REQUESTS_PER_CYCLE, Abi.MAX_TX_BYTES_PER_CYCLE))
                .isEqualTo(DriverLimits.DEFAULT);
    }

    @Test
    void theTimeoutCapIsAtLeastOneMillisecondAndClampsTheDriversTimeout() {
        refused(l -> l.maxTimeoutMs = 0, "the response timeout cap must be ≥ 1 ms");
        DriverLimits l = with(x -> x.maxTimeoutMs = 1);
        assertThat(l.maxTimeoutMs()).isEqualTo(1);
        DriverLimits d = DriverLimits.DEFAULT;
        // 0 asks for the default response timeout (§10.2); above the cap is clamped (§9).
        assertThat(d.effectiveTimeoutMs(0)).isEqualTo(1000);
        assertThat(d.effectiveTimeoutMs(250)).isEqualTo(250);
        assertThat(d.effectiveTimeoutMs(60_000)).isEqualTo(60_000);
        assertThat(d.effectiveTimeoutMs(60_001)).isEqualTo(60_000);
        assertThat(d.effectiveTimeoutMs(Integer.MAX_VALUE)).isEqualTo(60_000);
        DriverLimits tight = with(x -> x.maxTimeoutMs = 500);
        assertThat(tight.effectiveTimeoutMs(0)).isEqualTo(500);
        assertThat(tight.effectiveTimeoutMs(499)).isEqualTo(499);
    }

    @Test
    void blobBytesPerCallAreAtMostTheBlobCapacity() {
        DriverLimits d = DriverLimits.DEFAULT;
        assertThat(d.maxBlobBytesPerCall(4096)).isEqualTo(4096);
        assertThat(d.maxBlobBytesPerCall(2L * 1024 * 1024)).isEqualTo(1024 * 1024);
    }

    @Test
    void theRestartBackoffDoublesFromTheSecondTrapUpToItsLongest() {
        refused(
                l -> l.restartBackoffMs = -1,
                "restart backoff must be 0 ≤ restartBackoffMs ≤ maxRestartBackoffMs");
        refused(
                l -> {
                    l.restartBackoffMs = 10;
                    l.maxRestartBackoffMs = 9;
                },
                "restart backoff must be 0 ≤ restartBackoffMs ≤ maxRestartBackoffMs");
        DriverLimits zero = DriverLimits.DEFAULT.withRestartBackoff(0, 0);
        assertThat(zero.restartDelayMs(5)).isZero();
        DriverLimits equal = DriverLimits.DEFAULT.withRestartBackoff(10, 10);
        assertThat(equal.restartDelayMs(2)).isEqualTo(10);
        assertThat(equal.restartDelayMs(9)).isEqualTo(10);

        DriverLimits d = DriverLimits.DEFAULT.withRestartBackoff(100, 1000);
        assertThat(d.restartDelayMs(0)).isZero();
        assertThat(d.restartDelayMs(1)).isZero();
        assertThat(d.restartDelayMs(2)).isEqualTo(100);
        assertThat(d.restartDelayMs(3)).isEqualTo(200);
        assertThat(d.restartDelayMs(4)).isEqualTo(400);
        assertThat(d.restartDelayMs(5)).isEqualTo(800);
        assertThat(d.restartDelayMs(6)).isEqualTo(1000);
        assertThat(d.restartDelayMs(Integer.MAX_VALUE)).isEqualTo(1000);
        assertThat(DriverLimits.DEFAULT.restartDelayMs(2)).isEqualTo(1000);
        assertThat(DriverLimits.DEFAULT.restartDelayMs(100)).isEqualTo(5 * 60 * 1000L);
    }

    @Test
    void theGrowthPerCallIsZeroPagesOrMore() {
        assertThat(with(l -> l.maxGrowPagesPerCall = 0).maxGrowPagesPerCall()).isZero();
        refused(
                l -> l.maxGrowPagesPerCall = -1,
                "memory growth per call must be ≥ 0 pages, got -1");
        DriverLimits g = DriverLimits.DEFAULT.withGrowthPerCall(8);
        assertThat(g.maxGrowPagesPerCall()).isEqualTo(8);
        assertThat(g.withGrowthPerCall(64)).isEqualTo(DriverLimits.DEFAULT);
    }

    @Test
    void theWithersKeepEveryOtherLimit() {
        DriverLimits custom =
                with(
                        l -> {
                            l.memoryCapPages = 100;
                            l.callBudgetMs = 20;
                            l.openBudgetMs = 300;
                            l.moduleSizeCapBytes = 5000;
                            l.maxRecordsPerCall = 10;
                            l.maxBlobBytesPerCall = 11;
                            l.tableCapElements = 12;
                            l.maxRequestsPerCycle = 13;
                            l.maxTxBytesPerCycle = 14;
                            l.maxTimeoutMs = 15;
                            l.restartBackoffMs = 16;
                            l.maxRestartBackoffMs = 17;
                            l.maxGrowPagesPerCall = 18;
                        });
        assertThat(custom.withModuleCaps(5000, 12)).isEqualTo(custom);
        assertThat(custom.withCycleLimits(13, 14)).isEqualTo(custom);
        assertThat(custom.withRestartBackoff(16, 17)).isEqualTo(custom);
        assertThat(custom.withGrowthPerCall(18)).isEqualTo(custom);
    }
}
