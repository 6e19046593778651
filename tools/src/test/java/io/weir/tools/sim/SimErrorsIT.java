package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.tools.CliRun;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input to {@code weir sim modbus-tcp} is one line that says what is wrong and names the
 * address, option or file, with a non-zero exit code and no stack trace.
 */
class SimErrorsIT {
    @TempDir Path dir;

    private static String oneLineError(int code, String... args) {
        String[] full = new String[args.length + 4];
        full[0] = "sim";
        full[1] = "modbus-tcp";
        System.arraycopy(args, 0, full, 2, args.length);
        full[full.length - 2] = "--duration";
        full[full.length - 1] = "1";
        CliRun r = CliRun.execute(full);
        assertThat(r.code())
                .as("exit code of %s; stderr %s", Arrays.toString(args), r.err())
                .isEqualTo(code);
        assertThat(r.out()).as("stdout").isEmpty();
        assertThat(r.err().lines()).as("stderr of %s", Arrays.toString(args)).hasSize(1);
        assertThat(r.err()).startsWith("weir sim modbus-tcp: ").doesNotContain("\tat ");
        return r.err().strip();
    }

    @Test
    void aPortInUseNamesTheAddress() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThat(oneLineError(1, "--listen", "127.0.0.1:" + port))
                    .isEqualTo(
                            "weir sim modbus-tcp: cannot listen on 127.0.0.1:"
                                    + port
                                    + ": address already in use (another program listens there;"
                                    + " choose another port)");
        }
    }

    @Test
    void addressesThatCannotBeListenedOn() {
        assertThat(oneLineError(1, "--listen", "nosuchhost.invalid:5020"))
                .isEqualTo(
                        "weir sim modbus-tcp: --listen nosuchhost.invalid:5020: unknown host"
                                + " nosuchhost.invalid");
        // TEST-NET-2 (RFC 5737): no interface here has it.
        assertThat(oneLineError(1, "--listen", "198.51.100.7:5020"))
                .isEqualTo(
                        "weir sim modbus-tcp: cannot listen on 198.51.100.7:5020: cannot assign"
                                + " requested address (no interface of this machine has it)");
        assertThat(oneLineError(2, "--listen", "127.0.0.1:0"))
                .isEqualTo(
                        "weir sim modbus-tcp: --listen 127.0.0.1:0: port 0 would pick a random"
                                + " port; give one of 1..65535 (see 'weir sim modbus-tcp --help')");
        assertThat(oneLineError(2, "--listen", "127.0.0.1:70000"))
                .contains("'127.0.0.1:70000': port must be a number")
                .endsWith("(see 'weir sim modbus-tcp --help')");
        assertThat(oneLineError(2, "--listen", "localhost"))
                .contains("'localhost' is not HOST:PORT");
    }

    @Test
    void optionsAreCheckedBeforeTheRegisterFileIsRead() throws IOException {
        // The register file does not exist: the option errors come first.
        String[] missingFile = {"--registers", dir.resolve("missing.toml").toString()};
        assertThat(
                        oneLineError(
                                2,
                                concat(missingFile, "--listen", "127.0.0.1:5020", "--unit", "300")))
                .isEqualTo(
                        "weir sim modbus-tcp: --unit 300 is not a Modbus unit identifier (0..255)"
                                + " (see 'weir sim modbus-tcp --help')");
        assertThat(
                        oneLineError(
                                2,
                                concat(missingFile, "--listen", "127.0.0.1:5020", "--tick", "0")))
                .isEqualTo(
                        "weir sim modbus-tcp: --tick must be > 0 ms, got 0 (see 'weir sim"
                                + " modbus-tcp --help')");
        assertThat(oneLineError(1, concat(missingFile, "--listen", "127.0.0.1:5020")))
                .isEqualTo(
                        "weir sim modbus-tcp: "
                                + dir.resolve("missing.toml")
                                + ": no such file or directory");
    }

    @Test
    void badRegisterFilesNameTheFile() throws IOException {
        assertThat(oneLineError(1, "--listen", "127.0.0.1:5020", "--registers", dir.toString()))
                .isEqualTo(
                        "weir sim modbus-tcp: "
                                + dir
                                + ": is a directory, not a register file (TOML)");
        Path binary =
                Files.write(
                        dir.resolve("capture.pcap"),
                        new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1});
        assertThat(oneLineError(1, "--listen", "127.0.0.1:5020", "--registers", binary.toString()))
                .isEqualTo(
                        "weir sim modbus-tcp: "
                                + binary
                                + ": not UTF-8 text, so not a register file (TOML)");
        Path broken =
                Files.writeString(
                        dir.resolve("broken.toml"), "[holding.1\n", StandardCharsets.UTF_8);
        assertThat(oneLineError(1, "--listen", "127.0.0.1:5020", "--registers", broken.toString()))
                .startsWith("weir sim modbus-tcp: " + broken + ": not valid TOML");
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
