package io.weir.host.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * A loopback TCP peer that speaks the fixture driver's made-up protocol: it reads 4-byte requests
 * ("REQ?") and answers each with the next scripted reply, or with a default frame.
 */
final class FixtureDevice implements AutoCloseable {

    /** One answer: chunks written with a pause between them; no chunks means silence. */
    record Reply(List<byte[]> chunks, long pauseMs, long delayMs) {
        static Reply of(byte[] bytes) {
            return new Reply(List.of(bytes), 0, 0);
        }

        static Reply silence() {
            return new Reply(List.of(), 0, 0);
        }
    }

    private final BlockingQueue<Reply> script = new LinkedBlockingQueue<>();
    private final LongFunction<byte[]> fallback;
    private final List<Socket> peers = new CopyOnWriteArrayList<>();
    private final AtomicLong requests = new AtomicLong();
    private volatile ServerSocket server;
    private final int port;

    FixtureDevice(LongFunction<byte[]> fallback) throws IOException {
        this(0, fallback);
    }

    FixtureDevice(int port, LongFunction<byte[]> fallback) throws IOException {
        this.fallback = fallback;
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress("127.0.0.1", port));
        this.server = s;
        this.port = s.getLocalPort();
        Thread t = new Thread(this::accept, "fixture-device-" + this.port);
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return port;
    }

    long requests() {
        return requests.get();
    }

    void then(Reply r) {
        script.add(r);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                peers.add(s);
                Thread t = new Thread(() -> serve(s), "fixture-peer");
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
            while (true) {
                byte[] req = in.readNBytes(4);
                if (req.length < 4) {
                    return;
                }
                long n = requests.incrementAndGet();
                Reply r = script.poll();
                if (r == null) {
                    r = Reply.of(fallback.apply(n));
                }
                Thread.sleep(r.delayMs());
                for (int i = 0; i < r.chunks().size(); i++) {
                    if (i > 0) {
                        Thread.sleep(r.pauseMs());
                    }
                    out.write(r.chunks().get(i));
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException e) {
            // connection gone
        }
    }

    /** Stops listening and drops every connection: a device outage. */
    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : peers) {
            s.close();
        }
        peers.clear();
    }
}
