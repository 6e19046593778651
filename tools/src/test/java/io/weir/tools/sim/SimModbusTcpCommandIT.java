package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.Register;
import io.weir.tools.WeirCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code weir sim modbus-tcp} through execute(), answering a j2mod master while it runs. */
class SimModbusTcpCommandIT {
    @Test
    void servesARegisterFileWithGeneratorFlagsAndListsIt() throws Exception {
        Path file = Files.createTempFile("registers", ".toml");
        Files.writeString(
                file,
                """
                [holding.100]
                type = "f32"
                order = "CDAB"
                gen = "constant"
                value = -1.5

                [coil.5]
                gen = "toggle"
                period = 2
                """);
        int port = ModbusTcpSimulatorIT.freePort();
        StringWriter out = new StringWriter();
        CommandLine cl = WeirCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(new StringWriter()));
        CompletableFuture<Integer> run =
                CompletableFuture.supplyAsync(
                        () ->
                                cl.execute(
                                        "sim",
                                        "modbus-tcp",
                                        "--listen",
                                        "127.0.0.1:" + port,
                                        "--unit",
                                        "9",
                                        "--registers",
                                        file.toString(),
                                        "--generator",
                                        "input.3=counter:type=u16,start=40",
                                        "--duration",
                                        "3"));
        ModbusTCPMaster master = new ModbusTCPMaster("127.0.0.1", port);
        long deadline = System.currentTimeMillis() + 2500;
        while (true) {
            try {
                master.connect();
                break;
            } catch (Exception notYet) {
                assertThat(System.currentTimeMillis())
                        .as("simulator listening")
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
        }
        try {
            Register[] f32 = master.readMultipleRegisters(9, 100, 2);
            // CDAB: the low word first.
            int bits = f32[1].getValue() << 16 | f32[0].getValue();
            assertThat(Float.intBitsToFloat(bits)).isEqualTo(-1.5f);
            assertThat(master.readInputRegisters(9, 3, 1)[0].getValue()).isBetween(40, 45);
        } finally {
            master.disconnect();
        }
        assertThat(run.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString())
                .contains("Modbus TCP slave on 127.0.0.1:" + port + ", unit 9")
                .contains("holding/100..101 f32   CDAB  constant(-1.5)")
                .contains("coil/5         bool        toggle(period=2s, 0/1)")
                .contains("input/3        u16         counter(+1 every 1s, from 40)");
    }
}
