package io.weir.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.Register;
import io.weir.host.Kernel;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.Session;
import io.weir.host.poll.SessionStatus;
import io.weir.host.tcp.TcpTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * {@code weir bench devices}: N Modbus TCP devices polled at a fixed interval, ten registers each,
 * by the gateway (the real {@link Kernel}, {@link TcpTransport} and the bundled WASM Modbus driver)
 * and, with a baseline, by the same number of j2mod masters or PLC4X connections ({@link
 * Plc4xBaseline}), against the same devices.
 *
 * <p>Three processes: the devices ({@link ManyDevicesSimulator}, one port, one connection and unit
 * id per device), then each side in a JVM of its own started with this JVM's options, so that RSS,
 * heap, CPU time and threads are the side's alone. Each side prints one JSON object; the command
 * puts them side by side.
 */
final class DevicesBench {

    /** Registers (and points) per device. */
    static final int POINTS = 10;

    /** Holding registers from here: an address the devices serve for any unit id. */
    static final int START = 100;

    /** How long a side may take to connect every device and see its first cycle. */
    static final Duration SETTLE_MAX = Duration.ofSeconds(90);

    /** The largest latency a merged histogram holds: a session's cap (10 minutes). */
    static final long LATENCY_MAX_MICROS = 600_000_000L;

    private DevicesBench() {}

    /** What one side is asked to do. */
    record Side(
            String kind,
            int devices,
            Duration duration,
            Duration warmup,
            Duration interval,
            int port) {
        Side {
            if (!List.of("weir", "j2mod", "plc4x").contains(kind)) {
                throw new IllegalArgumentException(
                        "side must be weir, j2mod or plc4x, got " + kind);
            }
            if (devices < 1) {
                throw new IllegalArgumentException("--devices must be at least 1, got " + devices);
            }
            if (duration.toMillis() < 1000) {
                throw new IllegalArgumentException(
                        "--duration must be at least 1 s, got " + duration.toMillis() + " ms");
            }
            if (warmup.isNegative()) {
                throw new IllegalArgumentException("--warmup must not be negative, got " + warmup);
            }
        }

        List<String> args() {
            return List.of(
                    kind,
                    Integer.toString(devices),
                    Long.toString(duration.toMillis()),
                    Long.toString(warmup.toMillis()),
                    Long.toString(interval.toMillis()),
                    Integer.toString(port));
        }

        static Side parse(String[] a) {
            return new Side(
                    a[0],
                    Integer.parseInt(a[1]),
                    Duration.ofMillis(Long.parseLong(a[2])),
                    Duration.ofMillis(Long.parseLong(a[3])),
                    Duration.ofMillis(Long.parseLong(a[4])),
                    Integer.parseInt(a[5]));
        }
    }

    /** The unit id of device {@code i}: 1..247 (Modbus AP §4.1: 0 is broadcast, 248.. reserved). */
    static int unit(int i) {
        return 1 + i % 247;
    }

    // ---- the orchestration (the weir bench devices process) -----------------------------------

    /**
     * Runs the devices, the gateway and optionally a baseline, one after the other against the same
     * devices; returns the gateway's result with the baseline's under {@code baseline}.
     */
    static Map<String, Object> run(
            int devices,
            Duration duration,
            Duration warmup,
            Duration interval,
            String baseline,
            Consumer<String> progress)
            throws IOException, InterruptedException {
        Process sim = child(ManyDevicesSimulator.class, List.of("127.0.0.1", "0", "1"), false);
        try {
            BufferedReader simOut =
                    new BufferedReader(
                            new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8));
            String line = simOut.readLine();
            if (line == null || !line.startsWith(ManyDevicesSimulator.LISTENING)) {
                throw new IllegalStateException(
                        "the device simulator did not start (it said: " + line + ")");
            }
            int port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
            progress.accept(
                    "devices: simulator listens on 127.0.0.1:"
                            + port
                            + " (one port, a connection and unit id per device)");
            Map<String, Object> r =
                    side(new Side("weir", devices, duration, warmup, interval, port), progress);
            if (baseline != null) {
                r.put(
                        "baseline",
                        side(
                                new Side(baseline, devices, duration, warmup, interval, port),
                                progress));
            }
            return r;
        } finally {
            sim.getOutputStream().close();
            if (!sim.waitFor(5, TimeUnit.SECONDS)) {
                sim.destroyForcibly();
            }
        }
    }

    static Map<String, Object> side(Side s, Consumer<String> progress)
            throws IOException, InterruptedException {
        progress.accept(
                "devices: "
                        + s.kind()
                        + " with "
                        + s.devices()
                        + " devices for "
                        + s.duration().toSeconds()
                        + " s after "
                        + s.warmup().toSeconds()
                        + " s of warm-up");
        Process p = child(DevicesBench.class, s.args(), true);
        String last = null;
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = out.readLine(); l != null; l = out.readLine()) {
                last = l;
            }
        } finally {
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (p.exitValue() != 0 || last == null || !last.startsWith("{")) {
            throw new IllegalStateException(
                    "the " + s.kind() + " side failed (exit " + p.exitValue() + "; see above)");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> r = new ObjectMapper().readValue(last, LinkedHashMap.class);
        return r;
    }

    /** A JVM with this JVM's options and class path running {@code main} of {@code type}. */
    private static Process child(Class<?> type, List<String> args, boolean inheritErr)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String o : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // The parent's flight recording or debug agent is not the child's.
            if (!o.startsWith("-XX:StartFlightRecording") && !o.startsWith("-agentlib")) {
                cmd.add(o);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(type.getName());
        cmd.addAll(args);
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.redirectError(
                inheritErr ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.DISCARD);
        return b.start();
    }

    // ---- one side (a child process)
    // --------------------------------------------------------------

    /** {@code DevicesBench KIND DEVICES DURATION_MS INTERVAL_MS PORT}: prints one JSON line. */
    public static void main(String[] args) throws Exception {
        Side s = Side.parse(args);
        Consumer<String> progress =
                l -> {
                    System.err.println(l);
                    System.err.flush();
                };
        // Stop when the parent goes: it closes our input.
        Thread watcher =
                new Thread(
                        () -> {
                            try {
                                while (System.in.read() >= 0) {
                                    // nothing is sent
                                }
                            } catch (IOException e) {
                                // the parent is gone
                            }
                            Runtime.getRuntime().halt(3);
                        },
                        "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
        Map<String, Object> r =
                switch (s.kind()) {
                    case "weir" -> weir(s, progress);
                    case "j2mod" -> j2mod(s, progress);
                    default -> Plc4xBaseline.devices(s, progress);
                };
        System.out.println(new ObjectMapper().writeValueAsString(r));
        System.out.flush();
        System.exit(0);
    }

    static String config(int unit) {
        StringBuilder b = new StringBuilder("device unit=").append(unit).append('\n');
        for (int i = 0; i < POINTS; i++) {
            b.append("point ")
                    .append(i)
                    .append(" area=holding address=")
                    .append(START + i)
                    .append(" type=u16\n");
        }
        return b.toString();
    }

    static List<String> pointNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < POINTS; i++) {
            names.add("r" + (START + i));
        }
        return names;
    }

    private static Map<String, Object> weir(Side s, Consumer<String> progress) throws Exception {
        long heapBefore = usedHeapAfterGc();
        LongAdder points = new LongAdder();
        PointSink sink =
                new PointSink() {
                    @Override
                    public void accept(List<Point> batch) {
                        points.add(batch.size());
                    }
                };
        List<String> names = pointNames();
        try (Kernel kernel = new Kernel(sink, new TcpTransport())) {
            kernel.loadDriver("modbus");
            for (int i = 0; i < s.devices(); i++) {
                kernel.addDevice(
                        DeviceSpec.of(
                                "d" + i,
                                "tcp://127.0.0.1:" + s.port(),
                                "modbus",
                                config(unit(i)),
                                names,
                                s.interval()));
            }
            kernel.start();
            List<Session> sessions = kernel.sessions();
            long settleEnd = System.nanoTime() + SETTLE_MAX.toNanos();
            while (true) {
                long up = 0;
                long cycled = 0;
                for (Session x : sessions) {
                    SessionStatus st = x.status();
                    up += st.linkUp() ? 1 : 0;
                    cycled += st.cycles() > 0 && st.lastLatencyMicros() > 0 ? 1 : 0;
                }
                progress.accept(
                        "devices: weir settling: " + up + " connected, " + cycled + " polled");
                if (cycled == sessions.size() || System.nanoTime() > settleEnd) {
                    break;
                }
                Thread.sleep(1000);
            }
            // One more interval for the first cycles' stragglers, the warm-up, then the window.
            Thread.sleep(s.interval().toMillis());
            warmUp(s, progress);
            Map<String, Object> r = window(s, sessions, progress);
            r.put("points", points.sum());
            Map<String, Integer> problems = new java.util.TreeMap<>();
            for (Session x : sessions) {
                String e = x.status().lastError();
                if (e != null) {
                    problems.merge(e.replaceAll("d\\d+|\\d+", "N"), 1, Integer::sum);
                }
            }
            r.put("last_errors", problems);
            r.put("heap_per_device_bytes", (usedHeapAfterGc() - heapBefore) / s.devices());
            return r;
        }
    }

    /**
     * The warm-up after the settle: the heap grows to the side's size (the serial collector grows
     * it a step at a time, each step a full collection of 50–180 ms at 10,000 devices) and the hot
     * code is compiled before the window measures the steady state.
     */
    static void warmUp(Side s, Consumer<String> progress) throws InterruptedException {
        long end = System.nanoTime() + s.warmup().toNanos();
        for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
            progress.accept(
                    "devices: "
                            + s.kind()
                            + " warming up, "
                            + (left + 999_999_999) / 1_000_000_000
                            + " s before the window");
            Thread.sleep(Math.min(5000, Math.max(1, left / 1_000_000)));
        }
    }

    /** The measured window: counters and merged latency between two snapshots. */
    private static Map<String, Object> window(
            Side s, List<Session> sessions, Consumer<String> progress) throws InterruptedException {
        Snapshot a = Snapshot.of(sessions);
        Usage u0 = Usage.now();
        long end = System.nanoTime() + s.duration().toNanos();
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(5000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            Snapshot now = Snapshot.counters(sessions);
            progress.accept(
                    "devices: weir "
                            + (now.cycles - a.cycles)
                            + " polls, "
                            + (now.missed - a.missed)
                            + " missed, "
                            + (now.timeouts - a.timeouts)
                            + " timeouts so far");
        }
        Usage u1 = Usage.now();
        Snapshot b = Snapshot.of(sessions);
        Histogram window = b.latency.copy();
        window.subtract(a.latency);
        Map<String, Object> r =
                result(
                        "weir",
                        s,
                        b.cycles - a.cycles,
                        b.missed - a.missed,
                        b.timeouts - a.timeouts,
                        b.errors - a.errors,
                        window,
                        u0,
                        u1);
        r.put("unserved", b.unserved - a.unserved);
        return r;
    }

    /**
     * Counters of all sessions and, but for {@link #counters}, their latency histograms summed into
     * one: the window is the difference of two sums, and no copy of ten thousand histograms is made
     * at either end (it would cause a collection that the last sessions' latencies then include,
     * and count as the gateway's memory).
     */
    private static final class Snapshot {
        long cycles;

        /** Overruns and ticks that started no cycle ({@link SessionStatus#unserved}). */
        long missed;

        long unserved;
        long timeouts;
        long errors;
        Histogram latency;

        static Snapshot of(List<Session> sessions) {
            Snapshot n = counters(sessions);
            n.latency = new Histogram(LATENCY_MAX_MICROS, 3);
            for (Session x : sessions) {
                x.addLatencyTo(n.latency);
            }
            return n;
        }

        static Snapshot counters(List<Session> sessions) {
            Snapshot n = new Snapshot();
            for (Session x : sessions) {
                SessionStatus st = x.status();
                n.cycles += st.cycles();
                n.missed += st.missed() + st.unserved();
                n.unserved += st.unserved();
                n.timeouts += st.timeouts();
                n.errors += st.protocolErrors() + st.traps();
            }
            return n;
        }
    }

    /**
     * Process CPU time, wall clock, bytes allocated by the live threads, and the collections so
     * far. A thread that ends within the window takes its allocations with it; the sides' threads
     * live as long as the window.
     */
    record Usage(long cpuNanos, long wallNanos, long allocatedBytes, long gcs, long gcMillis) {
        static Usage now() {
            var os =
                    (com.sun.management.OperatingSystemMXBean)
                            ManagementFactory.getOperatingSystemMXBean();
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long allocated = 0;
            for (long a : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
                allocated += Math.max(0, a);
            }
            long gcs = 0;
            long gcMillis = 0;
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                gcs += Math.max(0, gc.getCollectionCount());
                gcMillis += Math.max(0, gc.getCollectionTime());
            }
            return new Usage(os.getProcessCpuTime(), System.nanoTime(), allocated, gcs, gcMillis);
        }
    }

    static Map<String, Object> result(
            String kind,
            Side s,
            long polls,
            long missed,
            long timeouts,
            long errors,
            Histogram latencyMicros,
            Usage u0,
            Usage u1) {
        double seconds = (u1.wallNanos() - u0.wallNanos()) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("side", kind);
        r.put("date", LocalDate.now().toString());
        r.put("devices", s.devices());
        r.put("points_per_device", POINTS);
        r.put("interval_ms", s.interval().toMillis());
        r.put("window_s", Math.round(seconds * 10) / 10.0);
        r.put("warmup_s", s.warmup().toSeconds());
        r.put("expected_polls", Math.round(s.devices() * seconds * 1000 / s.interval().toMillis()));
        r.put("polls", polls);
        r.put("missed", missed);
        r.put("timeouts", timeouts);
        r.put("errors", errors);
        r.put("p50_ms", ms(latencyMicros.getValueAtPercentile(50)));
        r.put("p99_ms", ms(latencyMicros.getValueAtPercentile(99)));
        r.put("max_ms", ms(latencyMicros.getMaxValue()));
        r.put("rss_mb", rssMb());
        r.put(
                "host_cpu_pct",
                Math.round((u1.cpuNanos() - u0.cpuNanos()) / (seconds * 1e9) * 1000) / 10.0);
        r.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
        r.put(
                "alloc_bytes_per_poll",
                polls == 0 ? 0 : (u1.allocatedBytes() - u0.allocatedBytes()) / polls);
        r.put("gcs", u1.gcs() - u0.gcs());
        r.put("gc_ms", u1.gcMillis() - u0.gcMillis());
        // The start-up's collections, the heap's growth among them: the window leaves them out.
        r.put("gcs_before_window", u0.gcs());
        r.put("gc_ms_before_window", u0.gcMillis());
        r.put(
                "jvm_options",
                String.join(
                        " ",
                        new java.util.LinkedHashSet<>(
                                ManagementFactory.getRuntimeMXBean().getInputArguments())));
        return r;
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }

    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getUsed();
    }

    /** VmRSS of this process (Linux), in MiB; -1 where /proc is not there. */
    static long rssMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    // ---- the j2mod baseline
    // ----------------------------------------------------------------------

    /**
     * j2mod as a Java developer would poll many devices with it: one {@code ModbusTCPMaster} per
     * device (a blocking socket each), read at a fixed rate by a scheduled pool of 2 × CPUs threads
     * (blocking reads need more threads than cores); start offsets spread like the kernel's. A poll
     * whose turn came a whole interval late is missed; latency is the read's round trip.
     */
    private static Map<String, Object> j2mod(Side s, Consumer<String> progress) throws Exception {
        long heapBefore = usedHeapAfterGc();
        List<ModbusTCPMaster> masters = new ArrayList<>();
        try (FixedRatePolls polls = new FixedRatePolls(s)) {
            for (int i = 0; i < s.devices(); i++) {
                ModbusTCPMaster m = new ModbusTCPMaster("127.0.0.1", s.port());
                m.setTimeout(3000);
                m.connect();
                masters.add(m);
                if ((i + 1) % 1000 == 0) {
                    progress.accept("devices: j2mod connected " + (i + 1));
                }
            }
            for (int i = 0; i < s.devices(); i++) {
                ModbusTCPMaster m = masters.get(i);
                int unit = unit(i);
                polls.add(
                        i,
                        start -> {
                            try {
                                Register[] r = m.readMultipleRegisters(unit, START, POINTS);
                                int[] values = new int[r.length];
                                for (int k = 0; k < r.length; k++) {
                                    values[k] = r[k].getValue();
                                }
                                polls.ok(start, START, values);
                            } catch (Exception e) {
                                // j2mod tells a timeout from other I/O failures only in messages.
                                polls.failed();
                            }
                        });
            }
            Map<String, Object> r = polls.measure(s, progress);
            r.put("heap_per_device_bytes", (usedHeapAfterGc() - heapBefore) / s.devices());
            r.put("how", "j2mod 3.2.1, a ModbusTCPMaster per device, read from a scheduled pool");
            return r;
        } finally {
            masters.forEach(ModbusTCPMaster::disconnect);
        }
    }
}
