package io.weir.tools.sim;

import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import java.net.InetAddress;

/** A Modbus TCP slave (j2mod) whose values move with their generators ({@link SimulatedImage}). */
public final class ModbusTcpSimulator implements AutoCloseable {
    private final RegisterMap map;
    private final int unit;
    private final SimulatedImage image;
    private final ModbusSlave slave;
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
        if (tickMillis <= 0) {
            throw new IllegalArgumentException("tick must be > 0 ms, got " + tickMillis);
        }
        this.map = map;
        this.unit = unit;
        this.port = port;
        this.image = new SimulatedImage(unit, map);
        // poolSize 16: concurrent masters (a demo and a replay, several test clients).
        this.slave = ModbusSlaveFactory.createTCPSlave(address, port, 16, false);
        slave.addProcessImage(unit, image);
        try {
            slave.open();
        } catch (ModbusException e) {
            ModbusSlaveFactory.close(slave);
            throw new ModbusException(
                    "cannot listen on "
                            + address.getHostAddress()
                            + ":"
                            + port
                            + ": "
                            + e.getMessage());
        }
        image.start(tickMillis);
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

    @Override
    public void close() {
        image.close();
        ModbusSlaveFactory.close(slave);
    }
}
