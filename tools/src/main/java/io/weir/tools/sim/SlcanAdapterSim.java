package io.weir.tools.sim;

import com.fazecast.jSerialComm.SerialPort;
import io.weir.abi.CanFrame;
import io.weir.host.can.Slcan;
import io.weir.host.serial.LineSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An slcan adapter on a serial port, as common USB–CAN adapters behave (Lawicel CAN232/CANUSB
 * commands, with the CANable 2.0 FD extension; see {@link Slcan}): the CAN channel opens with
 * {@code O} or {@code L} after a bit rate was set with {@code Sn}; frames from the bus are written
 * as {@code t}/{@code T}/{@code r}/{@code R}/{@code d}/{@code D}/{@code b}/{@code B} lines while it
 * is open (with a millisecond timestamp after {@code Z1}); frames the gateway sends are answered
 * {@code z}/{@code Z} and put on the bus; a command that does not apply is answered BEL. A gateway
 * that sets another bit rate than the bus runs at hears nothing, as on a real bus.
 */
final class SlcanAdapterSim implements CanBusSim.Endpoint, AutoCloseable {
    private static final int[] DATA_RATES = {0, 1, 2, 4, 5, 8};

    private final SerialPort port;
    private final CanBusSim bus;
    private final int busBitrate;
    private final Consumer<String> notes;
    private final Thread reader;
    private final AtomicLong delivered = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean open;
    private boolean opening;
    private volatile boolean listenOnly;
    private volatile boolean timestamps;
    private volatile int bitrate;
    private boolean mismatchNoted;

    SlcanAdapterSim(
            Path path, LineSettings line, CanBusSim bus, int busBitrate, Consumer<String> notes)
            throws IOException {
        this.bus = bus;
        this.busBitrate = busBitrate;
        this.notes = notes;
        try {
            port = SerialPort.getCommPort(path.toString());
        } catch (RuntimeException e) {
            throw new IOException("cannot open serial port " + path + ": no such port", e);
        }
        port.setComPortParameters(
                line.baud(), line.dataBits(), SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        port.setComPortTimeouts(
                SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING,
                200,
                2000);
        if (!port.openPort()) {
            throw new IOException(
                    "cannot open serial port " + path + " (errno " + port.getLastErrorCode() + ")");
        }
        reader = new Thread(this::read, "weir-sim-slcan");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        byte[] buf = new byte[1024];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (!closed) {
            int n = port.readBytes(buf, buf.length);
            if (n < 0) {
                if (!closed) {
                    notes.accept("slcan adapter: the serial port failed; stopped");
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\r') {
                    answer(line.toString(StandardCharsets.ISO_8859_1));
                    line.reset();
                } else if (buf[i] != '\n' && line.size() < 200) {
                    line.write(buf[i]);
                }
            }
        }
    }

    private void answer(String cmd) {
        write(command(cmd));
        if (opening) {
            // Open only once the CR of O or L is out: a real adapter never sends a frame before it.
            opening = false;
            open = true;
            bus.gatewayReady();
        }
    }

    /** The adapter's answer to one command. */
    String command(String cmd) {
        final String ok = "\r";
        final String bel = "\u0007";
        if (cmd.isEmpty()) {
            return ok;
        }
        char c = cmd.charAt(0);
        switch (c) {
            case 'C':
                if (!open) {
                    return bel;
                }
                open = false;
                return ok;
            case 'S':
                int rate = Slcan.bitrateOf(cmd);
                if (open || rate < 0) {
                    return bel;
                }
                bitrate = rate;
                mismatchNoted = false;
                return ok;
            case 'Y':
                if (open || cmd.length() != 2) {
                    return bel;
                }
                for (int r : DATA_RATES) {
                    if (cmd.charAt(1) == (char) ('0' + r)) {
                        return ok;
                    }
                }
                return bel;
            case 'O':
            case 'L':
                if (open || opening || bitrate == 0 || cmd.length() != 1) {
                    return bel;
                }
                listenOnly = c == 'L';
                opening = true;
                return ok;
            case 'Z':
                if (cmd.equals("Z0") || cmd.equals("Z1")) {
                    timestamps = cmd.equals("Z1");
                    return ok;
                }
                return bel;
            case 'V':
                return "V1013\r";
            case 'N':
                return "NWEIR\r";
            case 'F':
                return open ? "F00\r" : bel;
            case 't', 'T', 'r', 'R', 'd', 'D', 'b', 'B':
                if (!open || listenOnly) {
                    return bel;
                }
                if (Slcan.parse(cmd) instanceof Slcan.Received r
                        && cmd.length() == encodedLength(r.frame())) {
                    bus.transmit(r.frame(), this);
                    return Character.isUpperCase(c) ? "Z\r" : "z\r";
                }
                return bel;
            default:
                return bel;
        }
    }

    private static int encodedLength(CanFrame f) {
        return Slcan.encode(f).length() - 1;
    }

    @Override
    public void deliver(CanFrame frame, long micros) {
        if (!open) {
            return;
        }
        if (bitrate != busBitrate) {
            if (!mismatchNoted) {
                mismatchNoted = true;
                notes.accept(
                        "slcan adapter: the gateway set "
                                + bitrate
                                + " bit/s, the bus runs at "
                                + busBitrate
                                + ": it hears nothing");
            }
            return;
        }
        String line = Slcan.encode(frame);
        if (timestamps) {
            line =
                    line.substring(0, line.length() - 1)
                            + String.format(Locale.ROOT, "%04X", (micros / 1000) % 60000)
                            + "\r";
        }
        write(line);
        delivered.incrementAndGet();
    }

    long delivered() {
        return delivered.get();
    }

    private synchronized void write(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        port.writeBytes(b, b.length);
    }

    @Override
    public void close() {
        closed = true;
        port.closePort();
    }
}
