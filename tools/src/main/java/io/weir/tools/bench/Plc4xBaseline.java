package io.weir.tools.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The Apache PLC4X side of {@code weir bench poll} and {@code weir bench devices --baseline plc4x}:
 * the same devices ({@link ManyDevicesSimulator}), the same reads and the same fields as the j2mod
 * baseline, through PLC4X's public API ({@link Plc4xMaster}).
 *
 * <p>Every value read is checked against what the devices serve: in {@code bench poll} exactly (the
 * simulator runs in the same process, so its clock is known), in {@code bench devices} as registers
 * consecutive from the address ({@link ManyDevicesSimulator#serves(int, int[])}); a read that does
 * not match counts in {@code wrong_values}, so a number of reads is one of real reads.
 */
final class Plc4xBaseline {

    /** PLC4X's request timeout: the j2mod baseline's socket timeout. */
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    /** How the gateway's Netty is named in the results: PLC4X runs on it (see tools/pom.xml). */
    private static final String NETTY = nettyVersion();

    private Plc4xBaseline() {}

    private static String nettyVersion() {
        io.netty.util.Version v = io.netty.util.Version.identify().get("netty-transport");
        return v == null ? "(version unknown)" : v.artifactVersion();
    }

    // ---- weir bench poll -----------------------------------------------------------------------

    /**
     * One connection read back to back, {@link PollBench#REGISTERS} registers a read, cycling over
     * {@link PollBench#READS} addresses like the j2mod side: each read is {@code execute().get()},
     * the next sent once the previous answered. The connection stays open from {@link #open} to
     * {@link #close}, idle between slices.
     */
    static final class PollSide implements PollBench.Side {
        private final ManyDevicesSimulator sim;
        private final Plc4xMaster m;
        private final PollBench.Tally tally = new PollBench.Tally();
        private long next;
        private long wrong;

        private PollSide(ManyDevicesSimulator sim, Plc4xMaster m) {
            this.sim = sim;
            this.m = m;
        }

        static PollSide open(ManyDevicesSimulator sim) throws Exception {
            int[] addresses = new int[PollBench.READS];
            for (int i = 0; i < addresses.length; i++) {
                addresses[i] = i * PollBench.REGISTERS;
            }
            return new PollSide(
                    sim,
                    Plc4xMaster.open(
                            "127.0.0.1", sim.port(), 1, TIMEOUT, addresses, PollBench.REGISTERS));
        }

        @Override
        public void warmUp(Duration d) throws Exception {
            long warmEnd = System.nanoTime() + d.toNanos();
            while (System.nanoTime() < warmEnd) {
                m.read(0).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void slice(Duration d) throws Exception {
            long t0 = System.nanoTime();
            long end = t0 + d.toNanos();
            long reads = 0;
            long now = t0;
            while (now < end) {
                int i = (int) (next++ % m.requests());
                int before = sim.seconds();
                int[] v = m.read(i).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                long t = System.nanoTime();
                tally.record(t - now);
                now = t;
                reads++;
                if (!ManyDevicesSimulator.serves(m.address(i), v, before, sim.seconds())) {
                    wrong++;
                }
            }
            tally.slice(reads, (now - t0) / 1e9);
        }

        @Override
        public PollBench.Tally tally() {
            return tally;
        }

        @Override
        public Map<String, Object> result(PollBench.Plan plan) {
            Map<String, Object> r = tally.line(plan);
            r.put("wrong_values", wrong);
            r.put(
                    "how",
                    "PLC4X 0.13.1 PlcReadRequest.execute().get() in a loop, on Netty " + NETTY);
            return r;
        }

        @Override
        public void close() {
            m.close();
        }
    }

    // ---- weir bench devices --baseline plc4x (a child process) ---------------------------------

    /**
     * N connections, one per device, opened one after the other from the default driver manager,
     * then read at a fixed rate like the j2mod baseline: a scheduled pool of 2 × CPUs threads
     * starts each device's read (start offsets spread like the kernel's), PLC4X completes it on its
     * own threads. A tick that finds the device's previous read still outstanding, or that came a
     * whole interval late, is missed; latency is from {@code execute()} to the values.
     *
     * <p>Opening stops at {@link DevicesBench#SETTLE_MAX}: the devices opened by then are polled
     * and the result says how many opened and how long it took ({@code opened}, {@code open_s},
     * {@code open_complete}); progress goes to stderr every 5 s meanwhile.
     */
    static Map<String, Object> devices(DevicesBench.Side s, Consumer<String> progress)
            throws Exception {
        long heapBefore = DevicesBench.usedHeapAfterGc();
        Opening opening = Opening.start(s);
        long openStart = System.nanoTime();
        long deadline = openStart + DevicesBench.SETTLE_MAX.toNanos();
        while (!opening.done() && System.nanoTime() < deadline) {
            opening.awaitDone(Math.min(5000, (deadline - System.nanoTime()) / 1_000_000 + 1));
            progress.accept(
                    "devices: plc4x opened "
                            + opening.opened()
                            + " of "
                            + s.devices()
                            + " connections in "
                            + Math.round((System.nanoTime() - openStart) / 1e8) / 10.0
                            + " s"
                            + (opening.failed() > 0 ? ", " + opening.failed() + " failed" : ""));
        }
        boolean complete = opening.done();
        opening.stop();
        double openSeconds = Math.round((System.nanoTime() - openStart) / 1e8) / 10.0;
        List<Plc4xMaster> masters = opening.masters();
        if (!complete) {
            progress.accept(
                    "devices: plc4x opened only "
                            + masters.size()
                            + " of "
                            + s.devices()
                            + " connections in "
                            + DevicesBench.SETTLE_MAX.toSeconds()
                            + " s; polling those");
        }
        try (FixedRatePolls polls = new FixedRatePolls(s)) {
            for (int i = 0; i < masters.size(); i++) {
                Plc4xMaster m = masters.get(i);
                AtomicBoolean busy = new AtomicBoolean();
                polls.add(
                        i,
                        start -> {
                            if (!busy.compareAndSet(false, true)) {
                                // The previous read is still out: this cycle is lost.
                                polls.missed();
                                return;
                            }
                            m.read(0)
                                    .whenComplete(
                                            (v, e) -> {
                                                busy.set(false);
                                                if (e == null) {
                                                    polls.ok(start, m.address(0), v);
                                                } else if (Plc4xMaster.isTimeout(e)) {
                                                    polls.timedOut();
                                                } else {
                                                    polls.failed();
                                                }
                                            });
                        });
            }
            Map<String, Object> r = polls.measure(s, progress);
            // Only the devices that opened could be polled.
            r.put(
                    "expected_polls",
                    Math.round(
                            masters.size()
                                    * ((Number) r.get("window_s")).doubleValue()
                                    * 1000
                                    / s.interval().toMillis()));
            r.put("opened", masters.size());
            r.put("open_complete", complete);
            r.put("open_s", openSeconds);
            r.put("open_deadline_s", DevicesBench.SETTLE_MAX.toSeconds());
            r.put("open_failed", opening.failed());
            if (opening.firstFailure() != null) {
                r.put("first_open_failure", opening.firstFailure());
            }
            r.put(
                    "heap_per_device_bytes",
                    masters.isEmpty()
                            ? 0
                            : (DevicesBench.usedHeapAfterGc() - heapBefore) / masters.size());
            r.put(
                    "how",
                    "PLC4X 0.13.1, a PlcConnection per device, PlcReadRequest.execute() from a"
                            + " scheduled pool, on Netty "
                            + NETTY);
            return r;
        } finally {
            closeAll(masters, Duration.ofSeconds(10));
        }
    }

    /**
     * Closes every connection, giving up after {@code max}: PLC4X shuts an event loop group down
     * per connection, and the process ends after the result either way.
     */
    private static void closeAll(List<Plc4xMaster> masters, Duration max)
            throws InterruptedException {
        Thread closer = new Thread(() -> masters.forEach(Plc4xMaster::close), "plc4x-close");
        closer.setDaemon(true);
        closer.start();
        closer.join(max.toMillis());
    }

    /**
     * Opens the devices' connections one after the other on a thread of its own, so that the
     * benchmark can stop waiting at its deadline even when a {@code getConnection} never returns.
     */
    private static final class Opening implements Runnable {
        private final DevicesBench.Side side;
        private final List<Plc4xMaster> masters = new ArrayList<>();
        private int failed;
        private String firstFailure;
        private boolean done;
        private boolean stopped;

        private Opening(DevicesBench.Side side) {
            this.side = side;
        }

        static Opening start(DevicesBench.Side side) {
            Opening o = new Opening(side);
            Thread t = new Thread(o, "plc4x-open");
            t.setDaemon(true);
            t.start();
            return o;
        }

        @Override
        public void run() {
            int[] address = {DevicesBench.START};
            for (int i = 0; i < side.devices(); i++) {
                synchronized (this) {
                    if (stopped) {
                        break;
                    }
                }
                int unit = DevicesBench.unit(i);
                try {
                    Plc4xMaster m =
                            Plc4xMaster.open(
                                    "127.0.0.1",
                                    side.port(),
                                    unit,
                                    TIMEOUT,
                                    address,
                                    DevicesBench.POINTS);
                    synchronized (this) {
                        if (stopped) {
                            // Too late to be polled: not counted as opened.
                            m.close();
                            break;
                        }
                        masters.add(m);
                    }
                } catch (Exception e) {
                    synchronized (this) {
                        failed++;
                        if (firstFailure == null) {
                            firstFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
                        }
                    }
                }
            }
            synchronized (this) {
                done = true;
                notifyAll();
            }
        }

        synchronized void awaitDone(long millis) throws InterruptedException {
            long end = System.nanoTime() + millis * 1_000_000;
            while (!done) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return;
                }
                wait(left);
            }
        }

        synchronized boolean done() {
            return done;
        }

        synchronized void stop() {
            stopped = true;
        }

        synchronized int opened() {
            return masters.size();
        }

        synchronized int failed() {
            return failed;
        }

        synchronized String firstFailure() {
            return firstFailure;
        }

        synchronized List<Plc4xMaster> masters() {
            return new ArrayList<>(masters);
        }
    }
}
