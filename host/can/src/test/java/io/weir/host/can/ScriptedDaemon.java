package io.weir.host.can;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A socketcand server played by the test on loopback, byte for byte as the daemon's raw mode writes
 * it (linux-can/socketcand src/state_nobus.c, src/state_raw.c): "< hi >", "< ok >" to an open of a
 * known bus and to "< rawmode >", "< error could not open bus >" and the end of the connection
 * otherwise. No real socketcand can run here (it needs SocketCAN, which these kernels lack).
 */
final class ScriptedDaemon implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger connections = new AtomicInteger();
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    final List<Socket> clients = new CopyOnWriteArrayList<>();
    volatile String bus = "can0";
    volatile boolean greet = true;

    /** After raw mode: read what comes, answer nothing (a hung server). */
    volatile boolean mute;

    private volatile boolean closed;

    ScriptedDaemon(int port) throws IOException {
        server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "scripted-socketcand");
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
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "scripted-socketcand-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (!greet) {
                in.read();
                return;
            }
            send(out, "< hi >");
            String open = element(in);
            if (!open.equals("< open " + bus + " >")) {
                send(out, "< error could not open bus >");
                return;
            }
            send(out, "< ok >");
            if (!element(in).equals("< rawmode >")) {
                return;
            }
            send(out, "< ok >");
            clients.add(s);
            while (true) {
                String e = element(in);
                if (e == null) {
                    return;
                }
                received.add(e);
                if (e.equals("< echo >") && !mute) {
                    send(out, "< echo >");
                }
            }
        } catch (IOException e) {
            // The client went away.
        } finally {
            clients.remove(s);
        }
    }

    private static String element(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '<') {
                b.setLength(0);
            }
            b.append((char) c);
            if (c == '>') {
                return b.toString();
            }
        }
        return null;
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Writes to every client in raw mode. */
    void broadcast(String text) throws IOException {
        for (Socket s : clients) {
            send(s.getOutputStream(), text);
        }
    }

    void awaitClients(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (clients.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    void dropClients() throws IOException {
        for (Socket s : clients) {
            s.close();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        dropClients();
    }
}
