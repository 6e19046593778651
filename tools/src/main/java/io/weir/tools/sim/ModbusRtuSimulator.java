package io.weir.tools.sim;

import com.ghgande.j2mod.modbus.Modbus;
import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.net.AbstractSerialConnection;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import io.weir.host.serial.LineSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Modbus RTU slave (j2mod) on a serial port whose values move with their generators ({@link
 * SimulatedImage}). Several unit addresses on one port are several slaves on one bus, each with its
 * own copy of the register map.
 */
public final class ModbusRtuSimulator implements AutoCloseable {
    private final RegisterMap map;
    private final Path device;
    private final LineSettings line;
    private final List<Integer> units;
    private final List<SimulatedImage> images = new ArrayList<>();
    private final ModbusSlave slave;

    /**
     * Starts serving on {@code device}.
     *
     * @param units the slave addresses served, 1..247 (Modbus over Serial Line §2.2)
     * @param tickMillis how often generators are re-evaluated
     * @throws ModbusException if the port cannot be opened
     */
    public ModbusRtuSimulator(
            RegisterMap map, Path device, LineSettings line, List<Integer> units, long tickMillis)
            throws ModbusException {
        if (units.isEmpty()) {
            throw new IllegalArgumentException("at least one unit must be served");
        }
        for (int u : units) {
            if (u < 1 || u > 247) {
                throw new IllegalArgumentException(
                        "unit must be 1..247 on a serial line (0 is broadcast), got " + u);
            }
        }
        if (units.stream().distinct().count() != units.size()) {
            throw new IllegalArgumentException("unit given twice: " + units);
        }
        if (tickMillis <= 0) {
            throw new IllegalArgumentException("tick must be > 0 ms, got " + tickMillis);
        }
        this.map = map;
        this.device = device;
        this.line = line;
        this.units = List.copyOf(units);
        this.slave = ModbusSlaveFactory.createSerialSlave(rtuParameters(device, line));
        for (int u : units) {
            SimulatedImage image = new SimulatedImage(u, map);
            images.add(image);
            slave.addProcessImage(u, image);
        }
        try {
            slave.open();
        } catch (ModbusException e) {
            ModbusSlaveFactory.close(slave);
            throw new ModbusException("cannot open serial port " + device + ": " + e.getMessage());
        }
        images.forEach(i -> i.start(tickMillis));
    }

    public Path device() {
        return device;
    }

    public LineSettings line() {
        return line;
    }

    public List<Integer> units() {
        return units;
    }

    public RegisterMap registerMap() {
        return map;
    }

    @Override
    public void close() {
        images.forEach(SimulatedImage::close);
        ModbusSlaveFactory.close(slave);
    }

    /** j2mod's parameters of an RTU slave on {@code device} with these line settings. */
    public static SerialParameters rtuParameters(Path device, LineSettings line) {
        SerialParameters p = new SerialParameters();
        p.setPortName(device.toString());
        p.setBaudRate(line.baud());
        p.setDatabits(line.dataBits());
        p.setParity(
                switch (line.parity()) {
                    case NONE -> AbstractSerialConnection.NO_PARITY;
                    case EVEN -> AbstractSerialConnection.EVEN_PARITY;
                    case ODD -> AbstractSerialConnection.ODD_PARITY;
                    case MARK -> AbstractSerialConnection.MARK_PARITY;
                    case SPACE -> AbstractSerialConnection.SPACE_PARITY;
                });
        p.setStopbits(
                line.stopBits() == 1
                        ? AbstractSerialConnection.ONE_STOP_BIT
                        : line.stopBits() == 2
                                ? AbstractSerialConnection.TWO_STOP_BITS
                                : AbstractSerialConnection.ONE_POINT_FIVE_STOP_BITS);
        p.setEncoding(Modbus.SERIAL_ENCODING_RTU);
        p.setEcho(false);
        // j2mod waits 2 s after opening by default, for boards that reset when a port opens.
        p.setOpenDelay(0);
        return p;
    }
}
