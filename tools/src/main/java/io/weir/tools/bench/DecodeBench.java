package io.weir.tools.bench;

import io.weir.abi.Abi;
import io.weir.abi.Layout;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.FrameLength;
import io.weir.host.driver.OnBytes;
import io.weir.host.driver.Request;
import io.weir.host.driver.Watchdog;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.wasm.HostImports;
import io.weir.host.wasm.WasmEngine;
import io.weir.host.wasm.WasmFunction;
import io.weir.host.wasm.WasmInstance;
import io.weir.host.wasm.WasmProgram;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code weir bench decode}: the Modbus driver's decoding through the real host classes against a
 * hand-written Java reader of the same frames and point maps, side by side in one run.
 *
 * <p>Every case runs whole cycles on the calling thread, as a session runs them: {@code weir_poll},
 * the response's transaction id patched in, {@code weir_frame_len}, {@code weir_on_frame} with its
 * records turned into {@link Point}s as the session does, and the {@code weir_poll} that ends the
 * cycle. A driver with agreed ABI version 1.2 that exports {@code weir_on_bytes} is run as a 1.2
 * session runs it (ABI §7.1, §7.13): {@code weir_poll}, then {@code weir_on_bytes} (framing and
 * decoding in one call), and no closing {@code weir_poll} after a request marked {@code LAST};
 * without decoding, {@code weir_frame_len} frames the response instead. The decode of a frame is
 * measured as the difference between that cycle and the same cycle without decoding, for the driver
 * and for the Java reader alike, because a response can only be decoded once per request (the
 * driver forgets the request it answers) and a clock read per call would cost more than decoding
 * ten points on a virtual machine.
 *
 * <p>Time is the calling thread's CPU time where the JVM has it (else wall time): the machines this
 * runs on are shared, and CPU time does not count the time the thread waited for a core. Samples of
 * all cases are interleaved round by round, so a slow phase of the machine hits both sides; the
 * result gives the median of the rounds and their spread.
 */
final class DecodeBench {

    /** {@code now_us} of every call: 2023-11-14, a fixed time keeps both sides' points equal. */
    static final long NOW_US = 1_700_000_000_000_000L;

    static final long NOW_MS = NOW_US / 1000;

    private static final String DEVICE = "bench";

    /**
     * @param drivers the driver to measure (label, module), then any to compare with it
     * @param maps the point maps
     * @param rounds measured rounds
     * @param sampleMs CPU time per sample of one case in one round
     * @param warmupMs CPU time per case before the first round, spread over three passes
     * @param module the main driver compiled once more, for the module-only case (its exports
     *     called without the host's {@code DriverInstance}), or {@code null} to leave it out
     */
    record Options(
            List<Driver> drivers,
            List<RegisterPointMap> maps,
            int rounds,
            long sampleMs,
            long warmupMs,
            WasmProgram module) {
        Options {
            drivers = List.copyOf(drivers);
            maps = List.copyOf(maps);
            if (drivers.isEmpty() || maps.isEmpty()) {
                throw new IllegalArgumentException("nothing to measure");
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
            }
            if (sampleMs < 1) {
                throw new IllegalArgumentException("--sample-ms must be >= 1, got " + sampleMs);
            }
            if (warmupMs < 0) {
                throw new IllegalArgumentException("--warmup-ms must be >= 0, got " + warmupMs);
            }
        }
    }

    /** A compiled driver and its name in the results ({@code wasm}, {@code compare}). */
    record Driver(String label, String source, DriverModule module) {}

    /**
     * Limits for the benchmark: the default memory cap and the default budgets × 100 (a loaded
     * machine), in the defaults' proportion. A call budget below the open budget is what makes a
     * call warm, as every data call of a gateway is: it reads no clock unless it is sampled and may
     * grow memory by the per-call cap only (DriverInstance). Until 2026-12-06 both were 5 s, so
     * every call of this bench ran as a cold one (a clock read each, ~17 ns on this VM).
     */
    static final DriverLimits LIMITS =
            new DriverLimits(
                    Abi.MEMORY_CAP_PAGES, Abi.CALL_BUDGET_MS * 100L, Abi.OPEN_BUDGET_MS * 100L);

    static DriverModule load(WasmEngine engine, String source, byte[] wasm) {
        return DriverModule.load(engine, source, wasm, LIMITS, Watchdog.shared());
    }

    // ---- cases ------------------------------------------------------------------------------

    /** Something that runs cycles of one map, with or without decoding the response. */
    abstract static class Case {
        final String name;
        final RegisterPointMap map;
        long checksum;
        Object last;

        Case(String name, RegisterPointMap map) {
            this.name = name;
            this.map = map;
        }

        /** Runs {@code n} cycles. */
        abstract void cycles(int n, boolean decode) throws Exception;

        /** The points of one decoded response, to check both sides agree. */
        abstract List<Point> once() throws Exception;

        final void consume(List<Point> points) {
            checksum += points.size();
            last = points;
        }
    }

    /** The MBAP + FC3 response to the map's request, transaction id to be patched in. */
    static byte[] response(RegisterPointMap map) {
        int[] regs = map.registers(map.name().hashCode());
        int n = regs.length;
        byte[] f = new byte[9 + 2 * n];
        int length = 3 + 2 * n;
        f[4] = (byte) (length >> 8);
        f[5] = (byte) length;
        f[6] = 1;
        f[7] = 3;
        f[8] = (byte) (2 * n);
        for (int i = 0; i < n; i++) {
            f[9 + 2 * i] = (byte) (regs[i] >> 8);
            f[10 + 2 * i] = (byte) regs[i];
        }
        return f;
    }

    /** The session's way of turning records into points (Session.Batch). */
    static final class Batch implements DriverInstance.RecordSink {
        final List<Point> points;
        final List<String> names;

        Batch(List<String> names) {
            this.names = names;
            this.points = new ArrayList<>(names.size());
        }

        @Override
        public void record(int point, String name, Value value, int quality, long tsUs, int flags) {
            String n =
                    name != null
                            ? name
                            : point >= 0 && point < names.size() ? names.get(point) : "#" + point;
            points.add(new Point(DEVICE, n, value, quality, Math.floorDiv(tsUs, 1000), null));
        }
    }

    /** The driver through the host's {@link DriverInstance}, as a session calls it. */
    static final class HostCase extends Case {
        private final DriverInstance instance;
        private final byte[] frame;
        private final List<String> names;

        /** ABI 1.2 (§7.13): the session frames and decodes with {@code weir_on_bytes}. */
        private final boolean onBytes;

        HostCase(String name, DriverModule module, RegisterPointMap map) throws DriverException {
            super(name, map);
            this.instance = module.instantiate("bench " + map.name());
            // A v1.1 host adds the transport to the device line (ABI §5.1), as Session does.
            this.instance.open(0, map.configText("tcp"), NOW_US);
            this.frame = response(map);
            this.names = map.pointNames();
            this.onBytes = module.calls(Abi.Export.ON_BYTES);
        }

        /** Whether a 1.2 session runs this driver: two calls a cycle, not four. */
        boolean v12() {
            return onBytes;
        }

        @Override
        void cycles(int n, boolean decode) throws DriverException {
            for (int i = 0; i < n; i++) {
                Request r = instance.poll(0, NOW_US);
                byte[] q = r.bytes();
                frame[0] = q[0];
                frame[1] = q[1];
                if (decode && onBytes) {
                    Batch b = new Batch(names);
                    instance.onBytes(0, frame, 0, frame.length, NOW_US, b);
                    consume(b.points);
                } else {
                    FrameLength fl = instance.frameLen(0, frame, 0, frame.length);
                    if (decode) {
                        Batch b = new Batch(names);
                        instance.onFrame(0, fl.length(), NOW_US, b);
                        consume(b.points);
                    }
                }
                // ABI §7.1 (1.2): no closing weir_poll after a request marked LAST.
                if (!r.lastOfCycle() && !instance.poll(0, NOW_US).endOfCycle()) {
                    throw new IllegalStateException(
                            name + ": the driver sent a second request in a one-request map");
                }
            }
        }

        /** Linear memory of the instance, in 64 KiB pages. */
        int pages() {
            return instance.memoryPages();
        }

        @Override
        List<Point> once() throws DriverException {
            Request r = instance.poll(0, NOW_US);
            checkRequest(name, map, r.bytes());
            frame[0] = r.bytes()[0];
            frame[1] = r.bytes()[1];
            Batch b = new Batch(names);
            int n;
            if (onBytes) {
                if (!r.lastOfCycle()) {
                    throw new IllegalStateException(
                            name + ": a 1.2 driver did not mark its only request LAST");
                }
                OnBytes ob = instance.onBytes(0, frame, 0, frame.length, NOW_US, b);
                if (!ob.complete() || ob.framing().length() != frame.length) {
                    throw new IllegalStateException(name + ": weir_on_bytes framed " + ob);
                }
                n = ob.records();
            } else {
                FrameLength fl = instance.frameLen(0, frame, 0, frame.length);
                if (fl.kind() != FrameLength.Kind.COMPLETE || fl.length() != frame.length) {
                    throw new IllegalStateException(name + ": the driver framed " + fl);
                }
                n = instance.onFrame(0, fl.length(), NOW_US, b);
            }
            if (n != map.points().size()) {
                throw new IllegalStateException(name + ": " + n + " records, not one per point");
            }
            if (!r.lastOfCycle()) {
                instance.poll(0, NOW_US);
            }
            return b.points;
        }
    }

    /**
     * The driver's exports called directly on the engine's instance, without the host's {@code
     * DriverInstance} (no budget, no checks, no records read): what the module itself costs.
     */
    static final class ModuleCase extends Case {
        private final WasmInstance wasm;
        private final WasmFunction poll;
        private final WasmFunction frameLen;
        private final WasmFunction onFrame;

        /** {@code weir_on_bytes} when the driver agreed on ABI 1.2 and exports it, else null. */
        private final WasmFunction onBytes;

        private final byte[] frame;
        private final int rx;
        private final int tx;
        private final int reqFlags;

        ModuleCase(String name, WasmProgram program, RegisterPointMap map) {
            super(name, map);
            this.wasm =
                    program.instantiate(
                            new HostImports() {
                                @Override
                                public void log(
                                        int level, java.util.function.Supplier<String> message) {}

                                @Override
                                public void panic(String message) {}
                            });
            int at = (int) wasm.function(Abi.Export.LAYOUT.exportName()).call();
            Layout layout = Layout.decode(wasm.read(at, Abi.LAYOUT_SIZE), 0);
            this.rx = (int) layout.rxPtr();
            this.tx = (int) layout.txPtr();
            this.reqFlags = at + Abi.LAYOUT_SIZE + io.weir.abi.Meta.REQ_FLAGS;
            // As the host agrees (ABI §3.3), so that the module runs the calls a session makes.
            WasmFunction hostAbi = wasm.function(Abi.Export.HOST_ABI.exportName());
            int agreed = hostAbi == null ? 0 : Abi.minor((int) hostAbi.call(Abi.LATEST_VERSION));
            String text = agreed >= Abi.MINOR_1_1 ? map.configText("tcp") : map.configText();
            byte[] cfg = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            wasm.write((int) layout.cfgPtr(), cfg, 0, cfg.length);
            long rc = wasm.function(Abi.Export.OPEN.exportName()).call(0, cfg.length, NOW_US);
            if (rc != 0) {
                throw new IllegalStateException(name + ": weir_open returned " + rc);
            }
            this.poll = wasm.function(Abi.Export.POLL.exportName());
            this.frameLen = wasm.function(Abi.Export.FRAME_LEN.exportName());
            this.onFrame = wasm.function(Abi.Export.ON_FRAME.exportName());
            this.onBytes =
                    agreed >= Abi.MINOR_1_2
                            ? wasm.function(Abi.Export.ON_BYTES.exportName())
                            : null;
            this.frame = response(map);
        }

        @Override
        void cycles(int n, boolean decode) {
            for (int i = 0; i < n; i++) {
                long len = poll.call(0, NOW_US);
                if (len <= 0) {
                    throw new IllegalStateException(name + ": weir_poll returned " + len);
                }
                byte[] q = wasm.read(tx, 2);
                frame[0] = q[0];
                frame[1] = q[1];
                boolean last = onBytes != null && (wasm.readI32(reqFlags) & 1) != 0;
                wasm.write(rx, frame, 0, frame.length);
                if (decode && onBytes != null) {
                    checksum += onBytes.call(0, frame.length, NOW_US);
                } else {
                    long fl = frameLen.call(0, frame.length);
                    if (decode) {
                        long records = onFrame.call(0, fl, NOW_US);
                        checksum += records;
                    }
                }
                if (!last && poll.call(0, NOW_US) != 0) {
                    throw new IllegalStateException(name + ": a second request");
                }
            }
        }

        @Override
        List<Point> once() {
            cycles(1, true);
            return List.of();
        }
    }

    /** The hand-written Java reader. */
    static final class JavaCase extends Case {
        private final JavaModbusReader reader;
        private final byte[] frame;

        JavaCase(String name, RegisterPointMap map) {
            super(name, map);
            this.reader = new JavaModbusReader(DEVICE, map);
            this.frame = response(map);
        }

        @Override
        void cycles(int n, boolean decode) {
            for (int i = 0; i < n; i++) {
                byte[] q = reader.poll();
                frame[0] = q[0];
                frame[1] = q[1];
                int len = JavaModbusReader.frameLength(frame, frame.length);
                if (decode) {
                    consume(reader.decode(frame, len, NOW_MS));
                }
                if (reader.poll() != null) {
                    throw new IllegalStateException(name + ": a second request");
                }
            }
        }

        @Override
        List<Point> once() {
            byte[] q = reader.poll();
            checkRequest(name, map, q);
            frame[0] = q[0];
            frame[1] = q[1];
            int len = JavaModbusReader.frameLength(frame, frame.length);
            List<Point> p = reader.decode(frame, len, NOW_MS);
            reader.poll();
            return p;
        }
    }

    /**
     * The part of the Java reader's work that any host must repeat for a driver's records: making
     * the frame's {@link Value}s and {@link Point}s (and the list that holds them) from values
     * already decoded, as the session's sink does from a record's type and bits. With the module's
     * own time it bounds what the ratio can reach: a host that read records for nothing would still
     * take {@code module + points} to the Java reader's time.
     */
    static final class PointsCase extends Case {
        private final int[] types;
        private final long[] bits;
        private final int[] qualities;
        private final String[] names;

        PointsCase(String name, RegisterPointMap map, List<Point> decoded) {
            super(name, map);
            int n = decoded.size();
            types = new int[n];
            bits = new long[n];
            qualities = new int[n];
            names = new String[n];
            for (int i = 0; i < n; i++) {
                Point p = decoded.get(i);
                Value v = p.value();
                if (v instanceof Value.I64 x) {
                    types[i] = 2;
                    bits[i] = x.value();
                } else if (v instanceof Value.U64 x) {
                    types[i] = 3;
                    bits[i] = x.bits();
                } else if (v instanceof Value.F64 x) {
                    types[i] = 4;
                    bits[i] = Double.doubleToRawLongBits(x.value());
                } else if (v instanceof Value.Bool x) {
                    types[i] = 1;
                    bits[i] = x.value() ? 1 : 0;
                } else if (v == Value.NULL) {
                    types[i] = 0;
                } else {
                    throw new IllegalArgumentException(name + ": no record type for " + v);
                }
                qualities[i] = p.quality();
                names[i] = p.point();
            }
        }

        @Override
        void cycles(int n, boolean decode) {
            if (!decode) {
                return;
            }
            for (int k = 0; k < n; k++) {
                consume(once());
            }
        }

        @Override
        List<Point> once() {
            List<Point> out = new ArrayList<>(types.length);
            for (int i = 0; i < types.length; i++) {
                long b = bits[i];
                Value v =
                        switch (types[i]) {
                            case 0 -> Value.NULL;
                            case 1 -> Value.of(b == 1);
                            case 2 -> Value.i64(b);
                            case 3 -> Value.u64(b);
                            default -> Value.f64(Double.longBitsToDouble(b));
                        };
                out.add(new Point(DEVICE, names[i], v, qualities[i], NOW_MS, null));
            }
            return out;
        }
    }

    static void checkRequest(String name, RegisterPointMap map, byte[] q) {
        int start = ((q[8] & 0xFF) << 8) | (q[9] & 0xFF);
        int quantity = ((q[10] & 0xFF) << 8) | (q[11] & 0xFF);
        if (q.length != 12 || q[7] != 3 || start != map.start() || quantity != map.quantity()) {
            throw new IllegalStateException(
                    name
                            + ": expected one FC3 request for "
                            + map.quantity()
                            + " registers at "
                            + map.start()
                            + ", got "
                            + Arrays.toString(q));
        }
    }

    // ---- measuring ----------------------------------------------------------------------------

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_TIME =
            THREADS.isCurrentThreadCpuTimeSupported() && cpuTimeEnabled();

    private static boolean cpuTimeEnabled() {
        try {
            if (!THREADS.isThreadCpuTimeEnabled()) {
                THREADS.setThreadCpuTimeEnabled(true);
            }
            return THREADS.isThreadCpuTimeEnabled();
        } catch (UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    static String clockName() {
        return CPU_TIME ? "thread_cpu" : "wall";
    }

    private static long now() {
        return CPU_TIME ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** Nanoseconds per cycle of {@code c}, run for about {@code ms} of CPU time. */
    static double sample(Case c, boolean decode, long ms) throws Exception {
        long budget = ms * 1_000_000L;
        int batch = 16;
        long cycles = 0;
        long t0 = now();
        long elapsed;
        do {
            c.cycles(batch, decode);
            cycles += batch;
            elapsed = now() - t0;
            // Aim at about a hundred clock reads per sample: the clock costs a system call.
            if (elapsed < budget / 100 && batch < (1 << 20)) {
                batch *= 2;
            }
        } while (elapsed < budget);
        return (double) elapsed / cycles;
    }

    /** One map: its cases and what each round measured. */
    static final class MapRun {
        final RegisterPointMap map;
        final List<Case> hosts = new ArrayList<>();
        ModuleCase module;
        JavaCase java;

        /** Making the frame's points alone; with the module, null when the module is left out. */
        PointsCase points;

        /** Per case name: ns per cycle with decode, and without, per round. */
        final Map<String, double[]> full = new LinkedHashMap<>();

        final Map<String, double[]> bare = new LinkedHashMap<>();

        MapRun(RegisterPointMap map) {
            this.map = map;
        }

        List<Case> cases() {
            List<Case> all = new ArrayList<>(hosts);
            if (module != null) {
                all.add(module);
                all.add(points);
            }
            all.add(java);
            return all;
        }
    }

    static Map<String, Object> run(Options o, Consumer<String> progress) throws Exception {
        List<MapRun> runs = new ArrayList<>();
        WasmProgram rawProgram = o.module();
        for (RegisterPointMap map : o.maps()) {
            MapRun r = new MapRun(map);
            for (Driver d : o.drivers()) {
                r.hosts.add(new HostCase(d.label(), d.module(), map));
            }
            if (rawProgram != null) {
                r.module = new ModuleCase("module", rawProgram, map);
            }
            r.java = new JavaCase("java", map);
            // Both sides must decode the same frame to the same points before either is timed.
            List<Point> expected = r.java.once();
            for (Case c : r.hosts) {
                List<Point> got = c.once();
                if (!got.equals(expected)) {
                    throw new IllegalStateException(
                            map.name()
                                    + ": "
                                    + c.name
                                    + " decoded "
                                    + firstDifference(expected, got));
                }
            }
            if (r.module != null) {
                r.module.once();
                r.points = new PointsCase("points", map, expected);
                if (!r.points.once().equals(expected)) {
                    throw new IllegalStateException(map.name() + ": points made differ");
                }
            }
            for (Case c : r.cases()) {
                r.full.put(c.name, new double[o.rounds()]);
                r.bare.put(c.name, new double[o.rounds()]);
            }
            runs.add(r);
        }
        progress.accept(
                "decode: "
                        + runs.size()
                        + " maps verified (driver and Java reader give equal points); warming up"
                        + " for "
                        + o.warmupMs()
                        + " ms of CPU per case ("
                        + clockName()
                        + " time)");
        for (int pass = 0; pass < 3; pass++) {
            for (MapRun r : runs) {
                for (Case c : r.cases()) {
                    sample(c, true, o.warmupMs() / 6 + 1);
                    sample(c, false, o.warmupMs() / 6 + 1);
                }
            }
        }
        for (int round = 0; round < o.rounds(); round++) {
            for (MapRun r : runs) {
                for (Case c : r.cases()) {
                    r.full.get(c.name)[round] = sample(c, true, o.sampleMs());
                    r.bare.get(c.name)[round] = sample(c, false, o.sampleMs());
                }
            }
            progress.accept(
                    "decode: round "
                            + (round + 1)
                            + "/"
                            + o.rounds()
                            + " "
                            + summaryLine(runs, round, o.drivers().get(0).label()));
        }
        return result(o, runs);
    }

    private static String summaryLine(List<MapRun> runs, int round, String main) {
        StringBuilder b = new StringBuilder();
        for (MapRun r : runs) {
            double w = decodeNs(r, main, round);
            double j = decodeNs(r, "java", round);
            b.append(String.format(java.util.Locale.ROOT, " %s %.2f", r.map.name(), j / w));
        }
        return "ratio" + b;
    }

    private static String firstDifference(List<Point> expected, List<Point> got) {
        if (expected.size() != got.size()) {
            return got.size() + " points, the Java reader " + expected.size();
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).equals(got.get(i))) {
                return got.get(i) + " where the Java reader decoded " + expected.get(i);
            }
        }
        return "the same";
    }

    /** ns to decode one frame in a round: the cycle minus the cycle without decoding. */
    static double decodeNs(MapRun r, String c, int round) {
        // A floor of 1 ns: on a noisy machine a small difference can come out negative.
        return Math.max(1, r.full.get(c)[round] - r.bare.get(c)[round]);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    private static long rate(double points, double ns) {
        return Math.round(points * 1e9 / ns);
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Per round: ns per frame of each map for one case, decoding only or whole cycles. */
    private interface PerRound {
        double ns(MapRun r, String c, int round);
    }

    private static Map<String, Object> section(
            List<MapRun> maps, Options o, PerRound f, boolean withModule) {
        Map<String, Object> s = new LinkedHashMap<>();
        String main = o.drivers().get(0).label();
        int rounds = o.rounds();
        double points = 0;
        for (MapRun r : maps) {
            points += r.map.points().size();
        }
        double[] wasm = new double[rounds];
        double[] java = new double[rounds];
        double[] ratio = new double[rounds];
        for (int k = 0; k < rounds; k++) {
            for (MapRun r : maps) {
                wasm[k] += f.ns(r, main, k);
                java[k] += f.ns(r, "java", k);
            }
            ratio[k] = java[k] / wasm[k];
        }
        s.put("points", (long) points);
        s.put("wasm_points_per_s", rate(points, median(wasm)));
        s.put("java_points_per_s", rate(points, median(java)));
        s.put("ratio", round3(median(ratio)));
        s.put("ratio_min", round3(min(ratio)));
        s.put("ratio_max", round3(max(ratio)));
        s.put("wasm_ns_per_frame", Math.round(median(wasm)));
        s.put("java_ns_per_frame", Math.round(median(java)));
        for (Driver d : o.drivers().subList(1, o.drivers().size())) {
            double[] other = new double[rounds];
            double[] otherRatio = new double[rounds];
            for (int k = 0; k < rounds; k++) {
                for (MapRun r : maps) {
                    other[k] += f.ns(r, d.label(), k);
                }
                otherRatio[k] = java[k] / other[k];
            }
            s.put(d.label() + "_points_per_s", rate(points, median(other)));
            s.put(d.label() + "_ratio", round3(median(otherRatio)));
        }
        if (withModule && maps.get(0).module != null) {
            double[] module = new double[rounds];
            for (int k = 0; k < rounds; k++) {
                for (MapRun r : maps) {
                    module[k] += f.ns(r, "module", k);
                }
            }
            // What the host adds to the module's own work: the budget, the call statistics and
            // reading the records into points (DriverInstance), beside Chicory's call.
            s.put("module_ns_per_frame", Math.round(median(module)));
            // The best ratio this module allows: a host that costs nothing beyond making the
            // points the Java reader makes too (BENCHMARKS.md §14).
            double[] made = new double[rounds];
            double[] bound = new double[rounds];
            for (int k = 0; k < rounds; k++) {
                for (MapRun r : maps) {
                    made[k] += f.ns(r, "points", k);
                }
                bound[k] = java[k] / (module[k] + made[k]);
            }
            s.put("points_ns_per_frame", Math.round(median(made)));
            s.put("ratio_bound", round3(median(bound)));
        }
        return s;
    }

    private static Map<String, Object> result(Options o, List<MapRun> runs) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("bench", "decode");
        r.put("date", LocalDate.now().toString());
        r.put("clock", clockName());
        r.put("rounds", o.rounds());
        r.put("sample_ms", o.sampleMs());
        r.put("warmup_ms", o.warmupMs());
        List<Map<String, Object>> drivers = new ArrayList<>();
        for (int i = 0; i < o.drivers().size(); i++) {
            Driver d = o.drivers().get(i);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("label", d.label());
            e.put("source", d.source());
            // After weir_open of the first map and all the cycles since.
            HostCase host = (HostCase) runs.get(0).hosts.get(i);
            e.put("memory_pages", host.pages());
            // ABI 1.2 (§7.1, §7.13): poll and weir_on_bytes a cycle; else the four calls of 1.1.
            e.put("calls_per_cycle", host.v12() ? 2 : 4);
            drivers.add(e);
        }
        r.put("drivers", drivers);
        List<Map<String, Object>> maps = new ArrayList<>();
        for (MapRun m : runs) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("map", m.map.name());
            e.put("points", m.map.points().size());
            e.put("registers", m.map.quantity());
            e.put("decode", section(List.of(m), o, DecodeBench::decodeNs, true));
            e.put("cycle", section(List.of(m), o, (x, c, k) -> x.full.get(c)[k], true));
            maps.add(e);
        }
        r.put("maps", maps);
        Map<String, Object> overall = new LinkedHashMap<>();
        overall.put("decode", section(runs, o, DecodeBench::decodeNs, true));
        overall.put("cycle", section(runs, o, (x, c, k) -> x.full.get(c)[k], true));
        r.put("overall", overall);
        long checksum = 0;
        for (MapRun m : runs) {
            for (Case c : m.cases()) {
                checksum += c.checksum;
            }
        }
        r.put("points_decoded", checksum);
        return r;
    }
}
