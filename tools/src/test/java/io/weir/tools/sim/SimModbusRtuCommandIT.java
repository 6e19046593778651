package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.ghgande.j2mod.modbus.Modbus;
import com.ghgande.j2mod.modbus.facade.ModbusSerialMaster;
import com.ghgande.j2mod.modbus.net.AbstractSerialConnection;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import io.weir.host.serial.PtyPair;
import io.weir.tools.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code weir sim modbus-rtu --pty} through execute(), answering j2mod's RTU master on the far end.
 */
class SimModbusRtuCommandIT {

    @Test
    void servesTwoUnitsOnItsOwnPtyAndPrintsTheGatewaysEnd() throws Exception {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
        Path file = Files.createTempFile("registers", ".toml");
        Files.writeString(
                file,
                """
                [holding.100]
                type = "f32"
                order = "CDAB"
                gen = "constant"
                value = -1.5

                [holding.7]
                gen = "constant"
                value = 4711
                """);
        LiveOutput out =
                LiveOutput.run(
                        "sim",
                        "modbus-rtu",
                        "--pty",
                        "--unit",
                        "3",
                        "--unit",
                        "4",
                        "--baud",
                        "38400",
                        "--parity",
                        "N",
                        "--registers",
                        file.toString(),
                        "--json",
                        "--duration",
                        "8");
        JsonNode head = out.nextJson();
        assertThat(head.get("line").asText()).isEqualTo("38400 8N1");
        assertThat(head.get("units").toString()).isEqualTo("[3,4]");
        String gateway = head.get("gateway").asText();
        assertThat(gateway).matches("serial:/.*/gateway\\?baud=38400&parity=N&data=8&stop=1");
        JsonNode point = out.nextJson();
        assertThat(point.get("unit").asInt()).isEqualTo(3);
        assertThat(point.get("point").asText()).isIn("holding/100", "holding/7");

        String path = gateway.substring("serial:".length(), gateway.indexOf('?'));
        SerialParameters p = new SerialParameters();
        p.setPortName(path);
        p.setBaudRate(38400);
        p.setDatabits(8);
        p.setParity(AbstractSerialConnection.NO_PARITY);
        p.setStopbits(AbstractSerialConnection.ONE_STOP_BIT);
        p.setEncoding(Modbus.SERIAL_ENCODING_RTU);
        p.setOpenDelay(0);
        ModbusSerialMaster master = new ModbusSerialMaster(p);
        master.connect();
        try {
            Register[] f32 = master.readMultipleRegisters(3, 100, 2);
            int bits = f32[1].getValue() << 16 | f32[0].getValue();
            assertThat(Float.intBitsToFloat(bits)).isEqualTo(-1.5f);
            assertThat(master.readMultipleRegisters(4, 7, 1)[0].getValue()).isEqualTo(4711);
            // A setpoint written to one slave stays there, and only there.
            master.writeSingleRegister(
                    4, 7, new com.ghgande.j2mod.modbus.procimg.SimpleRegister(99));
            assertThat(master.readMultipleRegisters(4, 7, 1)[0].getValue()).isEqualTo(99);
            assertThat(master.readMultipleRegisters(3, 7, 1)[0].getValue()).isEqualTo(4711);
        } finally {
            master.disconnect();
        }
        assertThat(out.exit.get(20, TimeUnit.SECONDS)).isZero();
        assertThat(Files.exists(Path.of(path))).as("the pty is gone with the simulator").isFalse();
    }

    @Test
    void refusesWhatCannotBeServed() {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
        CliRun none = CliRun.execute("sim", "modbus-rtu", "--duration", "1");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("Missing required argument");
        CliRun both = CliRun.execute("sim", "modbus-rtu", "--pty", "--device", "/dev/null");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
        CliRun unit =
                CliRun.execute("sim", "modbus-rtu", "--pty", "--unit", "0", "--duration", "1");
        assertThat(unit.code()).isEqualTo(1);
        assertThat(unit.err())
                .contains("unit must be 1..247 on a serial line (0 is broadcast), got 0");
        CliRun parity = CliRun.execute("sim", "modbus-rtu", "--pty", "--parity", "X");
        assertThat(parity.code()).isEqualTo(2);
        assertThat(parity.err()).contains("parity \"X\" is not N, E, O, M or S");
        CliRun missing =
                CliRun.execute(
                        "sim", "modbus-rtu", "--device", "/dev/ttyWEIRNONE", "--duration", "1");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("cannot open serial port /dev/ttyWEIRNONE");
    }
}
