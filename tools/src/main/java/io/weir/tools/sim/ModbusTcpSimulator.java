package io.weir.tools.sim;

import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.procimg.DigitalIn;
import com.ghgande.j2mod.modbus.procimg.DigitalOut;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A Modbus TCP slave (j2mod) whose values move with their generators.
 *
 * <p>Every area is served from address 0 up to its highest configured address; unconfigured
 * addresses in between read 0 (and hold what a master writes). Reads past the end get exception 2
 * (illegal data address) from j2mod. A tick re-evaluates every generator; a read takes a snapshot
 * under the same lock, so a multi-register value is never torn between two ticks.
 */
public final class ModbusTcpSimulator implements AutoCloseable {
    private final RegisterMap map;
    private final int unit;
    private final Image image;
    private final ModbusSlave slave;
    private final ScheduledExecutorService ticker;
    private final long startNanos = System.nanoTime();
    private final int port;

    /**
     * Starts serving on {@code address:port}.
     *
     * @param tickMillis how often generators are re-evaluated
     */
    public ModbusTcpSimulator(
            RegisterMap map, InetAddress address, int port, int unit, long tickMillis)
            throws ModbusException {
        if (unit < 0 || unit > 255) {
            throw new IllegalArgumentException("unit must be 0..255, got " + unit);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        if (tickMillis <= 0) {
            throw new IllegalArgumentException("tick must be > 0 ms, got " + tickMillis);
        }
        this.map = map;
        this.unit = unit;
        this.port = port;
        this.image = new Image(unit, map);
        tick();
        // poolSize 16: concurrent masters (a demo and a replay, several test clients).
        this.slave = ModbusSlaveFactory.createTCPSlave(address, port, 16, false);
        slave.addProcessImage(unit, image);
        try {
            slave.open();
        } catch (ModbusException e) {
            ModbusSlaveFactory.close(slave);
            throw new ModbusException("cannot listen on " + where(address, port) + ": " + why(e));
        }
        ticker =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "weir-sim-tick");
                            t.setDaemon(true);
                            return t;
                        });
        ticker.scheduleAtFixedRate(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    }

    /** {@code 10.0.0.1:502} or {@code [::1]:502}. */
    private static String where(InetAddress address, int port) {
        String host = address.getHostAddress();
        return address instanceof Inet6Address ? "[" + host + "]:" + port : host + ":" + port;
    }

    /**
     * j2mod's reason without its own prefix ("Cannot start TCP listener on port 5020 - Address
     * already in use"), with a hint where the user can act on the reason.
     */
    private static String why(ModbusException e) {
        String reason =
                String.valueOf(e.getMessage())
                        .replaceFirst("^Cannot start TCP listener on port \\d+ - ", "");
        String lower = reason.toLowerCase(Locale.ROOT);
        if (lower.contains("address already in use")) {
            return "address already in use (another program listens there; choose another port)";
        }
        if (lower.contains("permission denied")) {
            return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
        }
        if (lower.contains("cannot assign requested address")) {
            return "cannot assign requested address (no interface of this machine has it)";
        }
        return reason;
    }

    public int port() {
        return port;
    }

    public int unit() {
        return unit;
    }

    public RegisterMap registerMap() {
        return map;
    }

    private boolean constantsSet;

    private void tick() {
        double t = (System.nanoTime() - startNanos) / 1e9;
        synchronized (image.lock) {
            for (SimPoint p : map.points()) {
                // A constant is set once and then kept, as a PLC keeps a setpoint: what a client
                // writes to it stays until the next write.
                if (constantsSet && p.generator() instanceof Generator.Constant) {
                    continue;
                }
                int[] words = p.words(t);
                for (int i = 0; i < words.length; i++) {
                    int a = p.address() + i;
                    switch (p.area()) {
                        case COIL -> image.getDigitalOut(a).set(words[i] != 0);
                        case DISCRETE ->
                                ((SimpleDigitalIn) image.getDigitalIn(a)).set(words[i] != 0);
                        case HOLDING -> image.getRegister(a).setValue(words[i]);
                        case INPUT ->
                                ((SimpleInputRegister) image.getInputRegister(a))
                                        .setValue(words[i]);
                    }
                }
            }
            constantsSet = true;
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        ModbusSlaveFactory.close(slave);
    }

    /**
     * A snapshot of a holding register for one request; a write (FC16 goes through the range)
     * reaches the live register.
     */
    private static final class WriteThroughRegister extends SimpleRegister {
        private final Register live;
        private final Object lock;

        WriteThroughRegister(Register live, Object lock) {
            // SimpleRegister(int) calls the overridden setValue before the fields are set;
            // the (byte, byte) constructor stores the bytes directly.
            super(live.toBytes()[0], live.toBytes()[1]);
            this.live = live;
            this.lock = lock;
        }

        @Override
        public void setValue(int v) {
            super.setValue(v);
            synchronized (lock) {
                live.setValue(v);
            }
        }

        @Override
        public void setValue(short s) {
            super.setValue(s);
            synchronized (lock) {
                live.setValue(s);
            }
        }

        @Override
        public void setValue(byte[] bytes) {
            super.setValue(bytes);
            synchronized (lock) {
                live.setValue(bytes);
            }
        }
    }

    /** A snapshot of a coil for one request; a write (FC15) reaches the live coil. */
    private static final class WriteThroughCoil extends SimpleDigitalOut {
        private final DigitalOut live;
        private final Object lock;

        WriteThroughCoil(DigitalOut live, Object lock) {
            this.live = live;
            this.lock = lock;
            super.set(live.isSet());
        }

        @Override
        public void set(boolean b) {
            super.set(b);
            synchronized (lock) {
                live.set(b);
            }
        }
    }

    /** A process image whose range reads are snapshots taken under the tick lock. */
    private static final class Image extends SimpleProcessImage {
        final Object lock = new Object();

        Image(int unit, RegisterMap map) {
            super(unit);
            int[] size = new int[Area.values().length];
            for (SimPoint p : map.points()) {
                size[p.area().ordinal()] =
                        Math.max(size[p.area().ordinal()], p.address() + p.width());
            }
            for (int i = 0; i < size[Area.COIL.ordinal()]; i++) {
                addDigitalOut(new SimpleDigitalOut(false));
            }
            for (int i = 0; i < size[Area.DISCRETE.ordinal()]; i++) {
                addDigitalIn(new SimpleDigitalIn(false));
            }
            for (int i = 0; i < size[Area.HOLDING.ordinal()]; i++) {
                addRegister(new SimpleRegister(0));
            }
            for (int i = 0; i < size[Area.INPUT.ordinal()]; i++) {
                addInputRegister(new SimpleInputRegister(0));
            }
        }

        @Override
        public Register[] getRegisterRange(int offset, int count) {
            synchronized (lock) {
                Register[] live = super.getRegisterRange(offset, count);
                Register[] copy = new Register[live.length];
                for (int i = 0; i < live.length; i++) {
                    copy[i] = new WriteThroughRegister(live[i], lock);
                }
                return copy;
            }
        }

        @Override
        public InputRegister[] getInputRegisterRange(int offset, int count) {
            synchronized (lock) {
                InputRegister[] live = super.getInputRegisterRange(offset, count);
                InputRegister[] copy = new InputRegister[live.length];
                for (int i = 0; i < live.length; i++) {
                    copy[i] = new SimpleInputRegister(live[i].getValue());
                }
                return copy;
            }
        }

        @Override
        public DigitalOut[] getDigitalOutRange(int offset, int count) {
            synchronized (lock) {
                DigitalOut[] live = super.getDigitalOutRange(offset, count);
                DigitalOut[] copy = new DigitalOut[live.length];
                for (int i = 0; i < live.length; i++) {
                    copy[i] = new WriteThroughCoil(live[i], lock);
                }
                return copy;
            }
        }

        @Override
        public DigitalIn[] getDigitalInRange(int offset, int count) {
            synchronized (lock) {
                DigitalIn[] live = super.getDigitalInRange(offset, count);
                DigitalIn[] copy = new DigitalIn[live.length];
                for (int i = 0; i < live.length; i++) {
                    copy[i] = new SimpleDigitalIn(live[i].isSet());
                }
                return copy;
            }
        }
    }
}
