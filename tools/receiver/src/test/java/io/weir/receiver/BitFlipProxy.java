package io.weir.receiver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay that flips one bit of the gateway-to-receiver byte stream at a chosen offset, on the
 * first connection only: a corrupted frame in flight, below TLS. Test-only.
 */
final class BitFlipProxy implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicBoolean flipped = new AtomicBoolean();
    final AtomicInteger connections = new AtomicInteger();

    BitFlipProxy(int targetPort, long flipAt) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t =
                new Thread(
                        () -> {
                            while (!server.isClosed()) {
                                try {
                                    Socket in = server.accept();
                                    Socket out =
                                            new Socket(
                                                    InetAddress.getLoopbackAddress(), targetPort);
                                    boolean flipThis = connections.incrementAndGet() == 1;
                                    pump(in, out, flipThis ? flipAt : -1);
                                    pump(out, in, -1);
                                } catch (IOException e) {
                                    return;
                                }
                            }
                        },
                        "bitflip-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    boolean flipped() {
        return flipped.get();
    }

    private void pump(Socket from, Socket to, long flipAt) {
        Thread t =
                new Thread(
                        () -> {
                            byte[] buf = new byte[8192];
                            long pos = 0;
                            try (InputStream i = from.getInputStream();
                                    OutputStream o = to.getOutputStream()) {
                                int n;
                                while ((n = i.read(buf)) > 0) {
                                    if (flipAt >= pos && flipAt < pos + n) {
                                        buf[(int) (flipAt - pos)] ^= 0x10;
                                        flipped.set(true);
                                    }
                                    pos += n;
                                    o.write(buf, 0, n);
                                }
                            } catch (IOException e) {
                                // connection torn down by one side: close both
                            } finally {
                                try {
                                    from.close();
                                    to.close();
                                } catch (IOException ignored) {
                                    // already closed
                                }
                            }
                        },
                        "bitflip-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
