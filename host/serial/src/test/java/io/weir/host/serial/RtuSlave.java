package io.weir.host.serial;

import com.ghgande.j2mod.modbus.Modbus;
import com.ghgande.j2mod.modbus.net.AbstractSerialConnection;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import java.nio.file.Path;
import java.util.Map;

/**
 * j2mod's Modbus RTU slave on one end of a pty pair: the real serial peer of the tests. One j2mod
 * slave serves several unit addresses, which to a master are several slaves on one bus; a unit it
 * has no image for stays silent, as a dead slave does.
 */
final class RtuSlave implements AutoCloseable {
    private final ModbusSlave slave;
    final Map<Integer, SimpleProcessImage> images;

    /**
     * @param registers per unit, the holding registers from address 0
     */
    RtuSlave(Path port, LineSettings line, Map<Integer, int[]> registers) throws Exception {
        SerialParameters p = new SerialParameters();
        p.setPortName(port.toString());
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
        p.setStopbits(AbstractSerialConnection.ONE_STOP_BIT);
        p.setEncoding(Modbus.SERIAL_ENCODING_RTU);
        p.setEcho(false);
        // j2mod waits 2 s after opening by default (for boards that reset on open); a pty does not.
        p.setOpenDelay(0);
        slave = ModbusSlaveFactory.createSerialSlave(p);
        images = new java.util.concurrent.ConcurrentHashMap<>();
        for (Map.Entry<Integer, int[]> e : registers.entrySet()) {
            SimpleProcessImage img = new SimpleProcessImage(e.getKey());
            for (int v : e.getValue()) {
                img.addRegister(new SimpleRegister(v));
            }
            images.put(e.getKey(), img);
            slave.addProcessImage(e.getKey(), img);
        }
        slave.open();
    }

    /** Starts answering for {@code unit}, as a slave that was switched on. */
    void serve(int unit, int[] registers) {
        SimpleProcessImage img = new SimpleProcessImage(unit);
        for (int v : registers) {
            img.addRegister(new SimpleRegister(v));
        }
        images.put(unit, img);
        slave.addProcessImage(unit, img);
    }

    int register(int unit, int address) {
        return images.get(unit).getRegister(address).getValue();
    }

    @Override
    public void close() {
        ModbusSlaveFactory.close(slave);
    }
}
