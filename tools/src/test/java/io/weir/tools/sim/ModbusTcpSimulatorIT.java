package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ghgande.j2mod.modbus.ModbusSlaveException;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.util.BitVector;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator against a real j2mod master over loopback TCP. */
class ModbusTcpSimulatorIT {
    private ModbusTcpSimulator sim;
    private ModbusTCPMaster master;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @BeforeEach
    void start() throws Exception {
        RegisterMap map =
                RegisterMap.builtIn()
                        .with(
                                List.of(
                                        "holding.100=counter:type=u32,order=CDAB,period=0.05,step=1,start=65535",
                                        "holding.110=constant:type=f32,order=ABCD,value=21.5",
                                        "holding.112=constant:type=i16,value=-2",
                                        "holding.113=constant:type=u64,order=DCBA,value=258"));
        int port = freePort();
        sim = new ModbusTcpSimulator(map, InetAddress.getLoopbackAddress(), port, 7, 20);
        master = new ModbusTCPMaster("127.0.0.1", port);
        master.connect();
    }

    @AfterEach
    void stop() {
        if (master != null) {
            master.disconnect();
        }
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void servesEncodedValuesInEveryOrder() throws Exception {
        Register[] f32 = master.readMultipleRegisters(7, 110, 2);
        assertThat(Float.intBitsToFloat(f32[0].getValue() << 16 | f32[1].getValue()))
                .isEqualTo(21.5f);
        assertThat(master.readMultipleRegisters(7, 112, 1)[0].toShort()).isEqualTo((short) -2);
        // u64 258 = 00 00 00 00 00 00 01 02, DCBA: bytes reversed -> words 0201 0000 0000 0000
        Register[] u64 = master.readMultipleRegisters(7, 113, 4);
        assertThat(u64).extracting(Register::getValue).containsExactly(0x0201, 0, 0, 0);
        assertThat(master.readMultipleRegisters(7, 22, 1)[0].getValue()).isEqualTo(513);
    }

    @Test
    void valuesMoveOverTime() throws Exception {
        Register[] a = master.readMultipleRegisters(7, 100, 2);
        long first = (long) a[1].getValue() << 16 | a[0].getValue(); // CDAB: low word first
        assertThat(first).isGreaterThanOrEqualTo(65535);
        Thread.sleep(300);
        Register[] b = master.readMultipleRegisters(7, 100, 2);
        long later = (long) b[1].getValue() << 16 | b[0].getValue();
        assertThat(later).isGreaterThan(first);

        BitVector c1 = master.readCoils(7, 0, 3);
        assertThat(c1.getBit(2)).isTrue(); // coil 2 is constant 1
        InputRegister[] in = master.readInputRegisters(7, 0, 3);
        assertThat(in[0].getValue()).isBetween(0, 4095);
        assertThat(master.readInputDiscretes(7, 0, 2).size()).isEqualTo(2);
    }

    @Test
    void writesAreKeptForRegistersWithoutGeneratorsAndBadAddressesAreRefused() throws Exception {
        master.writeMultipleRegisters(7, 23, new Register[] {new SimpleRegister(4242)});
        // 23 lies below the highest configured address (113), so it exists and holds a write.
        assertThat(master.readMultipleRegisters(7, 23, 1)[0].getValue()).isEqualTo(4242);
        assertThatThrownBy(() -> master.readMultipleRegisters(7, 60000, 1))
                .isInstanceOfSatisfying(
                        ModbusSlaveException.class,
                        e -> assertThat(e.getType()).as("exception code").isEqualTo(2));
    }
}
