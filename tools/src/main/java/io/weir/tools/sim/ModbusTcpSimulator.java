package io.weir.tools.sim;

import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;

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
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
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
            throw new ModbusException("cannot listen on " + where(address, port) + ": " + why(e));
        }
        image.start(tickMillis);
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

    @Override
    public void close() {
        image.close();
        ModbusSlaveFactory.close(slave);
    }
}
