package io.weir.tools.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP peer for the runtime's {@code counter} fixture driver: it reads its 4-byte
 * requests and answers each with {@code AA 00}. (The counter protocol is made up for tests, so no
 * other peer speaks it.)
 */
final class CounterDevice implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> peers = new CopyOnWriteArrayList<>();

    CounterDevice() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "counter-device");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                peers.add(s);
                Thread t = new Thread(() -> serve(s), "counter-peer");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void serve(Socket s) {
        try (s;
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream()) {
            byte[] req = new byte[4];
            while (in.readNBytes(req, 0, 4) == 4) {
                out.write(new byte[] {(byte) 0xAA, 0x00});
                out.flush();
            }
        } catch (IOException e) {
            // the gateway closed the connection
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : peers) {
            s.close();
        }
    }
}
