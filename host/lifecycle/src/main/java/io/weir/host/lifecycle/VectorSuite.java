package io.weir.host.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverTrapped;
import io.weir.host.driver.Watchdog;
import io.weir.host.wasm.Engines;
import io.weir.host.wasm.WasmEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Runs a driver's vector files through the real runtime with {@link VectorRunner}, every vector on
 * a fresh instance, and collects the results instead of stopping at the first failure: what {@code
 * weir driver test} prints and what an install's self-test decides on.
 */
public final class VectorSuite {
    private VectorSuite() {}

    /** The engine that loads a driver as a host of another minor version than the kernel's. */
    private static final WasmEngine ENGINE = Engines.chicory();

    /**
     * Runs every vector as the host its {@code host_abi} names (ABI §3.3): those for the host that
     * loaded {@code module} on it, those for another minor version on the same bytes loaded as that
     * host would (with the module's limits; a v1.0 host refuses a driver that needs 1.1, and the
     * vectors for it then fail).
     *
     * @param module the driver as this host loaded it
     * @param wasm its bytes, to load as a host of another minor version
     * @param files vector files by name (e.g. {@code vectors/requests.json}), in the order to run
     */
    public static VectorReport run(
            DriverModule module, byte[] wasm, SortedMap<String, byte[]> files) {
        VectorRunner.Hosts hosts =
                new VectorRunner.Hosts(
                        module.label(),
                        minor ->
                                minor == module.hostMinor()
                                        ? module
                                        : DriverModule.load(
                                                ENGINE,
                                                module.label(),
                                                wasm,
                                                module.limits(),
                                                Watchdog.shared(),
                                                minor));
        List<VectorReport.Result> results = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            String file = f.getKey();
            JsonNode doc;
            try {
                doc = VectorRunner.parse(file, f.getValue());
                VectorRunner.checkDriver(module, doc);
            } catch (VectorRunner.MalformedVector e) {
                results.add(
                        new VectorReport.Result(
                                file, null, VectorReport.Outcome.FAILED, e.getMessage()));
                continue;
            }
            for (JsonNode v : doc.get("vectors")) {
                String name = v.get("name").asText();
                results.add(one(hosts, file, name, v));
            }
        }
        return new VectorReport(module.label(), results);
    }

    /**
     * A vector whose call ran past its budget is run again, at most this often: on a loaded machine
     * (a compile, a JIT burst) a warm call can exceed the 50 ms budget once; a driver that runs
     * away does so every time.
     */
    static final int BUDGET_RETRIES = 2;

    private static VectorReport.Result one(
            VectorRunner.Hosts module, String file, String name, JsonNode v) {
        VectorReport.Result r = once(module, file, name, v);
        for (int i = 0;
                i < BUDGET_RETRIES
                        && r.outcome() == VectorReport.Outcome.FAILED
                        && r.message().contains(OVER_BUDGET);
                i++) {
            r = once(module, file, name, v);
        }
        return r;
    }

    /** How {@link io.weir.host.driver.CallTimedOut} says a call ran past its budget. */
    private static final String OVER_BUDGET = "ran past its budget";

    private static VectorReport.Result once(
            VectorRunner.Hosts module, String file, String name, JsonNode v) {
        String failure;
        try {
            VectorRunner.run(module, v);
            return new VectorReport.Result(file, name, VectorReport.Outcome.PASSED, null);
        } catch (AssertionError | VectorRunner.MalformedVector e) {
            failure = e.getMessage();
        } catch (DriverException e) {
            failure = "driver call failed: " + e.getMessage();
        } catch (DriverTrapped e) {
            failure = "driver trapped: " + e.getMessage();
        } catch (RuntimeException e) {
            failure = e.toString();
        }
        return new VectorReport.Result(file, name, VectorReport.Outcome.FAILED, failure);
    }
}
