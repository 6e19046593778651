package io.weir.tools.bench;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.Register;
import io.weir.host.Kernel;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import io.weir.host.points.Value;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.tcp.TcpLink;
import io.weir.host.tcp.TcpTransport;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * {@code weir bench poll}: one Modbus TCP connection read back to back, 10 holding registers a
 * read, by the gateway, by j2mod and by PLC4X ({@link Plc4xBaseline.PollSide}) against the same
 * device, measured in interleaved rounds.
 *
 * <p>A shared machine changes speed by tens of percent within a minute, so the sides are not
 * measured one after the other: all three connect and warm up first (one after the other, each its
 * warm-up) and stay connected, then each of {@link Plan#rounds} rounds measures the gateway for one
 * slice, then j2mod for one, then PLC4X for one, while the other two are idle. A side's window is
 * all its slices; its latency histogram spans them all, and the per-round ratio of the gateway's
 * reads/s to a baseline's compares slices a few seconds apart ({@link #ratios}).
 *
 * <p>The gateway reads through its real path — {@link Kernel}, {@link TcpTransport}, the session,
 * the WASM Modbus driver, points to a sink — with a device whose point map needs {@link #READS}
 * requests of 10 registers per cycle ({@code max_registers=10}): within a cycle the session sends
 * each request as soon as the previous response is decoded, so the reads are back to back. By
 * default the device is scanned continuously (interval 0): the next cycle starts as soon as the
 * last ends, as j2mod's loop reads on. A read's latency is the time between two consecutive batches
 * of points (response decoded to response decoded: the next request's round trip through the
 * session, the link and the driver), the first read of a cycle included, so the cycle's end and
 * start are in it. With an interval of 1 ms or more a new cycle waits for its tick, and the first
 * read of a cycle, which waits for the tick, is not counted. j2mod's is the time of one {@code
 * readMultipleRegisters} call.
 *
 * <p>Between its slices the gateway is paused without being torn down: its sink ({@link Gaps})
 * holds the session's thread when a batch arrives while the gate is closed. The session calls the
 * sink once the answer is decoded and before it sends the next request, so the connection then
 * stays idle with no request on it; the response timer of the answered request may still run out
 * meanwhile, but it only queues behind the held task and finds the next request's deadline ahead
 * when it runs. The batch that waited and the gap across the pause are not counted. The session
 * times that held decode as slow, so after each pause a quick device decodes its next few answers
 * (8 after a streak of quick ones, {@code QuickDecodes} in the host) on a worker before the event
 * loop takes them again: a few reads of tens of thousands a slice.
 *
 * <p>Each read counted is checked against the registers the device serves ({@code wrong_values}, on
 * every side, in the time of the next read), so a number of reads is one of real reads. The
 * gateway's warm-up starts once its first read arrived (the kernel connects in the background).
 */
final class PollBench {

    /** Requests per gateway cycle. */
    static final int READS = 100;

    static final int REGISTERS = 10;

    /** How long the gateway may take to connect and deliver its first read. */
    static final Duration FIRST_READ = Duration.ofSeconds(10);

    private PollBench() {}

    /**
     * What to measure.
     *
     * @param warmup unmeasured time per side first
     * @param rounds rounds of one slice per side
     * @param slice measured time of each side in each round
     * @param interval the gateway device's poll interval, 0 to scan continuously
     */
    record Plan(Duration warmup, int rounds, Duration slice, Duration interval, Duration busyPoll) {
        /** A plan whose gateway sleeps at once when idle (no busy poll). */
        Plan(Duration warmup, int rounds, Duration slice, Duration interval) {
            this(warmup, rounds, slice, interval, Duration.ZERO);
        }

        Plan {
            if (warmup.isNegative()) {
                throw new IllegalArgumentException("warm-up must be 0 or more, got " + warmup);
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
            }
            if (slice.isNegative() || slice.isZero()) {
                throw new IllegalArgumentException("a slice must be longer than 0, got " + slice);
            }
            if (interval.isNegative()) {
                throw new IllegalArgumentException("interval must be 0 or more, got " + interval);
            }
            if (busyPoll.isNegative()) {
                throw new IllegalArgumentException("busy poll must be 0 or more, got " + busyPoll);
            }
        }

        /** The slice in seconds, as printed. */
        double sliceSeconds() {
            return slice.toNanos() / 1e9;
        }
    }

    /** One client of the comparison: connected once, warmed up once, then measured in slices. */
    interface Side extends AutoCloseable {
        /** Reads, unmeasured, for {@code d}. */
        void warmUp(Duration d) throws Exception;

        /** Reads back to back for {@code d} and adds them to {@link #tally()}. */
        void slice(Duration d) throws Exception;

        Tally tally();

        /** The side's fields: {@link Tally#line} and how it reads. */
        Map<String, Object> result(Plan plan);
    }

    /** A side's slices: reads and time of each, and one latency histogram over all of them. */
    static final class Tally {
        final Histogram micros = new Histogram(60_000_000L, 3);
        private final List<Long> reads = new ArrayList<>();
        private final List<Double> seconds = new ArrayList<>();
        private long cpuNanos;

        void slice(long sliceReads, double sliceSeconds) {
            reads.add(sliceReads);
            seconds.add(sliceSeconds);
        }

        /** The process's CPU time during one slice of this side. */
        void cpu(long nanos) {
            cpuNanos += nanos;
        }

        void record(long nanos) {
            micros.recordValue(Math.min(60_000_000L, nanos / 1000));
        }

        /** Reads per second of each slice so far, in order. */
        List<Double> perRound() {
            List<Double> r = new ArrayList<>(reads.size());
            for (int i = 0; i < reads.size(); i++) {
                r.add(seconds.get(i) > 0 ? reads.get(i) / seconds.get(i) : 0.0);
            }
            return r;
        }

        long reads() {
            return reads.stream().mapToLong(Long::longValue).sum();
        }

        double seconds() {
            return seconds.stream().mapToDouble(Double::doubleValue).sum();
        }

        /**
         * The fields every side prints: reads of all slices over their total time, the histogram's
         * percentiles, and the slices.
         */
        Map<String, Object> line(Plan plan) {
            Map<String, Object> m = PollBench.line(reads(), seconds(), micros);
            m.put("rounds", reads.size());
            m.put("slice_s", plan.sliceSeconds());
            m.put("window_s", Math.round(seconds() * 1000) / 1000.0);
            m.put("per_round_reads_per_s", perRound().stream().map(Math::round).toList());
            // The whole JVM's: this side's threads, the simulator's (the same for every side), and
            // what else runs (the JIT, the collector).
            long n = reads();
            m.put(
                    "process_cpu_us_per_read",
                    n == 0 ? null : Math.round(cpuNanos / 10.0 / n) / 100.0);
            return m;
        }
    }

    static Map<String, Object> run(Plan plan, Consumer<String> progress) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("bench", "poll");
        r.put("date", LocalDate.now().toString());
        r.put("registers_per_read", REGISTERS);
        r.put("rounds", plan.rounds());
        r.put("slice_s", plan.sliceSeconds());
        String warm = " connects and warms up (" + plan.warmup().toMillis() / 1000.0 + " s)";
        try (ManyDevicesSimulator sim = new ManyDevicesSimulator("127.0.0.1", 0, 1)) {
            progress.accept("poll: device on 127.0.0.1:" + sim.port() + "; weir" + warm);
            try (WeirSide weir = new WeirSide(sim, plan.interval(), plan.busyPoll())) {
                weir.warmUp(plan.warmup());
                progress.accept("poll: j2mod" + warm);
                try (J2modSide j2mod = new J2modSide(sim)) {
                    j2mod.warmUp(plan.warmup());
                    progress.accept("poll: plc4x" + warm);
                    try (Plc4xBaseline.PollSide plc4x = Plc4xBaseline.PollSide.open(sim)) {
                        plc4x.warmUp(plan.warmup());
                        Map<String, Side> sides = new LinkedHashMap<>();
                        sides.put("weir", weir);
                        sides.put("j2mod", j2mod);
                        sides.put("plc4x", plc4x);
                        rounds(plan, sides, progress);
                        for (Map.Entry<String, Side> e : sides.entrySet()) {
                            r.put(e.getKey(), e.getValue().result(plan));
                        }
                        List<Double> w = weir.tally().perRound();
                        r.put("weir_vs_j2mod", ratios(w, j2mod.tally().perRound()));
                        r.put("weir_vs_plc4x", ratios(w, plc4x.tally().perRound()));
                    }
                }
            }
        }
        return r;
    }

    /** Each round: one slice of each side in turn, the others idle. */
    private static void rounds(Plan plan, Map<String, Side> sides, Consumer<String> progress)
            throws Exception {
        for (int round = 1; round <= plan.rounds(); round++) {
            StringBuilder line =
                    new StringBuilder("poll: round " + round + "/" + plan.rounds() + ":");
            String sep = " ";
            for (Map.Entry<String, Side> e : sides.entrySet()) {
                Side s = e.getValue();
                long cpu0 = processCpuNanos();
                s.slice(plan.slice());
                s.tally().cpu(processCpuNanos() - cpu0);
                List<Double> perRound = s.tally().perRound();
                line.append(sep)
                        .append(e.getKey())
                        .append(' ')
                        .append(
                                String.format(
                                        Locale.ROOT,
                                        "%,d/s",
                                        Math.round(perRound.get(perRound.size() - 1))));
                sep = ", ";
            }
            progress.accept(line.toString());
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * The median, least and greatest of the per-round ratios {@code numerator[i] / denominator[i]}
     * (3 decimals), the median of an even count being the mean of the middle two. A round whose
     * denominator read nothing has no ratio and is left out; with none left the three are null.
     */
    static Map<String, Object> ratios(List<Double> numerator, List<Double> denominator) {
        if (numerator.size() != denominator.size()) {
            throw new IllegalArgumentException(
                    "rounds differ: " + numerator.size() + " and " + denominator.size());
        }
        List<Double> q = new ArrayList<>();
        for (int i = 0; i < numerator.size(); i++) {
            if (denominator.get(i) > 0) {
                q.add(numerator.get(i) / denominator.get(i));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        if (q.isEmpty()) {
            m.put("median", null);
            m.put("min", null);
            m.put("max", null);
            return m;
        }
        Collections.sort(q);
        int n = q.size();
        double median = n % 2 == 1 ? q.get(n / 2) : (q.get(n / 2 - 1) + q.get(n / 2)) / 2;
        m.put("median", round3(median));
        m.put("min", round3(q.get(0)));
        m.put("max", round3(q.get(n - 1)));
        return m;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static Map<String, Object> line(long reads, double seconds, Histogram micros) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reads", reads);
        m.put("reads_per_s", seconds > 0 ? Math.round(reads / seconds) : 0);
        m.put("p50_us", micros.getValueAtPercentile(50));
        m.put("p99_us", micros.getValueAtPercentile(99));
        m.put("max_us", micros.getMaxValue());
        return m;
    }

    /**
     * The gateway's sink: the gap between consecutive batches, counted only inside slices, and a
     * gate that pauses the device between them.
     *
     * <p>While the gate is closed, {@link #accept} waits — in {@link Object#wait}, so the monitor
     * is free for {@link #resume}, {@link #pause} and {@link #release} — and holds the session's
     * thread (the link's event loop for a quick driver, else a worker) until it opens: no next
     * request goes out. The batch that waited came from a read answered outside the slice: it is
     * not counted, and the next gap starts when it is let through, so no gap spans a pause.
     */
    static final class Gaps implements PointSink {
        private final Tally tally = new Tally();
        private final boolean firstOfCycleWaitsForTick;
        private final LongSupplier nanoTime;
        private final IntSupplier deviceSeconds;
        private boolean open = true;
        private boolean released;
        private boolean measuring;
        private boolean anyRead;
        private long sliceStart;
        private long sliceReads;
        private long wrong;
        private long last;
        private int lastSeconds;

        /**
         * @param firstOfCycleWaitsForTick the first read of a cycle waits for a tick: its gap is
         *     not a read's latency
         * @param nanoTime the monotonic clock ({@link System#nanoTime} but in tests)
         * @param deviceSeconds the device's {@link ManyDevicesSimulator#seconds()}, which each
         *     counted read is checked against ({@link #served})
         */
        Gaps(boolean firstOfCycleWaitsForTick, LongSupplier nanoTime, IntSupplier deviceSeconds) {
            this.firstOfCycleWaitsForTick = firstOfCycleWaitsForTick;
            this.nanoTime = nanoTime;
            this.deviceSeconds = deviceSeconds;
        }

        @Override
        public synchronized void accept(List<Point> batch) {
            boolean waited = false;
            while (!open) {
                waited = true;
                try {
                    wait();
                } catch (InterruptedException e) {
                    // The session's thread is being stopped: let it go, count nothing.
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            long now = nanoTime.getAsLong();
            if (batch.isEmpty() || batch.get(0).quality() != 0) {
                return;
            }
            if (!anyRead) {
                anyRead = true;
                notifyAll();
            }
            int seconds = deviceSeconds.getAsInt();
            if (measuring && !waited) {
                sliceReads++;
                boolean first = batch.get(0).point().equals("r0");
                // A previous batch from before the slice (no read held at the gate over the
                // pause) would make a gap that spans the pause.
                if (last - sliceStart >= 0 && (!first || !firstOfCycleWaitsForTick)) {
                    tally.record(now - last);
                }
                if (!served(batch, lastSeconds, seconds)) {
                    wrong++;
                }
            }
            last = now;
            lastSeconds = seconds;
        }

        /**
         * Whether a batch is one read of {@link #REGISTERS} registers as the device serves them:
         * points {@code r<a>..r<a+9>} holding registers {@code a..a+9} at one second of {@code
         * min..max} (the request went out after the previous batch, the answer came before this).
         */
        static boolean served(List<Point> batch, int min, int max) {
            if (batch.size() != REGISTERS) {
                return false;
            }
            int[] values = new int[REGISTERS];
            int address = -1;
            for (int k = 0; k < REGISTERS; k++) {
                Point p = batch.get(k);
                int a = registerOf(p.point());
                if (a < 0 || (k > 0 && a != address + k)) {
                    return false;
                }
                if (k == 0) {
                    address = a;
                }
                if (p.value() instanceof Value.U64 u) {
                    values[k] = (int) u.bits();
                } else if (p.value() instanceof Value.I64 i) {
                    values[k] = (int) i.value();
                } else {
                    return false;
                }
            }
            return ManyDevicesSimulator.serves(address, values, min, max);
        }

        /**
         * The register of each point of the device's map, {@code r<a>} for register {@code a}:
         * looked up rather than parsed, since the check runs on the gateway's thread between an
         * answer and the next request, where j2mod's loop checks its registers as they are.
         */
        private static final Map<String, Integer> REGISTERS_BY_NAME = registersByName();

        private static Map<String, Integer> registersByName() {
            Map<String, Integer> m = new java.util.HashMap<>();
            for (int a = 0; a < READS * REGISTERS; a++) {
                m.put("r" + a, a);
            }
            return Map.copyOf(m);
        }

        /** The register of point {@code r<a>} of the device's map, or -1 for any other name. */
        private static int registerOf(String point) {
            Integer a = REGISTERS_BY_NAME.get(point);
            return a == null ? -1 : a;
        }

        /** Waits until the device delivered a read; false if none came within {@code max}. */
        synchronized boolean awaitFirstRead(Duration max) throws InterruptedException {
            long end = nanoTime.getAsLong() + max.toNanos();
            while (!anyRead) {
                long left = end - nanoTime.getAsLong();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }

        /** Opens the gate and starts a slice. */
        synchronized void resume() {
            if (released) {
                return;
            }
            sliceReads = 0;
            measuring = true;
            open = true;
            sliceStart = nanoTime.getAsLong();
            notifyAll();
        }

        /** Closes the gate; a slice that ran ends and is added to the tally. */
        synchronized void pause() {
            if (released) {
                return;
            }
            long now = nanoTime.getAsLong();
            open = false;
            if (measuring) {
                measuring = false;
                tally.slice(sliceReads, (now - sliceStart) / 1e9);
            }
        }

        /** Opens the gate for good: the device must not hold a thread when the kernel closes. */
        synchronized void release() {
            released = true;
            measuring = false;
            open = true;
            notifyAll();
        }

        synchronized Tally tally() {
            return tally;
        }

        synchronized long wrongValues() {
            return wrong;
        }
    }

    /** The gateway: a kernel with one device on the simulator, scanned from start to close. */
    private static final class WeirSide implements Side {
        private final Gaps gaps;
        private final Kernel kernel;
        private final Duration interval;
        private final Duration busyPoll;
        private final String address;

        WeirSide(ManyDevicesSimulator sim, Duration interval, Duration busyPoll) throws Exception {
            this.interval = interval;
            StringBuilder config =
                    new StringBuilder("device unit=1 max_registers=" + REGISTERS + "\n");
            List<String> names = new ArrayList<>();
            for (int i = 0; i < READS * REGISTERS; i++) {
                config.append("point ").append(i).append(" area=holding address=").append(i);
                config.append(" type=u16\n");
                names.add("r" + i);
            }
            address = "tcp://127.0.0.1:" + sim.port();
            gaps = new Gaps(!interval.isZero(), System::nanoTime, sim::seconds);
            kernel = new Kernel(gaps, new TcpTransport(1, TcpLink.Options.DEFAULT, busyPoll));
            this.busyPoll = busyPoll;
            try {
                kernel.loadDriver("modbus");
                kernel.addDevice(
                        DeviceSpec.of(
                                "plc", address, "modbus", config.toString(), names, interval));
                kernel.start();
            } catch (Exception | Error e) {
                kernel.close();
                throw e;
            }
        }

        @Override
        public void warmUp(Duration d) throws Exception {
            if (!gaps.awaitFirstRead(FIRST_READ)) {
                throw new IllegalStateException(
                        "the gateway read nothing from "
                                + address
                                + " within "
                                + FIRST_READ.toSeconds()
                                + " s");
            }
            Thread.sleep(d.toMillis());
            gaps.pause();
        }

        @Override
        public void slice(Duration d) throws InterruptedException {
            gaps.resume();
            try {
                Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
            } finally {
                gaps.pause();
            }
        }

        @Override
        public Tally tally() {
            return gaps.tally();
        }

        @Override
        public Map<String, Object> result(Plan plan) {
            Map<String, Object> m = tally().line(plan);
            m.put("wrong_values", gaps.wrongValues());
            m.put("interval_ms", interval.toMillis());
            m.put("busy_poll_us", busyPoll.toNanos() / 1000);
            m.put(
                    "how",
                    "kernel + TcpTransport + WASM driver, "
                            + READS
                            + " reads per cycle, "
                            + (interval.isZero()
                                    ? "scanned continuously (interval 0), every read counted"
                                    : "a cycle every "
                                            + interval.toMillis()
                                            + " ms tick, the first read of a cycle not counted")
                            + "; held at its sink between slices");
            return m;
        }

        @Override
        public void close() {
            gaps.release();
            kernel.close();
        }
    }

    /** j2mod: one {@link ModbusTCPMaster} reading in a loop during its slices. */
    private static final class J2modSide implements Side {
        private final ManyDevicesSimulator sim;
        private final ModbusTCPMaster m;
        private final Tally tally = new Tally();
        private final int[] values = new int[REGISTERS];
        private long next;
        private long wrong;

        J2modSide(ManyDevicesSimulator sim) throws Exception {
            this.sim = sim;
            m = new ModbusTCPMaster("127.0.0.1", sim.port());
            m.setTimeout(3000);
            m.connect();
        }

        @Override
        public void warmUp(Duration d) throws Exception {
            long warmEnd = System.nanoTime() + d.toNanos();
            while (System.nanoTime() < warmEnd) {
                m.readMultipleRegisters(1, 0, REGISTERS);
            }
        }

        @Override
        public void slice(Duration d) throws Exception {
            long t0 = System.nanoTime();
            long end = t0 + d.toNanos();
            long reads = 0;
            long now = t0;
            while (now < end) {
                int address = (int) (next++ % READS) * REGISTERS;
                int before = sim.seconds();
                Register[] regs = m.readMultipleRegisters(1, address, REGISTERS);
                long t = System.nanoTime();
                tally.record(t - now);
                now = t;
                reads++;
                // Checked as the gateway's reads are (Gaps.served), in the time of the next read.
                if (!served(regs, address, before, sim.seconds())) {
                    wrong++;
                }
            }
            tally.slice(reads, (now - t0) / 1e9);
        }

        private boolean served(Register[] regs, int address, int min, int max) {
            if (regs == null || regs.length != REGISTERS) {
                return false;
            }
            for (int k = 0; k < REGISTERS; k++) {
                values[k] = regs[k].getValue();
            }
            return ManyDevicesSimulator.serves(address, values, min, max);
        }

        @Override
        public Tally tally() {
            return tally;
        }

        @Override
        public Map<String, Object> result(Plan plan) {
            Map<String, Object> r = tally.line(plan);
            r.put("wrong_values", wrong);
            r.put("how", "ModbusTCPMaster.readMultipleRegisters in a loop");
            return r;
        }

        @Override
        public void close() {
            m.disconnect();
        }
    }
}
