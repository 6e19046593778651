package io.weir.tools.driver;

import io.weir.host.Kernel;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.Session;
import io.weir.host.poll.SessionStatus;
import io.weir.host.tcp.TcpTransport;
import io.weir.tools.sim.ModbusTcpSimulator;
import io.weir.tools.sim.RegisterMap;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * {@code weir bench swap}: many Modbus devices (real j2mod slaves on loopback, 16 devices per
 * slave) polled through the bundled Modbus driver while the whole fleet is swapped between two
 * versions of it again and again, each device at its own cycle boundary with its state handed
 * across. At the end every device finishes its exchange in flight, and the points are counted:
 * every cycle must have delivered its points exactly once.
 *
 * <p>The second version is a twin of the bundled module that reports {@link #TWIN_VERSION} (the
 * same code with its manifest's version patched): what changes between versions does not matter to
 * the swap, and the bench needs no file. Both versions are warmed by one swap each before the
 * measured ones, as the self-test on its vectors warms a version before a gateway activates it.
 */
public final class SwapBench {

    /**
     * @param devices how many devices
     * @param interval each device's poll interval
     * @param duration how long to poll and swap
     * @param swapEvery how often to swap the fleet to the other version
     * @param warmup how long to poll before measuring (the JIT compiles the driver's code
     *     meanwhile)
     */
    public record Options(
            int devices,
            Duration interval,
            Duration duration,
            Duration swapEvery,
            Duration warmup) {
        public Options {
            if (devices < 1) {
                throw new IllegalArgumentException("--devices must be at least 1");
            }
            if (interval.toMillis() < 5) {
                throw new IllegalArgumentException("--interval must be at least 5 ms");
            }
            if (swapEvery.compareTo(interval) < 0) {
                throw new IllegalArgumentException("--swap-every must be at least one interval");
            }
        }
    }

    /** Devices one simulator serves: its j2mod slave's thread pool. */
    static final int DEVICES_PER_SIMULATOR = 16;

    /** Registers per device, read in one request: one batch of points per cycle. */
    static final int POINTS = 4;

    private static final String MAP =
            "[holding.0]\nname = \"a\"\ngen = \"counter\"\nperiod = 1\n"
                    + "[holding.1]\nname = \"b\"\ngen = \"ramp\"\nperiod = 10\nmin = 0\nmax = 1000\n"
                    + "[holding.2]\nname = \"c\"\ngen = \"constant\"\nvalue = 7\n"
                    + "[holding.3]\nname = \"d\"\ngen = \"toggle\"\nperiod = 2\n";

    private SwapBench() {}

    /** The version of the bundled Modbus driver (its {@code weir_describe} and package). */
    public static final String BUNDLED_VERSION = "0.2.0";

    /** The version {@link #twin} reports. */
    public static final String TWIN_VERSION = "0.2.1";

    /** The bundled Modbus module describing itself as {@link #TWIN_VERSION}: the same code. */
    public static byte[] twin(byte[] wasm) {
        return withVersion(wasm, BUNDLED_VERSION, TWIN_VERSION);
    }

    /**
     * {@code wasm} with the one occurrence of the ASCII text {@code from} (its manifest's version)
     * replaced by {@code to} of the same length: a second version of the same code for swap
     * benches, tests and the demo.
     *
     * @throws IllegalStateException if {@code from} is not in the module exactly once
     */
    public static byte[] withVersion(byte[] wasm, String from, String to) {
        byte[] f = from.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] t = to.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (f.length != t.length) {
            throw new IllegalArgumentException(
                    "version " + to + " must be as long as " + from + " to patch it in place");
        }
        int at = -1;
        outer:
        for (int i = 0; i + f.length <= wasm.length; i++) {
            for (int k = 0; k < f.length; k++) {
                if (wasm[i + k] != f[k]) {
                    continue outer;
                }
            }
            if (at >= 0) {
                throw new IllegalStateException(
                        "the module holds \""
                                + from
                                + "\" more than once: cannot patch its version");
            }
            at = i;
        }
        if (at < 0) {
            throw new IllegalStateException(
                    "the module does not hold version \"" + from + "\" (bundled driver rebuilt?)");
        }
        byte[] out = wasm.clone();
        System.arraycopy(t, 0, out, at, t.length);
        return out;
    }

    public static Map<String, Object> run(Options o, Consumer<String> progress) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        List<ModbusTcpSimulator> sims = new ArrayList<>();
        Map<String, LongAdder> batches = new ConcurrentHashMap<>();
        Map<String, LongAdder> delivered = new ConcurrentHashMap<>();
        Histogram pauses = new Histogram(60_000_000_000L, 3);
        Histogram rounds = new Histogram(600_000_000_000L, 3);
        LongAdder linkDown = new LongAdder();
        LongAdder instanceLost = new LongAdder();
        int swaps = 0;
        int warmup = 0;
        try (Kernel kernel =
                new Kernel(
                        batch -> {
                            if (batch.isEmpty()) {
                                return;
                            }
                            // Every cycle gives one batch: its answer (good points, or a
                            // device exception) or, after a timeout, BAD_COMM points. A link
                            // that is down gives reports that are no cycle; counted apart.
                            String d = batch.get(0).device();
                            String why = batch.get(0).error();
                            if (why != null
                                    && (why.startsWith("link down")
                                            || why.startsWith("link not ready"))) {
                                linkDown.increment();
                                return;
                            }
                            if (why != null && why.startsWith("driver trapped in device ")) {
                                // Another device trapped the shared instance: a report whether
                                // or not this device had a cycle running (so, with traps, the
                                // counts below are not exact; the result says so).
                                instanceLost.increment();
                                return;
                            }
                            batches.computeIfAbsent(d, k -> new LongAdder()).increment();
                            delivered.computeIfAbsent(d, k -> new LongAdder()).add(batch.size());
                        },
                        new TcpTransport())) {
            RegisterMap map = RegisterMap.parse(MAP, "bench map");
            int simCount = (o.devices() + DEVICES_PER_SIMULATOR - 1) / DEVICES_PER_SIMULATOR;
            for (int i = 0; i < simCount; i++) {
                sims.add(new ModbusTcpSimulator(map, lo, freePort(lo), 1, 1000));
            }
            byte[] wasm = DriverSource.bytes("modbus");
            DriverModule a = kernel.compileDriver("modbus.wasm", wasm);
            DriverModule b = kernel.compileDriver("modbus-twin.wasm", twin(wasm));
            kernel.addDriver("modbus", a);
            String config =
                    "device unit=1\n"
                            + "point 0 area=holding address=0 type=u16\n"
                            + "point 1 area=holding address=1 type=u16\n"
                            + "point 2 area=holding address=2 type=u16\n"
                            + "point 3 area=holding address=3 type=u16\n";
            for (int i = 0; i < o.devices(); i++) {
                kernel.addDevice(
                        DeviceSpec.of(
                                "dev" + i,
                                "tcp://127.0.0.1:" + sims.get(i / DEVICES_PER_SIMULATOR).port(),
                                "modbus",
                                config,
                                List.of("a", "b", "c", "d"),
                                o.interval()));
            }
            kernel.start();
            long t0 = System.nanoTime();
            // Every link up and a few cycles each before anything is measured.
            while (kernel.status().stream().anyMatch(s -> s.points() < 3 * POINTS)) {
                if (System.nanoTime() - t0 > 30_000_000_000L) {
                    throw new IllegalStateException(
                            "devices did not start polling within 30 s: " + kernel.status());
                }
                Thread.sleep(20);
            }
            // Reports of links not up yet, before the first cycles, are no cycle's.
            long linkDownAtStart = linkDown.sum();
            // Warm-up, not measured: polling while the JIT compiles the driver's code, and one
            // swap to each version.
            Thread.sleep(o.warmup().toMillis());
            for (DriverModule m : List.of(b, a)) {
                kernel.swap("modbus", m);
                warmup++;
            }
            Map<String, long[]> start = new LinkedHashMap<>();
            for (SessionStatus s : kernel.status()) {
                start.put(
                        s.device(),
                        new long[] {s.cycles(), s.missed(), s.timeouts(), s.protocolErrors()});
            }
            long begin = System.nanoTime();
            long end = begin + o.duration().toNanos();
            long nextProgress = begin + 1_000_000_000L;
            DriverModule next = b;
            while (System.nanoTime() < end) {
                long roundStart = System.nanoTime();
                for (Session.Swap s : kernel.swap("modbus", next)) {
                    pauses.recordValue(Math.max(0, s.pauseNanos()));
                }
                rounds.recordValue(System.nanoTime() - roundStart);
                swaps++;
                next = next == a ? b : a;
                long now = System.nanoTime();
                if (now >= nextProgress) {
                    long polls = 0;
                    long missed = 0;
                    for (SessionStatus s : kernel.status()) {
                        polls += s.cycles() - start.get(s.device())[0];
                        missed += s.missed() - start.get(s.device())[1];
                    }
                    progress.accept(
                            String.format(
                                    "swap bench: %d/%d s, %d devices, %d polls, %d missed, %d swaps,"
                                            + " pause p99 %.2f ms",
                                    (now - begin) / 1_000_000_000L,
                                    o.duration().toSeconds(),
                                    o.devices(),
                                    polls,
                                    missed,
                                    swaps,
                                    pauses.getValueAtPercentile(99) / 1e6));
                    nextProgress = now + 1_000_000_000L;
                }
                long sleep = o.swapEvery().toNanos() - (System.nanoTime() - roundStart);
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                }
            }
            long elapsed = System.nanoTime() - begin;
            // The exchange in flight of every device finishes; then every cycle must be delivered.
            boolean finished = kernel.finish(Duration.ofSeconds(10));
            long polls = 0;
            long missed = 0;
            long timeouts = 0;
            long errors = 0;
            long traps = 0;
            long lost = 0;
            long duplicated = 0;
            long lostPoints = 0;
            long duplicatedPoints = 0;
            String running = null;
            for (SessionStatus s : kernel.status()) {
                long[] st = start.get(s.device());
                long cycles = s.cycles() - st[0];
                polls += cycles;
                missed += s.missed() - st[1];
                timeouts += s.timeouts() - st[2];
                errors += s.protocolErrors() - st[3];
                traps += s.traps();
                // Over the whole run, warm-up included: every cycle since the start has finished
                // (kernel.finish), so each must have delivered its batch exactly once.
                long all = s.cycles();
                long got = batches.getOrDefault(s.device(), new LongAdder()).sum();
                lost += Math.max(0, all - got);
                duplicated += Math.max(0, got - all);
                long points = delivered.getOrDefault(s.device(), new LongAdder()).sum();
                long expected = all * POINTS;
                lostPoints += Math.max(0, expected - points);
                duplicatedPoints += Math.max(0, points - expected);
                running = s.driver();
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("bench", "swap");
            r.put("devices", o.devices());
            r.put("interval_ms", o.interval().toMillis());
            r.put("seconds", Math.round(elapsed / 1e7) / 100.0);
            r.put("polls", polls);
            r.put("polls_total", kernel.status().stream().mapToLong(SessionStatus::cycles).sum());
            r.put("polls_per_s", Math.round(polls / (elapsed / 1e9)));
            r.put("missed", missed);
            r.put("lost", lost);
            r.put("duplicated", duplicated);
            r.put("lost_points", lostPoints);
            r.put("duplicated_points", duplicatedPoints);
            r.put("timeouts", timeouts);
            long linkDownSince = linkDown.sum() - linkDownAtStart;
            r.put("link_down_reports", linkDownSince);
            r.put("traps", traps);
            r.put("instance_lost_reports", instanceLost.sum());
            // Every batch is one cycle's outcome unless a link dropped or an instance trapped
            // (reports outside any cycle): only then are lost and duplicated exact.
            r.put("accounting_exact", traps == 0 && linkDownSince == 0);
            r.put("driver_errors", errors);
            r.put("swaps", swaps);
            r.put("device_swaps", pauses.getTotalCount());
            r.put("warmup_swaps", warmup);
            r.put("swap_pause_p50_ms", pauses.getValueAtPercentile(50) / 1e6);
            r.put("swap_pause_p99_ms", pauses.getValueAtPercentile(99) / 1e6);
            r.put("swap_pause_max_ms", pauses.getMaxValue() / 1e6);
            r.put("swap_round_p50_ms", rounds.getValueAtPercentile(50) / 1e6);
            r.put("swap_round_max_ms", rounds.getMaxValue() / 1e6);
            r.put("finished_in_flight", finished);
            r.put("last_version", running);
            r.put("worker_threads", Kernel.Options.DEFAULT.workerThreads());
            r.put("cpus", Runtime.getRuntime().availableProcessors());
            return r;
        } finally {
            for (ModbusTcpSimulator s : sims) {
                s.close();
            }
        }
    }

    private static int freePort(InetAddress at) throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, at)) {
            return s.getLocalPort();
        }
    }
}
