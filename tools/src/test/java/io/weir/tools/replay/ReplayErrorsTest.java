package io.weir.tools.replay;

import static io.weir.tools.capture.Packets.concat;
import static io.weir.tools.capture.Packets.idb;
import static io.weir.tools.capture.Packets.shb;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.tools.CliRun;
import io.weir.tools.capture.Packets;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input to {@code weir replay} is one line on stderr that says what is wrong and names
 * the file or option, with a non-zero exit code and no stack trace; options are checked before the
 * driver is compiled.
 */
class ReplayErrorsTest {
    @TempDir Path dir;

    /** Runs {@code weir replay ARGS} and checks the one-line error. */
    private static String oneLineError(int code, String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "replay";
        System.arraycopy(args, 0, full, 1, args.length);
        CliRun r = CliRun.execute(full);
        assertThat(r.code())
                .as("exit code of %s; stderr %s", Arrays.toString(args), r.err())
                .isEqualTo(code);
        assertThat(r.out()).as("stdout").isEmpty();
        assertThat(r.err().lines()).as("stderr of %s", Arrays.toString(args)).hasSize(1);
        assertThat(r.err()).startsWith("weir replay: ").doesNotContain("\tat ");
        return r.err().strip();
    }

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void everyBadCaptureIsOneLineNamingTheFile() throws IOException {
        assertThat(oneLineError(1, "--driver", "modbus", "--pcap", dir.toString()))
                .isEqualTo(
                        "weir replay: "
                                + dir
                                + ": is a directory, not a capture file (pcap or pcapng)");
        Path missing = dir.resolve("missing.pcap");
        assertThat(oneLineError(1, "--driver", "modbus", "--pcap", missing.toString()))
                .isEqualTo("weir replay: " + missing + ": no such file or directory");
        Path empty = file("empty.pcap", new byte[0]);
        assertThat(oneLineError(1, "--driver", "modbus", "--pcap", empty.toString()))
                .isEqualTo(
                        "weir replay: "
                                + empty
                                + ": empty file (0 bytes), not a pcap or pcapng capture");
        byte[] pcap = Packets.pcap(ByteOrder.LITTLE_ENDIAN, false, 1, new long[0]);
        Path header = file("header.pcap", Arrays.copyOf(pcap, 10));
        assertThat(oneLineError(1, "--driver", "modbus", "--pcap", header.toString()))
                .isEqualTo(
                        "weir replay: "
                                + header
                                + ": pcap file header truncated: it needs 24 bytes, the file has"
                                + " 10");
        Path text = file("notes.pcap", "hello, world\n".getBytes(StandardCharsets.UTF_8));
        assertThat(oneLineError(1, "--driver", "modbus", "--pcap", text.toString()))
                .startsWith(
                        "weir replay: " + text + ": not a capture: unknown file magic 68656c6c");
    }

    @Test
    void aDamagedRecordEndsTheReplayWithTheSummaryAndOneLine() throws IOException {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        byte[] pkt =
                Packets.ipv4Tcp(
                        Packets.CLIENT, 40000, Packets.SERVER, 502, 1, 0, 0x18, new byte[] {1});
        byte[] head = concat(shb(le), idb(le, 101, -1), Packets.epb(le, 0, 0, pkt));
        Path shortBlock =
                file("short-block.pcapng", concat(head, Packets.block(le, 6, new byte[4])));
        CliRun r =
                CliRun.execute(
                        "replay", "--driver", "modbus", "--pcap", shortBlock.toString(), "--json");
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err().strip())
                .isEqualTo(
                        "weir replay: "
                                + shortBlock
                                + ": pcapng enhanced packet block at byte offset "
                                + head.length
                                + " has a body of 4 bytes, fewer than the 20 its fixed fields"
                                + " need; the file is damaged");
        // What was read before the damage is reported, down to the summary.
        assertThat(r.out().lines().toList())
                .last()
                .asString()
                .startsWith("{\"kind\":\"summary\",\"frames\":1,\"tcp_segments\":1,");
        assertThat(r.out()).contains("\"kind\":\"garbage\"");
    }

    @Test
    void portsOutsideOneTo65535AreRefusedBeforeAnythingIsRead() throws IOException {
        // The driver and the capture do not exist: the port is checked first.
        for (String port : new String[] {"70000", "0", "-1", "65536"}) {
            assertThat(
                            oneLineError(
                                    2,
                                    "--driver",
                                    "/nonexistent/driver.wasm",
                                    "--pcap",
                                    "/nonexistent/x.pcap",
                                    "--port",
                                    port))
                    .isEqualTo(
                            "weir replay: --port "
                                    + port
                                    + " is not a TCP port: give one of 1..65535 (see 'weir"
                                    + " replay --help')");
        }
        assertThat(oneLineError(2, "--driver", "modbus", "--pcap", "x.pcap", "--port", "abc"))
                .contains("'abc' is not an int");
    }

    @Test
    void optionsThatDoNotGoTogetherAreRefusedInWords() throws IOException {
        Path rtu = file("frames.txt", "01030000000184 0a\n".getBytes(StandardCharsets.UTF_8));
        assertThat(oneLineError(2, "--driver", "modbus"))
                .startsWith("weir replay: Missing required option: '--pcap=FILE'")
                .contains("--candump=FILE");
        assertThat(oneLineError(2, "--driver", "modbus", "--pcap", "a.pcap", "--rtu", "b.txt"))
                .contains("--pcap, --rtu and --candump exclude each other: give one file");
        assertThat(oneLineError(2, "--driver", "x", "--rtu", "b.txt", "--candump", "c.log"))
                .contains("exclude each other");
        assertThat(oneLineError(2, "--driver", "x", "--candump", "c.log", "--port", "502"))
                .contains("--port applies to --pcap only: CAN frames have no port");
        assertThat(oneLineError(2, "--driver", "x", "--rtu", rtu.toString(), "--port", "502"))
                .contains("--port applies to --pcap only: RTU frames have no port");
    }

    @Test
    void aDriverOfAnotherTransportIsRefusedNamingBoth() throws IOException {
        Path rtu = file("frames.txt", "010300000001840a\n".getBytes(StandardCharsets.UTF_8));
        Path log = file("bus.log", "(1.000000) can0 123#00\n".getBytes(StandardCharsets.UTF_8));
        assertThat(oneLineError(1, "--driver", "s7", "--rtu", rtu.toString()))
                .isEqualTo("weir replay: driver s7 speaks tcp; --rtu needs a serial driver");
        assertThat(oneLineError(1, "--driver", "modbus", "--candump", log.toString()))
                .isEqualTo(
                        "weir replay: driver modbus speaks tcp and serial; --candump needs a can"
                                + " driver");
    }

    @Test
    void aBadPointMapNamesItsFileAndLine() throws IOException {
        Path points =
                file(
                        "points.txt",
                        "# holding registers\n\npoint 0 address=DB1.DBW2\npoint x\n"
                                .getBytes(StandardCharsets.UTF_8));
        assertThat(
                        oneLineError(
                                1,
                                "--driver",
                                "s7",
                                "--pcap",
                                "/nonexistent/x.pcap",
                                "--points",
                                points.toString()))
                .startsWith("weir replay: " + points + ": line 4")
                .endsWith("(--points)");
        assertThat(
                        oneLineError(
                                1,
                                "--driver",
                                "s7",
                                "--pcap",
                                "/nonexistent/x.pcap",
                                "--points",
                                dir.resolve("none.txt").toString()))
                .isEqualTo("weir replay: " + dir.resolve("none.txt") + ": no such file (--points)");
    }

    @Test
    void theCaptureIsCheckedBeforeTheDriverIsCompiled() throws IOException {
        // Not WebAssembly: compiling it would fail, but the capture's error comes first.
        Path driver = file("broken.wasm", "not wasm".getBytes(StandardCharsets.UTF_8));
        Path text = file("notes.pcap", "hello, world\n".getBytes(StandardCharsets.UTF_8));
        assertThat(oneLineError(1, "--driver", driver.toString(), "--pcap", text.toString()))
                .contains(text + ": not a capture");
        assertThat(oneLineError(1, "--driver", dir.toString(), "--pcap", text.toString()))
                .isEqualTo(
                        "weir replay: driver file "
                                + dir.toAbsolutePath()
                                + " is a directory, not a .wasm file");
    }

    @Test
    void driverTextIsEscapedBeforeItReachesTheTerminal() {
        assertThat(ReplayCommand.printable("plain text")).isEqualTo("plain text");
        assertThat(ReplayCommand.printable("red \u001b[31mX\r\n\u0085"))
                .isEqualTo("red \\u001b[31mX\\u000d\\u000a\\u0085");
    }
}
