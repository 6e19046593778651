package io.weir.host.uplink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of the real receiver whose current connections can go silent: from {@link
 * #silenceCurrent()} on, their bytes are read and dropped in both directions while both sockets
 * stay open — a path that died without a FIN or RST (a NAT timeout, a mobile link gone).
 * Connections opened later are relayed normally. Test-only.
 */
final class SilentLink implements AutoCloseable {
    private final ServerSocket server;
    private final List<Pair> live = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();

    private static final class Pair {
        final Socket gateway;
        final Socket receiver;
        volatile boolean silent;

        Pair(Socket gateway, Socket receiver) {
            this.gateway = gateway;
            this.receiver = receiver;
        }
    }

    SilentLink(int receiverPort) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t =
                new Thread(
                        () -> {
                            while (!server.isClosed()) {
                                Socket in;
                                try {
                                    in = server.accept();
                                } catch (IOException e) {
                                    return;
                                }
                                try {
                                    Socket out =
                                            new Socket(
                                                    InetAddress.getLoopbackAddress(), receiverPort);
                                    connections.incrementAndGet();
                                    Pair p = new Pair(in, out);
                                    live.add(p);
                                    pump(p, in, out);
                                    pump(p, out, in);
                                } catch (IOException e) {
                                    close(in);
                                }
                            }
                        },
                        "silent-link-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every connection open now drops its bytes from here on; later ones are relayed. */
    void silenceCurrent() {
        for (Pair p : live) {
            p.silent = true;
        }
    }

    private void pump(Pair p, Socket from, Socket to) {
        Thread t =
                new Thread(
                        () -> {
                            byte[] buf = new byte[8192];
                            try (InputStream i = from.getInputStream();
                                    OutputStream o = to.getOutputStream()) {
                                int n;
                                while ((n = i.read(buf)) > 0) {
                                    if (!p.silent) {
                                        o.write(buf, 0, n);
                                    }
                                }
                            } catch (IOException e) {
                                // one side went away: close both
                            } finally {
                                close(p.gateway);
                                close(p.receiver);
                                live.remove(p);
                            }
                        },
                        "silent-link-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Pair p : live) {
            close(p.gateway);
            close(p.receiver);
        }
    }
}
