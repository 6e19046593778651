package io.weir.tools.bench;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import io.weir.host.Kernel;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.tcp.TcpTransport;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * {@code weir bench poll}: one Modbus TCP connection read back to back, 10 holding registers a
 * read, by the gateway, by j2mod and by PLC4X ({@link Plc4xBaseline#poll}), one after the other
 * against the same device.
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
 */
final class PollBench {

    /** Requests per gateway cycle. */
    static final int READS = 100;

    static final int REGISTERS = 10;

    private PollBench() {}

    static Map<String, Object> run(
            Duration warmup, Duration duration, Duration interval, Consumer<String> progress)
            throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("bench", "poll");
        r.put("date", LocalDate.now().toString());
        r.put("registers_per_read", REGISTERS);
        try (ManyDevicesSimulator sim = new ManyDevicesSimulator("127.0.0.1", 0, 1)) {
            progress.accept("poll: device on 127.0.0.1:" + sim.port() + "; weir");
            r.put("weir", weir(sim.port(), warmup, duration, interval));
            progress.accept("poll: j2mod");
            r.put("j2mod", j2mod(sim.port(), warmup, duration));
            progress.accept("poll: plc4x");
            r.put("plc4x", Plc4xBaseline.poll(sim, warmup, duration));
        }
        return r;
    }

    /** The gateway's sink: the gap between consecutive batches of one cycle. */
    private static final class Gaps implements PointSink {
        final Histogram micros = new Histogram(60_000_000L, 3);
        final boolean firstOfCycleWaitsForTick;
        long reads;
        long last;
        boolean measuring;

        Gaps(boolean firstOfCycleWaitsForTick) {
            this.firstOfCycleWaitsForTick = firstOfCycleWaitsForTick;
        }

        @Override
        public synchronized void accept(List<Point> batch) {
            long now = System.nanoTime();
            if (batch.isEmpty() || batch.get(0).quality() != 0) {
                return;
            }
            boolean first = batch.get(0).point().equals("r0");
            if (measuring) {
                reads++;
                if (!first || !firstOfCycleWaitsForTick) {
                    micros.recordValue(Math.min(60_000_000L, (now - last) / 1000));
                }
            }
            last = now;
        }

        synchronized void start() {
            measuring = true;
            reads = 0;
            micros.reset();
        }

        synchronized Map<String, Object> result(double seconds) {
            measuring = false;
            return line(reads, seconds, micros);
        }
    }

    static Map<String, Object> line(long reads, double seconds, Histogram micros) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reads", reads);
        m.put("reads_per_s", Math.round(reads / seconds));
        m.put("p50_us", micros.getValueAtPercentile(50));
        m.put("p99_us", micros.getValueAtPercentile(99));
        m.put("max_us", micros.getMaxValue());
        return m;
    }

    private static Map<String, Object> weir(
            int port, Duration warmup, Duration duration, Duration interval) throws Exception {
        StringBuilder config = new StringBuilder("device unit=1 max_registers=" + REGISTERS + "\n");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < READS * REGISTERS; i++) {
            config.append("point ").append(i).append(" area=holding address=").append(i);
            config.append(" type=u16\n");
            names.add("r" + i);
        }
        Gaps gaps = new Gaps(!interval.isZero());
        try (Kernel kernel = new Kernel(gaps, new TcpTransport())) {
            kernel.loadDriver("modbus");
            kernel.addDevice(
                    DeviceSpec.of(
                            "plc",
                            "tcp://127.0.0.1:" + port,
                            "modbus",
                            config.toString(),
                            names,
                            interval));
            kernel.start();
            Thread.sleep(warmup.toMillis());
            gaps.start();
            long t0 = System.nanoTime();
            Thread.sleep(duration.toMillis());
            Map<String, Object> m = gaps.result((System.nanoTime() - t0) / 1e9);
            m.put("interval_ms", interval.toMillis());
            m.put(
                    "how",
                    "kernel + TcpTransport + WASM driver, "
                            + READS
                            + " reads per cycle, "
                            + (interval.isZero()
                                    ? "scanned continuously (interval 0), every read counted"
                                    : "a cycle every "
                                            + interval.toMillis()
                                            + " ms tick, the first read of a cycle not counted"));
            return m;
        }
    }

    private static Map<String, Object> j2mod(int port, Duration warmup, Duration duration)
            throws Exception {
        ModbusTCPMaster m = new ModbusTCPMaster("127.0.0.1", port);
        m.setTimeout(3000);
        m.connect();
        try {
            Histogram micros = new Histogram(60_000_000L, 3);
            long warmEnd = System.nanoTime() + warmup.toNanos();
            while (System.nanoTime() < warmEnd) {
                m.readMultipleRegisters(1, 0, REGISTERS);
            }
            long t0 = System.nanoTime();
            long end = t0 + duration.toNanos();
            long reads = 0;
            long now = t0;
            while (now < end) {
                m.readMultipleRegisters(1, (int) (reads % READS) * REGISTERS, REGISTERS);
                long t = System.nanoTime();
                micros.recordValue(Math.min(60_000_000L, (t - now) / 1000));
                now = t;
                reads++;
            }
            Map<String, Object> r = line(reads, (now - t0) / 1e9, micros);
            r.put("how", "ModbusTCPMaster.readMultipleRegisters in a loop");
            return r;
        } finally {
            m.disconnect();
        }
    }
}
