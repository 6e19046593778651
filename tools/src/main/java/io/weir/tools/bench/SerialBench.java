package io.weir.tools.bench;

import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.weir.host.io.LinkAddress;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The serial link's throughput against the line's limit: Modbus RTU polls through a {@link
 * SerialBus} to j2mod's RTU slave, over a wire that takes the time a real line takes.
 *
 * <p>The wire: gateway ⇄ pty pair ⇄ {@link LineEmulator} (paced at the baud rate) ⇄ pty pair ⇄
 * j2mod's slave. A bare pty pair moves bytes at memory speed whatever the baud rate, so without the
 * emulator the fraction would measure nothing; {@code paced=false} measures the link's own ceiling.
 *
 * <p>The line's maximum: a transaction is the request and the response on the wire, each followed
 * by the frame silence (Modbus over Serial Line §2.5.1.1: 3.5 characters, 1750 µs above 19200
 * baud): {@code (request + response) × character time + 2 × silence}; two frames per transaction.
 */
public final class SerialBench {

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
     * @param seconds the measured time
     * @param transactions polls answered right in that time
     * @param bad answers that were not right (length, address, function, CRC)
     * @param timeouts polls that got no answer
     * @param framesPerSecond requests and responses per second
     * @param lineMaxFramesPerSecond the line's maximum, as the class says
     * @param unsolicitedBytes bytes the bus dropped because nobody asked for them
     */
    public record Result(
            Options options,
            double seconds,
            long transactions,
            long bad,
            long timeouts,
            int requestBytes,
            int responseBytes,
            long silenceMicros,
            double framesPerSecond,
            double lineMaxFramesPerSecond,
            long unsolicitedBytes) {

        public double fraction() {
            return framesPerSecond / lineMaxFramesPerSecond;
        }
    }

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
     * Runs the benchmark.
     *
     * @param progress one line a second, for stderr
     */
    public Result run(Duration warmup, Duration measure, Consumer<String> progress)
            throws Exception {
        LineSettings line = options.line();
        Path dir = Files.createTempDirectory("weir-bench-serial-");
        List<AutoCloseable> open = new ArrayList<>();
        ModbusSlave slave = null;
        List<Thread> threads = new ArrayList<>();
        List<RtuPoller> pollers = new ArrayList<>();
        try (SerialTransport transport = new SerialTransport()) {
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
            SerialBus bus = null;
            for (int u = 1; u <= options.devices(); u++) {
                SerialLink link = transport.open(LinkAddress.parse(address));
                bus = link.bus();
                RtuPoller p =
                        new RtuPoller(link, u, options.registers(), TimeUnit.SECONDS.toNanos(1));
                pollers.add(p);
            }
            for (RtuPoller p : pollers) {
                if (!p.awaitUp(TimeUnit.SECONDS.toNanos(10))) {
                    throw new IllegalStateException("the serial link did not come up within 10 s");
                }
            }
            for (RtuPoller p : pollers) {
                Thread t = new Thread(p, "weir-bench-poller");
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            int req = pollers.get(0).requestLength();
            int resp = pollers.get(0).responseLength();
            double max = lineMaxFramesPerSecond(line, req, resp);
            Thread.sleep(warmup.toMillis());
            long t0 = System.nanoTime();
            long[] start = counts(pollers);
            long unsolicited0 = bus.stats().unsolicitedBytes();
            long seconds = Math.max(1, measure.toSeconds());
            long[] last = start;
            long lastNanos = t0;
            for (long s = 1; s <= seconds; s++) {
                long due = t0 + TimeUnit.SECONDS.toNanos(s);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                long[] now = counts(pollers);
                long nowNanos = System.nanoTime();
                double fps = 2 * (now[0] - last[0]) * 1e9 / (nowNanos - lastNanos);
                progress.accept(
                        String.format(
                                Locale.ROOT,
                                "bench serial: %d/%d s, %.1f frames/s, %.3f of the line",
                                s,
                                seconds,
                                fps,
                                fps / max));
                last = now;
                lastNanos = nowNanos;
            }
            long[] end = counts(pollers);
            double elapsed = (lastNanos - t0) / 1e9;
            for (RtuPoller p : pollers) {
                p.stop();
            }
            for (Thread t : threads) {
                t.join(5000);
            }
            return new Result(
                    options,
                    elapsed,
                    end[0] - start[0],
                    end[1] - start[1],
                    end[2] - start[2],
                    req,
                    resp,
                    line.frameSilenceNanos() / 1000,
                    2 * (end[0] - start[0]) / elapsed,
                    max,
                    bus.stats().unsolicitedBytes() - unsolicited0);
        } finally {
            for (RtuPoller p : pollers) {
                p.stop();
            }
            if (slave != null) {
                ModbusSlaveFactory.close(slave);
            }
            for (AutoCloseable c : open) {
                c.close();
            }
            Files.deleteIfExists(dir);
        }
    }

    private static long[] counts(List<RtuPoller> pollers) {
        long[] c = new long[3];
        for (RtuPoller p : pollers) {
            c[0] += p.transactions.get();
            c[1] += p.bad.get();
            c[2] += p.timeouts.get();
        }
        return c;
    }

    private ModbusSlave slave(Path port, LineSettings line) throws Exception {
        ModbusSlave s =
                ModbusSlaveFactory.createSerialSlave(ModbusRtuSimulator.rtuParameters(port, line));
        for (int u = 1; u <= options.devices(); u++) {
            SimpleProcessImage image = new SimpleProcessImage(u);
            for (int i = 0; i < options.registers(); i++) {
                image.addRegister(new SimpleRegister(u * 1000 + i));
            }
            s.addProcessImage(u, image);
        }
        s.open();
        return s;
    }
}
