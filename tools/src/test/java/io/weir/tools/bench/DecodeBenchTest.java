package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.driver.DriverSource;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.wasm.ChicoryEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code weir bench decode} end to end on the real Modbus driver, in one short round: every map's
 * frame decodes to the Java reader's points through the host, the points-only case makes the same
 * points, and every section reports its times, ratio and the bound the module allows. The times
 * themselves are not checked (a test does not time anything); their relations are.
 */
class DecodeBenchTest {

    private static Map<String, Object> runOnce() throws Exception {
        ChicoryEngine engine = new ChicoryEngine();
        byte[] wasm = DriverSource.bytes("modbus");
        DecodeBench.Driver driver =
                new DecodeBench.Driver("wasm", "modbus.wasm", DecodeBench.load(engine, "m", wasm));
        return DecodeBench.run(
                new DecodeBench.Options(
                        List.of(driver),
                        RegisterPointMap.standard(),
                        1,
                        2,
                        0,
                        engine.load("m", wasm, DecodeBench.LIMITS.memoryCapPages())),
                line -> {});
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMapReportsItsRatioAndTheBoundTheModuleAllows() throws Exception {
        Map<String, Object> r = runOnce();
        List<Map<String, Object>> maps = (List<Map<String, Object>>) r.get("maps");
        assertThat(maps)
                .extracting(m -> m.get("map"))
                .containsExactly("u16x10", "u16x100", "mixed6", "mixed50");
        List<Map<String, Object>> sections = new ArrayList<>();
        for (Map<String, Object> m : maps) {
            sections.add((Map<String, Object>) m.get("decode"));
            sections.add((Map<String, Object>) m.get("cycle"));
        }
        Map<String, Object> overall = (Map<String, Object>) r.get("overall");
        sections.add((Map<String, Object>) overall.get("decode"));
        sections.add((Map<String, Object>) overall.get("cycle"));
        for (Map<String, Object> s : sections) {
            long wasm = (Long) s.get("wasm_ns_per_frame");
            long java = (Long) s.get("java_ns_per_frame");
            long module = (Long) s.get("module_ns_per_frame");
            long points = (Long) s.get("points_ns_per_frame");
            assertThat(wasm).as("wasm ns in %s", s).isPositive();
            assertThat(java).isPositive();
            assertThat(module).isPositive();
            assertThat(points).isPositive();
            // One round: the ratio and the bound are that round's, from unrounded times.
            assertThat((Double) s.get("ratio")).isCloseTo((double) java / wasm, within(java, wasm));
            assertThat((Double) s.get("ratio_bound"))
                    .isCloseTo((double) java / (module + points), within(java, module + points));
        }
        assertThat((Long) r.get("points_decoded")).isPositive();
    }

    /** Rounding each time to whole ns moves a ratio by at most this much, plus rounding to 3. */
    private static org.assertj.core.data.Offset<Double> within(long num, long den) {
        double d = (double) num / den;
        return org.assertj.core.data.Offset.offset(
                d * (0.5 / num + 0.5 / Math.max(1, den - 1)) * 1.01 + 0.0006);
    }

    @Test
    void theBenchsCallsAreWarmAsAGatewaysDataCallsAre() {
        // A call is warm when its budget is below the open budget: only then does it skip the
        // clock and keep the per-call growth cap, as a gateway's data calls do.
        assertThat(DecodeBench.LIMITS.callBudgetMs())
                .isLessThan(DecodeBench.LIMITS.openBudgetMs())
                .isGreaterThanOrEqualTo(io.weir.abi.Abi.CALL_BUDGET_MS);
        assertThat(DecodeBench.LIMITS.openBudgetMs() / DecodeBench.LIMITS.callBudgetMs())
                .isEqualTo(io.weir.abi.Abi.OPEN_BUDGET_MS / io.weir.abi.Abi.CALL_BUDGET_MS);
    }

    @Test
    void thePointsCaseMakesTheJavaReadersPointsOfEveryType() throws Exception {
        List<Point> decoded =
                List.of(
                        new Point("bench", "n", Value.NULL, 0x8001, DecodeBench.NOW_MS, null),
                        new Point("bench", "b", Value.of(true), 0, DecodeBench.NOW_MS, null),
                        new Point("bench", "f", Value.of(false), 0, DecodeBench.NOW_MS, null),
                        new Point("bench", "i", Value.i64(-5), 0, DecodeBench.NOW_MS, null),
                        new Point("bench", "u", Value.u64(-1), 0x4000, DecodeBench.NOW_MS, null),
                        new Point("bench", "d", Value.f64(-2.5), 0, DecodeBench.NOW_MS, null));
        DecodeBench.PointsCase c =
                new DecodeBench.PointsCase("points", RegisterPointMap.mixed6(), decoded);
        assertThat(c.once()).isEqualTo(decoded);
        c.cycles(3, true);
        assertThat(c.checksum).isEqualTo(3 * decoded.size());
        assertThat(c.last).isEqualTo(decoded);
        // Without decoding it makes nothing: the decode time is the difference.
        c.cycles(5, false);
        assertThat(c.checksum).isEqualTo(3 * decoded.size());
    }

    @Test
    void thePointsCaseRefusesAValueNoRecordTypeHolds() {
        List<Point> decoded =
                List.of(new Point("bench", "s", Value.str("x"), 0, DecodeBench.NOW_MS, null));
        assertThatThrownBy(
                        () ->
                                new DecodeBench.PointsCase(
                                        "points", RegisterPointMap.mixed6(), decoded))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no record type for");
    }
}
