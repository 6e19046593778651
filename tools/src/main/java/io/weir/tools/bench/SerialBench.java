package io.weir.tools.bench;

import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.weir.host.Kernel;
import io.weir.host.io.Link;
import io.weir.host.io.LinkAddress;
import io.weir.host.io.LinkListener;
import io.weir.host.io.Transport;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import io.weir.host.points.Value;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.SessionStatus;
import io.weir.host.serial.LineEmulator;
import io.weir.host.serial.LineSettings;
import io.weir.host.serial.PtyPair;
import io.weir.host.serial.SerialBus;
import io.weir.host.serial.SerialLink;
import io.weir.host.serial.SerialTransport;
import io.weir.tools.sim.ModbusRtuSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * The gateway's Modbus RTU poll rate against the line's limit, beside the serial link's own:
 * j2mod's RTU slave at the far end of a wire that takes the time a real line takes, polled by the
 * gateway and by the link alone, one after the other in interleaved rounds on the same wire.
 *
 * <p>The wire: gateway ⇄ pty pair ⇄ {@link LineEmulator} (paced at the baud rate) ⇄ pty pair ⇄
 * j2mod's slave. A bare pty pair moves bytes at memory speed whatever the baud rate, so without the
 * emulator the fraction would measure nothing; {@code paced=false} measures the ceiling of what
 * polls the wire.
 *
 * <p>The gateway side is the gateway's real path: a {@link Kernel} with a {@link SerialTransport},
 * the bundled WASM {@code modbus} driver framing RTU, one device per slave on the one bus, each
 * with a point map of {@code registers} u16 holding registers (one FC3 request a cycle) scanned
 * continuously (interval 0: the next cycle starts when the last ends). A batch of good points at
 * the sink is one answered poll, and every value is checked against the slave's register. The link
 * side is {@link RtuPoller}: the same requests through the same {@link SerialBus}, with no session
 * and no driver. The difference between the two is what the session and the driver cost.
 *
 * <p>The line's maximum: a transaction is the request and the response on the wire, each followed
 * by the frame silence (Modbus over Serial Line §2.5.1.1: 3.5 characters, 1750 µs above 19200
 * baud): {@code (request + response) × character time + 2 × silence}; two frames per transaction.
 */
public final class SerialBench {

    /** The longest measured stretch of one side before the other side's turn. */
    static final long ROUND_SECONDS = 5;

    /** How long a side may take to read its first right answer from every slave. */
    private static final Duration FIRST_ANSWER = Duration.ofSeconds(10);

    /** Response timeout of both sides (the gateway's {@code timeout_ms}, the poller's). */
    static final int TIMEOUT_MS = 1000;

    /**
     * @param line the line's character format
     * @param registers holding registers per poll (1..125)
     * @param devices slaves on the bus, each polled by its own device (units 1..n)
     * @param paced whether the wire takes the line's time (false: a bare pty pair)
     */
    public record Options(LineSettings line, int registers, int devices, boolean paced) {
        public Options {
            if (registers < 1 || registers > 125) {
                throw new IllegalArgumentException(
                        "registers must be 1..125 (Modbus FC3), got " + registers);
            }
            if (devices < 1 || devices > 32) {
                throw new IllegalArgumentException("devices must be 1..32, got " + devices);
            }
        }
    }

    /**
     * What one side did in its measured time.
     *
     * @param transactions polls answered with every register right
     * @param bad polls that gave no right values: timeouts included, and for the gateway every
     *     batch of points with a bad quality
     * @param timeouts polls that got no answer (the gateway's: its sessions' timeout counters)
     * @param protocolErrors frames the driver refused (the gateway only; a refused frame leaves its
     *     request outstanding, so it usually ends as a timeout too)
     * @param garbageBytes bytes the sessions dropped by resync or with no request outstanding (the
     *     gateway only)
     * @param wrongValues registers delivered as right (good quality, a right CRC) but with another
     *     value than the slave holds; any is a defect
     * @param unsolicitedBytes bytes the bus dropped because nobody asked for them
     * @param perDevice the transactions of each slave, unit 1 first: every slave is served
     * @param line where the line's time went, from the bus's counters
     */
    public record Counts(
            long transactions,
            long bad,
            long timeouts,
            long protocolErrors,
            long garbageBytes,
            long wrongValues,
            long unsolicitedBytes,
            List<Long> perDevice,
            LineTime line) {
        public Counts {
            perDevice = List.copyOf(perDevice);
        }

        static Counts zero(int devices) {
            return new Counts(
                    0, 0, 0, 0, 0, 0, 0, java.util.Collections.nCopies(devices, 0L), LineTime.ZERO);
        }

        Counts minus(Counts o) {
            return combine(o, -1);
        }

        Counts plus(Counts o) {
            return combine(o, 1);
        }

        private Counts combine(Counts o, int sign) {
            List<Long> each = new ArrayList<>();
            for (int i = 0; i < perDevice.size(); i++) {
                each.add(perDevice.get(i) + sign * o.perDevice.get(i));
            }
            return new Counts(
                    transactions + sign * o.transactions,
                    bad + sign * o.bad,
                    timeouts + sign * o.timeouts,
                    protocolErrors + sign * o.protocolErrors,
                    garbageBytes + sign * o.garbageBytes,
                    wrongValues + sign * o.wrongValues,
                    unsolicitedBytes + sign * o.unsolicitedBytes,
                    each,
                    line.combine(o.line, sign));
        }
    }

    /**
     * Where the line's time went ({@link SerialBus.Stats}): a poll takes its exchange (request
     * written to the answer's last byte: both frames on the wire and the slave's turnaround), the
     * frame silence the bus keeps before the next request, the time the line stood ready while no
     * request could go (the master's own time), and the time a request that could go waited for the
     * bus's thread.
     */
    public record LineTime(
            long requests, long exchanges, long exchangeNanos, long idleNanos, long lateNanos) {
        static final LineTime ZERO = new LineTime(0, 0, 0, 0, 0);

        static LineTime of(SerialTransport transport) {
            LineTime t = ZERO;
            for (SerialBus b : transport.buses()) {
                SerialBus.Stats s = b.stats();
                t =
                        t.combine(
                                new LineTime(
                                        s.requests(),
                                        s.exchanges(),
                                        s.exchangeNanos(),
                                        s.idleNanos(),
                                        s.lateNanos()),
                                1);
            }
            return t;
        }

        LineTime combine(LineTime o, int sign) {
            return new LineTime(
                    requests + sign * o.requests,
                    exchanges + sign * o.exchanges,
                    exchangeNanos + sign * o.exchangeNanos,
                    idleNanos + sign * o.idleNanos,
                    lateNanos + sign * o.lateNanos);
        }

        /** Mean exchange, µs. */
        public double exchangeMicros() {
            return exchanges > 0 ? exchangeNanos / 1e3 / exchanges : 0;
        }

        /** Mean idle time before a request, µs. */
        public double idleMicros() {
            return requests > 0 ? idleNanos / 1e3 / requests : 0;
        }

        /** Mean lateness of a request's write, µs. */
        public double lateMicros() {
            return requests > 0 ? lateNanos / 1e3 / requests : 0;
        }
    }

    /**
     * One side's measured time and counts.
     *
     * @param seconds the measured time, warm-ups and start-ups left out
     * @param lineMaxFramesPerSecond the line's maximum, for {@link #fraction}
     */
    public record Side(String name, double seconds, Counts counts, double lineMaxFramesPerSecond) {
        /** Requests and right responses per second. */
        public double framesPerSecond() {
            return seconds > 0 ? 2 * counts.transactions() / seconds : 0;
        }

        public double fraction() {
            return framesPerSecond() / lineMaxFramesPerSecond;
        }
    }

    /**
     * @param rounds rounds of the two sides (each side measured once a round)
     * @param gateway the gateway's polls: kernel, session, WASM driver, serial bus
     * @param link the link's polls: the serial bus driven by {@link RtuPoller}
     */
    public record Result(
            Options options,
            int requestBytes,
            int responseBytes,
            long silenceMicros,
            double lineMaxFramesPerSecond,
            int rounds,
            Side gateway,
            Side link) {}

    private final Options options;

    public SerialBench(Options options) {
        this.options = options;
    }

    /** The line's maximum in frames per second for one poll of {@code registers}. */
    static double lineMaxFramesPerSecond(LineSettings line, int requestBytes, int responseBytes) {
        double transactionNanos =
                line.nanosFor(requestBytes + responseBytes) + 2.0 * line.frameSilenceNanos();
        return 2 * 1e9 / transactionNanos;
    }

    /**
     * The slave's holding register {@code index} of {@code unit}: known to both sides, so that
     * every value read is checked. Above 32767, so that a u16 read as i16 is caught too.
     */
    static int register(int unit, int index) {
        return 0x8000 + unit * 1000 + index;
    }

    /** FC3 request: address, function, start, quantity, CRC. */
    static final int REQUEST_BYTES = 8;

    /** FC3 response: address, function, byte count, the registers, CRC. */
    static int responseBytes(int registers) {
        return 5 + 2 * registers;
    }

    /**
     * Runs the benchmark: each side is measured {@code measure} in all, in rounds of at most {@link
     * #ROUND_SECONDS}, the sides taking turns (gateway first in odd rounds, link first in even
     * ones), each round after a start-up and {@code warmup}.
     *
     * @param progress one line a second, for stderr
     */
    public Result run(Duration warmup, Duration measure, Consumer<String> progress)
            throws Exception {
        LineSettings line = options.line();
        int req = REQUEST_BYTES;
        int resp = responseBytes(options.registers());
        double max = lineMaxFramesPerSecond(line, req, resp);
        long seconds = Math.max(1, measure.toSeconds());
        int rounds = (int) ((seconds + ROUND_SECONDS - 1) / ROUND_SECONDS);
        Path dir = Files.createTempDirectory("weir-bench-serial-");
        List<AutoCloseable> open = new ArrayList<>();
        ModbusSlave slave = null;
        try {
            PtyPair gateway = PtyPair.open(dir.resolve("gateway"), dir.resolve("gateway-peer"));
            open.add(gateway);
            Path slavePort = gateway.second();
            if (options.paced()) {
                PtyPair slaveSide = PtyPair.open(dir.resolve("slave-peer"), dir.resolve("slave"));
                open.add(slaveSide);
                open.add(
                        0,
                        new LineEmulator(
                                gateway.second().toString(),
                                slaveSide.first().toString(),
                                line,
                                true));
                slavePort = slaveSide.second();
            }
            slave = slave(slavePort, line);
            String address =
                    "serial:"
                            + gateway.first()
                            + "?baud="
                            + line.baud()
                            + "&parity="
                            + line.parity().letter()
                            + "&data="
                            + line.dataBits()
                            + "&stop="
                            + (line.stopBits() == 1.5 ? "1.5" : (int) line.stopBits());
            // One port for the whole run, as a gateway keeps its port: both sides open their
            // devices on this bus, and an idle view keeps it open between their turns. (A pty
            // closed at even or odd parity cannot be opened again at that parity: jSerialComm
            // 2.11.2's open fails with EINVAL, so reopening per round would also break the run.)
            SerialTransport transport = new SerialTransport();
            open.add(0, transport);
            SerialLink anchor = transport.open(LinkAddress.parse(address));
            anchor.start(
                    new LinkListener() {
                        @Override
                        public void linkUp() {}

                        @Override
                        public void received(byte[] bytes) {}

                        @Override
                        public void linkDown(String reason) {}
                    });
            Measured gw = new Measured("gateway", seconds, max, options.devices());
            Measured lk = new Measured("link", seconds, max, options.devices());
            for (int round = 0; round < rounds; round++) {
                long these = seconds / rounds + (round < seconds % rounds ? 1 : 0);
                Measured first = round % 2 == 0 ? gw : lk;
                Measured second = round % 2 == 0 ? lk : gw;
                for (Measured m : List.of(first, second)) {
                    try (Polls polls =
                            m == gw
                                    ? new GatewayPolls(transport, address, options)
                                    : linkPolls(transport, address)) {
                        polls.awaitAnswers(FIRST_ANSWER);
                        Thread.sleep(warmup.toMillis());
                        m.measure(polls, these, progress);
                    }
                }
            }
            return new Result(
                    options,
                    req,
                    resp,
                    line.frameSilenceNanos() / 1000,
                    max,
                    rounds,
                    gw.side(),
                    lk.side());
        } finally {
            if (slave != null) {
                ModbusSlaveFactory.close(slave);
            }
            for (AutoCloseable c : open) {
                c.close();
            }
            Files.deleteIfExists(dir);
        }
    }

    /** One side's running totals over its rounds. */
    private static final class Measured {
        final String name;
        final long seconds;
        final double max;
        Counts total;
        double elapsed;
        long done;

        Measured(String name, long seconds, double max, int devices) {
            this.name = name;
            this.seconds = seconds;
            this.max = max;
            this.total = Counts.zero(devices);
        }

        void measure(Polls polls, long roundSeconds, Consumer<String> progress)
                throws InterruptedException {
            long t0 = System.nanoTime();
            Counts start = polls.counts();
            Counts last = start;
            long lastNanos = t0;
            for (long s = 1; s <= roundSeconds; s++) {
                long due = t0 + TimeUnit.SECONDS.toNanos(s);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                Counts now = polls.counts();
                long nowNanos = System.nanoTime();
                double fps =
                        2
                                * (now.transactions() - last.transactions())
                                * 1e9
                                / (nowNanos - lastNanos);
                done++;
                progress.accept(
                        String.format(
                                Locale.ROOT,
                                "bench serial: %s %d/%d s, %.1f frames/s, %.3f of the line%s",
                                name,
                                done,
                                seconds,
                                fps,
                                fps / max,
                                problems(now.minus(last))));
                last = now;
                lastNanos = nowNanos;
            }
            total = total.plus(last.minus(start));
            elapsed += (lastNanos - t0) / 1e9;
        }

        Side side() {
            return new Side(name, elapsed, total, max);
        }
    }

    /** What went wrong in a second, for the progress line; empty when nothing did. */
    private static String problems(Counts c) {
        StringBuilder b = new StringBuilder();
        if (c.bad() > 0) {
            b.append(", ")
                    .append(c.bad())
                    .append(" bad (")
                    .append(c.timeouts())
                    .append(" timeouts)");
        }
        if (c.wrongValues() > 0) {
            b.append(", ").append(c.wrongValues()).append(" WRONG values");
        }
        return b.toString();
    }

    /** One side polling every slave until closed. */
    private interface Polls extends AutoCloseable {
        /**
         * Returns once every slave was read right once.
         *
         * @throws IllegalStateException naming the slave that was not, and why
         */
        void awaitAnswers(Duration max) throws InterruptedException;

        /** The counts since this side started. */
        Counts counts();

        /** Ends every device after the transaction in progress, and frees the port. */
        @Override
        void close() throws Exception;
    }

    private static long unsolicited(SerialTransport transport) {
        long n = 0;
        for (SerialBus b : transport.buses()) {
            n += b.stats().unsolicitedBytes();
        }
        return n;
    }

    // ---- the gateway -------------------------------------------------------------------------

    /** Names of the gateway's devices and points. */
    static String deviceName(int unit) {
        return "slave" + unit;
    }

    static String pointName(int index) {
        return "hr" + index;
    }

    /**
     * The gateway's sink: one batch of one device is one poll's answer (one FC3 request a cycle),
     * good and right, or bad (a timeout, a refused answer, the link down).
     */
    static final class Tally implements PointSink {
        private final int registers;
        private final Map<String, Integer> units = new HashMap<>();
        private final Map<String, Integer> indexes = new HashMap<>();
        private final AtomicLong[] perDevice;
        final AtomicLong transactions = new AtomicLong();
        final AtomicLong bad = new AtomicLong();
        final AtomicLong wrongValues = new AtomicLong();

        Tally(int devices, int registers) {
            this.registers = registers;
            this.perDevice = new AtomicLong[devices];
            for (int u = 1; u <= devices; u++) {
                units.put(deviceName(u), u);
                perDevice[u - 1] = new AtomicLong();
            }
            for (int i = 0; i < registers; i++) {
                indexes.put(pointName(i), i);
            }
        }

        @Override
        public void accept(List<Point> batch) {
            if (batch.isEmpty()) {
                return;
            }
            for (Point p : batch) {
                if (p.quality() != 0) {
                    bad.incrementAndGet();
                    return;
                }
            }
            Integer unit = units.get(batch.get(0).device());
            int wrong = Math.max(0, registers - batch.size());
            for (Point p : batch) {
                Integer index = indexes.get(p.point());
                if (unit == null
                        || index == null
                        || !p.device().equals(batch.get(0).device())
                        || integer(p.value()) != register(unit, index)) {
                    wrong++;
                }
            }
            if (wrong > 0) {
                wrongValues.addAndGet(wrong);
                return;
            }
            transactions.incrementAndGet();
            perDevice[unit - 1].incrementAndGet();
        }

        private static long integer(Value v) {
            if (v instanceof Value.U64 u) {
                return u.bits();
            }
            if (v instanceof Value.I64 i) {
                return i.value();
            }
            return Long.MIN_VALUE;
        }

        /** Right answers of unit {@code unit}. */
        long answered(int unit) {
            return perDevice[unit - 1].get();
        }

        List<Long> perDevice() {
            List<Long> out = new ArrayList<>();
            for (AtomicLong n : perDevice) {
                out.add(n.get());
            }
            return out;
        }
    }

    /** The gateway's real path: kernel, serial transport, sessions, the WASM modbus driver. */
    private static final class GatewayPolls implements Polls {
        private final SerialTransport transport;
        private final Tally tally;
        private final Kernel kernel;
        private final int devices;

        GatewayPolls(SerialTransport transport, String address, Options options) throws Exception {
            this.transport = transport;
            this.devices = options.devices();
            this.tally = new Tally(options.devices(), options.registers());
            this.kernel = new Kernel(tally, new Borrowed(transport));
            try {
                kernel.loadDriver("modbus");
                List<String> names = new ArrayList<>();
                for (int i = 0; i < options.registers(); i++) {
                    names.add(pointName(i));
                }
                for (int u = 1; u <= options.devices(); u++) {
                    kernel.addDevice(
                            DeviceSpec.of(
                                    deviceName(u),
                                    address,
                                    "modbus",
                                    config(u, options.registers()),
                                    names,
                                    Duration.ZERO));
                }
                kernel.start();
            } catch (Exception | Error e) {
                kernel.close();
                throw e;
            }
        }

        /** One FC3 request of every register a cycle: registers 0..n-1 of the unit, as u16. */
        static String config(int unit, int registers) {
            StringBuilder b =
                    new StringBuilder("device unit=" + unit + " timeout_ms=" + TIMEOUT_MS + "\n");
            for (int i = 0; i < registers; i++) {
                b.append("point ")
                        .append(i)
                        .append(" area=holding address=")
                        .append(i)
                        .append(" type=u16\n");
            }
            return b.toString();
        }

        @Override
        public void awaitAnswers(Duration max) throws InterruptedException {
            awaitEach(
                    devices,
                    max,
                    u -> tally.answered(u) > 0,
                    u -> {
                        SessionStatus s = kernel.session(deviceName(u)).status();
                        return "the gateway read no right answer from slave "
                                + u
                                + " in "
                                + max.toSeconds()
                                + " s (link "
                                + (s.linkUp() ? "up" : "down")
                                + ", "
                                + s.timeouts()
                                + " timeouts, "
                                + tally.wrongValues.get()
                                + " wrong values; last error: "
                                + s.lastError()
                                + ")";
                    });
        }

        @Override
        public Counts counts() {
            long timeouts = 0;
            long protocolErrors = 0;
            long garbage = 0;
            for (SessionStatus s : kernel.status()) {
                timeouts += s.timeouts();
                protocolErrors += s.protocolErrors();
                garbage += s.garbageBytes();
            }
            return new Counts(
                    tally.transactions.get(),
                    tally.bad.get(),
                    timeouts,
                    protocolErrors,
                    garbage,
                    tally.wrongValues.get(),
                    unsolicited(transport),
                    tally.perDevice(),
                    LineTime.of(transport));
        }

        @Override
        public void close() {
            try {
                kernel.finish(Duration.ofMillis(2L * TIMEOUT_MS));
            } finally {
                kernel.close();
            }
        }
    }

    /**
     * The run's serial transport lent to one round's kernel: the kernel closes the transports it
     * was given when it closes, and this one outlives the round.
     */
    private record Borrowed(SerialTransport transport) implements Transport {
        @Override
        public Set<String> schemes() {
            return transport.schemes();
        }

        @Override
        public String kind() {
            return transport.kind();
        }

        @Override
        public Link open(LinkAddress address) {
            return transport.open(address);
        }

        @Override
        public void close() {
            // The run closes it.
        }
    }

    // ---- the link alone ------------------------------------------------------------------------

    /**
     * Waits until each of slaves 1..{@code n} has {@code answered}, at most {@code max} from now
     * for all of them; else fails with {@code why} of the first that has not.
     */
    private static void awaitEach(
            int n, Duration max, IntPredicate answered, IntFunction<String> why)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        for (int u = 1; u <= n; u++) {
            while (!answered.test(u)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(why.apply(u));
                }
                Thread.sleep(10);
            }
        }
    }

    private Polls linkPolls(SerialTransport transport, String address) {
        List<SerialLink> links = new ArrayList<>();
        List<RtuPoller> pollers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int u = 1; u <= options.devices(); u++) {
            SerialLink link = transport.open(LinkAddress.parse(address));
            links.add(link);
            pollers.add(
                    new RtuPoller(
                            link,
                            u,
                            options.registers(),
                            TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS)));
        }
        return new Polls() {
            @Override
            public void awaitAnswers(Duration max) throws InterruptedException {
                long deadline = System.nanoTime() + max.toNanos();
                for (RtuPoller p : pollers) {
                    if (!p.awaitUp(max.toNanos())) {
                        throw new IllegalStateException(
                                "the serial link did not come up within " + max.toSeconds() + " s");
                    }
                }
                for (RtuPoller p : pollers) {
                    Thread t = new Thread(p, "weir-bench-poller");
                    t.setDaemon(true);
                    threads.add(t);
                    t.start();
                }
                awaitEach(
                        pollers.size(),
                        Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                        u -> pollers.get(u - 1).transactions.get() > 0,
                        u -> {
                            RtuPoller p = pollers.get(u - 1);
                            return "the link read no right answer from slave "
                                    + u
                                    + " in "
                                    + max.toSeconds()
                                    + " s ("
                                    + p.timeouts.get()
                                    + " timeouts, "
                                    + p.bad.get()
                                    + " bad answers, "
                                    + p.wrongValues.get()
                                    + " wrong values)";
                        });
            }

            @Override
            public Counts counts() {
                long ok = 0;
                long bad = 0;
                long timeouts = 0;
                long wrong = 0;
                List<Long> each = new ArrayList<>();
                for (RtuPoller p : pollers) {
                    ok += p.transactions.get();
                    each.add(p.transactions.get());
                    long t = p.timeouts.get();
                    timeouts += t;
                    bad += p.bad.get() + t;
                    wrong += p.wrongValues.get();
                }
                return new Counts(
                        ok,
                        bad,
                        timeouts,
                        0,
                        0,
                        wrong,
                        unsolicited(transport),
                        each,
                        LineTime.of(transport));
            }

            @Override
            public void close() throws InterruptedException {
                for (RtuPoller p : pollers) {
                    p.stop();
                }
                // Each poller ends its transaction in progress.
                for (Thread t : threads) {
                    t.join(2L * TIMEOUT_MS + 1000);
                }
                links.forEach(SerialLink::close);
            }
        };
    }

    private ModbusSlave slave(Path port, LineSettings line) throws Exception {
        ModbusSlave s =
                ModbusSlaveFactory.createSerialSlave(ModbusRtuSimulator.rtuParameters(port, line));
        for (int u = 1; u <= options.devices(); u++) {
            SimpleProcessImage image = new SimpleProcessImage(u);
            for (int i = 0; i < options.registers(); i++) {
                image.addRegister(new SimpleRegister(register(u, i)));
            }
            s.addProcessImage(u, image);
        }
        s.open();
        return s;
    }
}
