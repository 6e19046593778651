package io.weir.tools.bench;

import io.weir.abi.Abi;
import io.weir.host.Kernel;
import io.weir.host.driver.CallStats;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRefused;
import io.weir.host.driver.Fixtures;
import io.weir.host.driver.Hostile;
import io.weir.host.driver.Hostile.Fault;
import io.weir.host.driver.Watchdog;
import io.weir.host.io.FakeLink;
import io.weir.host.io.FakeTransport;
import io.weir.host.points.Value;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.Session;
import io.weir.host.poll.SessionState;
import io.weir.host.poll.SessionStatus;
import io.weir.host.wasm.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * A running gateway (a {@link Kernel} on the runtime's fake transport, whose fake devices answer
 * each request at once) with healthy fixture devices polled throughout, and one hostile driver at a
 * time beside them: each fault of {@code hostile.wat} in a fresh driver version on one device, then
 * each module that misbehaves at load. Per fixture it measures how long the misbehaving calls ran
 * before the host had control again (warm calls, after the cold-start grace: the call budget plus
 * the watchdog's and Chicory's latency), how many cycles the healthy devices missed meanwhile, and
 * the process's resident memory.
 */
public final class FaultsBench {

    /**
     * @param healthyDevices fixture devices polled throughout
     * @param healthyInterval their poll interval
     * @param hostileInterval the hostile device's poll interval
     * @param maxSeconds how long one fixture may take before the bench moves on
     * @param only fault labels to run (empty: all)
     */
    public record Options(
            int healthyDevices,
            Duration healthyInterval,
            Duration hostileInterval,
            int maxSeconds,
            List<String> only) {
        public Options {
            if (healthyDevices < 1) {
                throw new IllegalArgumentException(
                        "--healthy must be at least 1, got " + healthyDevices);
            }
            if (maxSeconds < 1) {
                throw new IllegalArgumentException(
                        "--max-seconds must be at least 1, got " + maxSeconds);
            }
        }
    }

    /** Warm-up cycles before a fault starts: past the cold-start grace of every cycle call. */
    private static final int WARM_CYCLES = Abi.COLD_START_CALLS + 2;

    /** Faults the session would have to end (ABI §9 caps in the session); they run last. */
    private static final List<Fault> SESSION_FAULTS =
            List.of(Fault.TIMEOUT_ABSURD, Fault.POINT_OUTSIDE_MAP, Fault.ENDLESS_CYCLE);

    /** Calls that have the open budget whatever the grace (ABI §9). */
    private static final List<Abi.Export> OPEN_BUDGET_CALLS =
            List.of(
                    Abi.Export.OPEN,
                    Abi.Export.CLOSE,
                    Abi.Export.SAVE_STATE,
                    Abi.Export.LOAD_STATE,
                    Abi.Export.LINK_UP);

    /** Faults of calls the running session does not make (replay's, ABI 1.1's). */
    private static final List<Fault> NOT_CALLED =
            List.of(Fault.LOOP_OBSERVE, Fault.LOOP_LINK_UP, Fault.LOOP_FRAME_END, Fault.LOOP_TICK);

    /**
     * Modules refused at load, fastest first, the loops after them (each costs the open budget);
     * last a module a byte over the size cap and one just under it that is all code (made here).
     */
    private static final List<String> LOAD_FIXTURES =
            List.of(
                    "import-env",
                    "memory-max-65536",
                    "simd-instruction",
                    "table-huge",
                    "start-log",
                    "start-trap",
                    "start-recursion",
                    "describe-over-blob",
                    "layout-outside-memory",
                    "start-loop",
                    "loop-abi-version",
                    "loop-layout",
                    "loop-describe",
                    "size-over-cap",
                    "code-at-size-cap");

    private final Options options;
    private final Consumer<String> progress;
    private final FakeTransport tcp = new FakeTransport();
    private final List<Session> healthy = new ArrayList<>();
    private long maxRssBytes;

    private FaultsBench(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /**
     * Runs the bench.
     *
     * @param progress one line per fixture as it ends
     * @return the result: {@code fixtures} (one map each) and the totals
     */
    public static Map<String, Object> run(Options options, Consumer<String> progress)
            throws Exception {
        return new FaultsBench(options, progress).run();
    }

    private Map<String, Object> run() throws Exception {
        List<Map<String, Object>> fixtures = new ArrayList<>();
        long rssStart = rssBytes();
        maxRssBytes = rssStart;
        try (Kernel kernel = new Kernel(batch -> {}, Kernel.Options.DEFAULT, tcp)) {
            kernel.loadDriver("fixture.wasm", Fixtures.wasm("fixture"));
            for (int i = 0; i < options.healthyDevices(); i++) {
                String name = "healthy-" + (i + 1);
                healthy.add(
                        kernel.addDevice(
                                DeviceSpec.of(
                                        name,
                                        "tcp://" + name + ":1",
                                        "fixture",
                                        "device\npoint 0 k=v\n",
                                        List.of("value"),
                                        options.healthyInterval())));
            }
            kernel.start();
            for (Session s : healthy) {
                FakeLink link = tcp.link(s.spec().link().toString());
                link.answerWith(request -> Fixtures.frame(42));
                link.up();
            }
            Thread.sleep(2 * options.healthyInterval().toMillis());
            List<Fault> faults = new ArrayList<>();
            for (Fault f : Fault.values()) {
                if (!SESSION_FAULTS.contains(f) && selected(f.label())) {
                    faults.add(f);
                }
            }
            for (Fault f : SESSION_FAULTS) {
                if (selected(f.label())) {
                    faults.add(f);
                }
            }
            List<String> loads = LOAD_FIXTURES.stream().filter(this::selected).toList();
            int total = faults.size() + loads.size();
            int n = 0;
            // Load-time fixtures first: a session fault that never ends (today: a never-ending
            // cycle) keeps a worker busy until the kernel closes.
            for (String fixture : loads) {
                fixtures.add(report(++n, total, load(fixture)));
            }
            for (Fault f : faults) {
                fixtures.add(report(++n, total, fault(kernel, f)));
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("bench", "faults");
        r.put("healthy_devices", options.healthyDevices());
        r.put("healthy_interval_ms", options.healthyInterval().toMillis());
        r.put("hostile_interval_ms", options.hostileInterval().toMillis());
        r.put("call_budget_ms", Abi.CALL_BUDGET_MS);
        r.put("open_budget_ms", Abi.OPEN_BUDGET_MS);
        r.put("worker_threads", Kernel.Options.DEFAULT.workerThreads());
        double maxStop = 0;
        long missed = 0;
        for (Map<String, Object> f : fixtures) {
            if (f.get("stop_ms") instanceof Double d && "call".equals(f.get("kind"))) {
                maxStop = Math.max(maxStop, d);
            }
            missed += (Long) f.get("missed");
        }
        r.put("max_warm_stop_ms", round(maxStop));
        r.put("total_missed", missed);
        r.put("rss_mb_start", mb(rssStart));
        r.put("rss_mb_max", mb(maxRssBytes));
        r.put("rss_mb_end", mb(rssBytes()));
        r.put("fixtures", fixtures);
        return r;
    }

    private boolean selected(String label) {
        return options.only().isEmpty() || options.only().contains(label);
    }

    private Map<String, Object> report(int n, int total, Map<String, Object> f) {
        long rss = rssBytes();
        maxRssBytes = Math.max(maxRssBytes, rss);
        f.put("rss_mb", mb(rss));
        progress.accept(
                String.format(
                        Locale.ROOT,
                        "faults [%d/%d] %-22s %-12s stop_ms %-8s missed %d  rss %d MB",
                        n,
                        total,
                        f.get("fixture"),
                        f.get("outcome"),
                        f.get("stop_ms") == null ? "-" : f.get("stop_ms"),
                        (Long) f.get("missed"),
                        mb(rss)));
        return f;
    }

    // ---- one fault of hostile.wat in a running gateway --------------------------------------

    private Map<String, Object> fault(Kernel kernel, Fault fault) throws Exception {
        long missedBefore = healthyMissed();
        DriverModule module = kernel.loadDriver("hostile.wasm", Hostile.wasm());
        String name = "hostile-" + fault.label();
        String address = "tcp://" + name + ":1";
        // The device answers like the fixture's device; for a fault that needs silence it never
        // answers, from the start, so that the warm-up spends weir_on_timeout's grace too.
        boolean silent =
                fault == Fault.LOOP_ON_TIMEOUT
                        || fault == Fault.SILENT_DEVICE
                        || fault == Fault.TIMEOUT_ABSURD;
        int after = fault == Fault.LOOP_OPEN ? 0 : WARM_CYCLES;
        Session s =
                kernel.addDevice(
                        DeviceSpec.of(
                                name,
                                address,
                                "hostile",
                                Hostile.config(fault, after),
                                List.of("p0"),
                                options.hostileInterval()));
        FakeLink link = tcp.link(address);
        // Like a device, it answers the requests it knows ("REQ?", "WRT?") and ignores the rest:
        // the never-ending cycle's requests expect no answer, which would only pile up.
        link.answerWith(
                request ->
                        silent || request.length < 4 || request[3] != '?'
                                ? null
                                : Fixtures.frame(7));
        link.up();
        // Writes from the start, so that the warm-up spends weir_write's grace too.
        boolean writes = fault == Fault.LOOP_WRITE || fault == Fault.EMPTY_WRITE;
        java.util.concurrent.CompletableFuture<?> write = null;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.maxSeconds());
        boolean notCalled = NOT_CALLED.contains(fault);
        long runsFor =
                TimeUnit.MILLISECONDS.toNanos(
                        options.hostileInterval().toMillis() * (WARM_CYCLES + 6)
                                + (silent ? 6 * 200 : 0));
        long started = System.nanoTime();
        while (System.nanoTime() < end && s.state() != SessionState.QUARANTINED) {
            if (writes && (write == null || write.isDone())) {
                write = kernel.write(name, "p0", Value.i64(1));
            }
            if (module.stats().traps() == 0
                    && System.nanoTime() - started > runsFor
                    && s.status().cycles() > WARM_CYCLES) {
                // Nothing to stop: the device runs on.
                break;
            }
            Thread.sleep(notCalled ? 20 : 10);
        }
        SessionStatus st = s.status();
        s.stop();
        // A stop waits for the serial queue: a cycle that never ends never lets it run.
        boolean stopped = waitStopped(s);
        long missed = healthyMissed() - missedBefore;
        CallStats stats = module.stats();
        // The budget of the misbehaving call: the call budget, after the cold-start grace, for
        // the data plane; the open budget for opening, closing and the state calls (ABI §9).
        boolean openBudget = OPEN_BUDGET_CALLS.contains(fault.export);
        Histogram stops = stats.stopMicros(!openBudget);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", fault.label());
        f.put("kind", openBudget ? "open-budget call" : "call");
        f.put("export", fault.export.exportName());
        String outcome;
        if (st.state() == SessionState.QUARANTINED) {
            outcome = "quarantined";
        } else if (stats.traps() > 0) {
            outcome = "trapped";
        } else if (!stopped) {
            outcome = "not stopped";
        } else if (st.protocolErrors() > 0) {
            outcome = "refused frames";
        } else {
            outcome = "runs";
        }
        f.put("outcome", outcome);
        f.put("budget_ms", openBudget ? Abi.OPEN_BUDGET_MS : Abi.CALL_BUDGET_MS);
        if (stops.getTotalCount() > 0) {
            f.put("stop_ms", round(stops.getMaxValue() / 1e3));
            f.put("stop_ms_p50", round(stops.getValueAtPercentile(50) / 1e3));
        } else {
            f.put("stop_ms", null);
        }
        f.put("stops", stops.getTotalCount());
        f.put("traps", stats.traps());
        f.put("missed", missed);
        f.put("hostile_cycles", st.cycles());
        f.put("said", st.lastError());
        if (SESSION_FAULTS.contains(fault)) {
            // ABI §9 caps that live in the session (requests per cycle, the timeout cap, the
            // point-index check): this bench shows what today's session does with them.
            f.put("ended_by", "the session's ABI §9 caps");
        }
        return f;
    }

    private static boolean waitStopped(Session s) throws InterruptedException {
        try {
            s.stopped().get(3, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true;
        }
    }

    // ---- a module that misbehaves at load -----------------------------------------------------

    /** A fixture module, or one of the multi-megabyte modules made from the fixture driver. */
    private static byte[] module(String fixture) {
        return switch (fixture) {
            case "size-over-cap" -> BigModules.padded(Fixtures.wasm("fixture"), BigModules.CAP + 1);
            case "code-at-size-cap" ->
                    BigModules.withCode(Fixtures.wasm("fixture"), BigModules.CAP);
            default -> Fixtures.wasm(fixture);
        };
    }

    private Map<String, Object> load(String fixture) throws InterruptedException {
        // Made before the count starts: building a 4 MiB module is the bench's work, not the
        // host's.
        byte[] wasm = module(fixture);
        long missedBefore = healthyMissed();
        // No System.gc() to measure from a clean heap: a full collection stops the world, and
        // the healthy devices would miss cycles the module did not cost them.
        long heapBefore = heapBytes();
        long t0 = System.nanoTime();
        String said;
        String outcome;
        try {
            DriverModule.load(
                    Engines.chicory(),
                    fixture + ".wasm",
                    wasm,
                    DriverLimits.DEFAULT,
                    Watchdog.shared());
            outcome = "loaded";
            said = null;
        } catch (DriverRefused e) {
            outcome = "refused";
            said = e.getMessage();
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        long heapAfter = heapBytes();
        // Let the healthy devices show any cycle the load cost them.
        Thread.sleep(options.healthyInterval().toMillis());
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", fixture);
        f.put("kind", "load");
        f.put("outcome", outcome);
        f.put("stop_ms", round(ms));
        f.put("budget_ms", Abi.OPEN_BUDGET_MS);
        f.put("module_bytes", wasm.length);
        // What the load allocated and kept, roughly (collections during the load hide some).
        f.put("heap_mb_grown", mb(Math.max(0, heapAfter - heapBefore)));
        f.put("missed", healthyMissed() - missedBefore);
        f.put("said", said);
        return f;
    }

    // ---- helpers ---------------------------------------------------------------------------

    private long healthyMissed() {
        long m = 0;
        for (Session s : healthy) {
            m += s.status().missed();
        }
        return m;
    }

    private static long heapBytes() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** Resident set size from /proc/self/status, or the heap in use where there is no /proc. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] p = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(p[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: fall through.
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long mb(long bytes) {
        return bytes / (1024 * 1024);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
