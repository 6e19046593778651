package io.weir.tools.sim;

import io.weir.abi.CanFrame;
import io.weir.host.can.Socketcand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A socketcand server for one simulated bus, speaking what the daemon speaks in raw mode
 * (linux-can/socketcand doc/protocol.md, src/state_nobus.c, src/state_raw.c; see {@link
 * Socketcand}): {@code < hi >}; {@code < open BUS >} answered {@code < ok >}, or {@code < error
 * could not open bus >} and the end of the connection for another bus; {@code < rawmode >} and
 * {@code < bcmmode >} answered {@code < ok >}; {@code < echo >}. In raw mode a client hears every
 * frame of the bus, and every frame another client sends, and may {@code send}, {@code sendrtr} and
 * {@code fdsend}; a malformed one is ignored, as the daemon does, and an unknown command answered
 * {@code < error unknown command >}. The broadcast manager's commands of BCM mode are not
 * simulated.
 */
final class SocketcandServerSim implements CanBusSim.Endpoint, AutoCloseable {

    private final ServerSocket server;
    private final String busName;
    private final CanBusSim bus;
    private final Consumer<String> notes;
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    SocketcandServerSim(
            InetAddress address, int port, String busName, CanBusSim bus, Consumer<String> notes)
            throws IOException {
        this.busName = busName;
        this.bus = bus;
        this.notes = notes;
        server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(new InetSocketAddress(address, port));
        } catch (IOException e) {
            server.close();
            throw new IOException(
                    "cannot listen on "
                            + address.getHostAddress()
                            + ":"
                            + port
                            + ": "
                            + e.getMessage(),
                    e);
        }
        Thread t = new Thread(this::accept, "weir-sim-socketcand");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                Client c = new Client(s);
                Thread t = new Thread(c::serve, "weir-sim-socketcand-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void deliver(CanFrame frame, long micros) {
        String element = Socketcand.frameElement(frame, micros);
        for (Client c : clients) {
            c.write(element);
        }
    }

    int clients() {
        return clients.size();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // Closing.
        }
        for (Client c : clients) {
            c.close();
        }
    }

    private enum Mode {
        NO_BUS,
        BCM,
        RAW
    }

    private final class Client {
        final Socket socket;
        OutputStream out;
        Mode mode = Mode.NO_BUS;

        Client(Socket socket) {
            this.socket = socket;
        }

        void serve() {
            try (socket) {
                out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                write("< hi >");
                Socketcand.Decoder decoder = new Socketcand.Decoder();
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    for (String e : decoder.feed(buf, 0, n)) {
                        if (!command(e.trim())) {
                            return;
                        }
                    }
                }
            } catch (IOException e) {
                // The gateway went away.
            } finally {
                clients.remove(this);
            }
        }

        /**
         * @return false to end the connection
         */
        boolean command(String e) {
            String[] t = e.split("\\s+");
            String verb = t[0];
            if (mode == Mode.NO_BUS) {
                if (verb.equals("open") && t.length == 2) {
                    if (!t[1].equals(busName)) {
                        write("< error could not open bus >");
                        return false;
                    }
                    mode = Mode.BCM;
                    write("< ok >");
                    return true;
                }
                write("< error unknown command >");
                return true;
            }
            switch (verb) {
                case "echo" -> write("< echo >");
                case "rawmode" -> {
                    write("< ok >");
                    if (mode != Mode.RAW) {
                        mode = Mode.RAW;
                        clients.add(this);
                        bus.gatewayReady();
                    }
                }
                case "bcmmode" -> {
                    mode = Mode.BCM;
                    clients.remove(this);
                    write("< ok >");
                }
                case "send", "sendrtr", "fdsend" -> {
                    CanFrame f = mode == Mode.RAW ? parseSend(t) : null;
                    if (f != null) {
                        bus.transmit(f, SocketcandServerSim.this);
                        // The daemon's raw sockets loop frames back to the host's other CAN
                        // sockets (Linux CAN_RAW_LOOPBACK, on by default): its other clients hear
                        // what one client sends, as two gateways or a gateway and a tool do.
                        String element =
                                Socketcand.frameElement(f, System.currentTimeMillis() * 1000);
                        for (Client c : clients) {
                            if (c != this) {
                                c.write(element);
                            }
                        }
                    }
                }
                default -> write("< error unknown command >");
            }
            return true;
        }

        synchronized void write(String element) {
            try {
                out.write(element.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                close();
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing.
            }
        }
    }

    /**
     * A {@code send}, {@code sendrtr} or {@code fdsend} as the daemon reads it, or {@code null} if
     * the daemon would reject its syntax.
     */
    static CanFrame parseSend(String[] t) {
        try {
            String id = t[1];
            boolean ext = id.length() == 8;
            if (!ext && id.length() != 3) {
                return null;
            }
            int idValue = (int) Long.parseLong(id, 16);
            int flags = ext ? CanFrame.Flag.EXT.mask() : 0;
            switch (t[0]) {
                case "sendrtr" -> {
                    if (t.length != 3) {
                        return null;
                    }
                    return new CanFrame(
                            idValue,
                            flags | CanFrame.Flag.RTR.mask(),
                            Integer.parseInt(t[2]),
                            new byte[0]);
                }
                case "send" -> {
                    int len = Integer.parseInt(t[2]);
                    if (len > 8 || t.length != 3 + len) {
                        return null;
                    }
                    return new CanFrame(idValue, flags, len, bytes(t, 3, len));
                }
                default -> {
                    int canfd = Integer.parseInt(t[2], 16);
                    int len = Integer.parseInt(t[3]);
                    int dlc = CanFrame.fdDlcOf(len);
                    if (dlc < 0 || t.length != 4 + len) {
                        return null;
                    }
                    flags |= CanFrame.Flag.FDF.mask();
                    if ((canfd & 1) != 0) {
                        flags |= CanFrame.Flag.BRS.mask();
                    }
                    return new CanFrame(idValue, flags, dlc, bytes(t, 4, len));
                }
            }
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static byte[] bytes(String[] t, int from, int len) {
        StringBuilder hex = new StringBuilder();
        for (int i = from; i < from + len; i++) {
            if (t[i].length() > 2) {
                throw new IllegalArgumentException("not a byte: " + t[i]);
            }
            String b = t[i].length() == 1 ? "0" + t[i] : t[i];
            hex.append(b.toLowerCase(Locale.ROOT));
        }
        return HexFormat.of().parseHex(hex);
    }
}
