package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.Register;
import io.weir.tools.CliRun;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks' device simulator against a real Modbus master (j2mod) on loopback: many
 * connections and unit ids on one port, FC3 values as documented, exceptions for what it does not
 * serve; and the bench commands' refusals of bad options.
 */
class ManyDevicesSimulatorTest {

    @Test
    void answersEveryConnectionAndUnitWithItsRegisters() throws Exception {
        try (ManyDevicesSimulator sim = new ManyDevicesSimulator("127.0.0.1", 0, 1)) {
            ModbusTCPMaster[] masters = new ModbusTCPMaster[3];
            try {
                for (int i = 0; i < masters.length; i++) {
                    masters[i] = new ModbusTCPMaster("127.0.0.1", sim.port());
                    masters[i].connect();
                }
                for (int i = 0; i < masters.length; i++) {
                    Register[] r = masters[i].readMultipleRegisters(DevicesBench.unit(i), 100, 10);
                    assertThat(r).hasSize(10);
                    // Register a holds a + s, s the seconds since start: consecutive within a read.
                    int s = r[0].getValue() - 100;
                    assertThat(s).isBetween(0, 60);
                    for (int k = 0; k < 10; k++) {
                        assertThat(r[k].getValue()).isEqualTo(100 + k + s);
                    }
                }
                // FC1 is not served: exception 1 (illegal function).
                assertThatThrownBy(() -> masters[0].readCoils(1, 0, 8))
                        .hasMessageContaining("Illegal Function");
            } finally {
                for (ModbusTCPMaster m : masters) {
                    if (m != null) {
                        m.disconnect();
                    }
                }
            }
        }
    }

    @Test
    void benchCommandsRefuseBadOptionsInOneLine() {
        CliRun devices = CliRun.execute("bench", "devices", "--devices", "0");
        assertThat(devices.code()).isNotZero();
        assertThat(devices.err()).contains("--devices must be 1..60000, got 0");
        CliRun baseline = CliRun.execute("bench", "devices", "--baseline", "neuron");
        assertThat(baseline.code()).isNotZero();
        assertThat(baseline.err()).contains("--baseline must be j2mod or plc4x, got \"neuron\"");
        CliRun poll = CliRun.execute("bench", "poll", "--duration", "0");
        assertThat(poll.code()).isNotZero();
        assertThat(poll.err()).contains("--duration must be at least 1");
    }
}
