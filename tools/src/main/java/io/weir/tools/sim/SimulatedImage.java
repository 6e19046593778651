package io.weir.tools.sim;

import com.ghgande.j2mod.modbus.procimg.DigitalIn;
import com.ghgande.j2mod.modbus.procimg.DigitalOut;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The process image a simulated Modbus slave serves (j2mod), over TCP or a serial line, whose
 * values move with their generators.
 *
 * <p>Every area is served from address 0 up to its highest configured address; unconfigured
 * addresses in between read 0 (and hold what a master writes). Reads past the end get exception 2
 * (illegal data address) from j2mod. A tick re-evaluates every generator; a read takes a snapshot
 * under the same lock, so a multi-register value is never torn between two ticks.
 */
final class SimulatedImage extends SimpleProcessImage implements AutoCloseable {
    private final RegisterMap map;
    private final Object lock = new Object();
    private final long startNanos = System.nanoTime();
    private ScheduledExecutorService ticker;

    SimulatedImage(int unit, RegisterMap map) {
        super(unit);
        this.map = map;
        int[] size = new int[Area.values().length];
        for (SimPoint p : map.points()) {
            size[p.area().ordinal()] = Math.max(size[p.area().ordinal()], p.address() + p.width());
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
        tick();
    }

    /** Re-evaluates the generators every {@code tickMillis} until closed. */
    synchronized void start(long tickMillis) {
        if (tickMillis <= 0) {
            throw new IllegalArgumentException("tick must be > 0 ms, got " + tickMillis);
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

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }

    private boolean constantsSet;

    private void tick() {
        double t = (System.nanoTime() - startNanos) / 1e9;
        synchronized (lock) {
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
                        case COIL -> getDigitalOut(a).set(words[i] != 0);
                        case DISCRETE -> ((SimpleDigitalIn) getDigitalIn(a)).set(words[i] != 0);
                        case HOLDING -> getRegister(a).setValue(words[i]);
                        case INPUT ->
                                ((SimpleInputRegister) getInputRegister(a)).setValue(words[i]);
                    }
                }
            }
            constantsSet = true;
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
}
