package io.weir.host.can;

import com.fazecast.jSerialComm.SerialPort;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An slcan adapter played by the test on the far end of a pty pair, from the Lawicel command list:
 * it reads CR-terminated commands, keeps them, and answers each as {@code answer} says (CR for OK,
 * BEL for refused, nothing for a dead adapter); {@link #emit} writes lines as an adapter does when
 * frames arrive from the bus. The strings it writes are fixed in the tests, not made by the code
 * under test.
 */
final class ScriptedAdapter implements AutoCloseable {
    final List<String> commands = new CopyOnWriteArrayList<>();
    volatile Function<String, String> answer;
    private final SerialPort port;
    private final Thread reader;
    private volatile boolean closed;

    /** Answers every command with CR, frames with {@code z}/{@code Z} CR, as CAN232 does. */
    static String lawicel(String cmd) {
        if (cmd.isEmpty()) {
            return "\r";
        }
        return switch (cmd.charAt(0)) {
            case 't', 'r', 'd', 'b' -> "z\r";
            case 'T', 'R', 'D', 'B' -> "Z\r";
            default -> "\r";
        };
    }

    ScriptedAdapter(Path path, Function<String, String> answer) {
        this.answer = answer;
        port = SerialPort.getCommPort(path.toString());
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, 100, 0);
        if (!port.openPort()) {
            throw new IllegalStateException("cannot open " + path);
        }
        reader = new Thread(this::read, "scripted-slcan");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        byte[] buf = new byte[1024];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (!closed) {
            int n = port.readBytes(buf, buf.length);
            if (n < 0) {
                return;
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\r') {
                    String cmd = line.toString(StandardCharsets.US_ASCII);
                    line.reset();
                    commands.add(cmd);
                    String a = answer.apply(cmd);
                    if (a != null && !a.isEmpty()) {
                        emit(a);
                    }
                } else {
                    line.write(buf[i]);
                }
            }
        }
    }

    /** The commands after the setup's three CRs, as strings. */
    List<String> real() {
        return commands.stream().filter(c -> !c.isEmpty()).toList();
    }

    synchronized void emit(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        port.writeBytes(b, b.length);
    }

    @Override
    public void close() {
        closed = true;
        port.closePort();
    }
}
