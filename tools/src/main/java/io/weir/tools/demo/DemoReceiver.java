package io.weir.tools.demo;

import io.weir.host.points.Point;
import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import io.weir.receiver.Receiver;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cloud side of {@code weir demo}: a fresh SM2 PKI (CA, receiver, one gateway certificate) and
 * a receiver on a free loopback port, which counts what it stores after opening the envelopes — the
 * far end's word, not the sender's.
 */
final class DemoReceiver implements AutoCloseable {
    private final UplinkPki pki;
    private final Receiver receiver;
    private final AtomicLong received = new AtomicLong();
    private final AtomicReference<Point> last = new AtomicReference<>();

    private DemoReceiver(UplinkPki pki, Receiver receiver) {
        this.pki = pki;
        this.receiver = receiver;
        receiver.onStored(
                (gateway, points) -> {
                    received.addAndGet(points.size());
                    if (!points.isEmpty()) {
                        last.set(points.get(points.size() - 1));
                    }
                });
    }

    /** Issues the PKI in {@code work/pki} for {@code gateway} and starts the receiver. */
    static DemoReceiver start(Path work, String gateway) throws Exception {
        UplinkPki pki = PkiIssuer.init(work.resolve("pki"), UplinkPki.Algorithm.SM2, gateway);
        Receiver rx =
                Receiver.start(
                        Receiver.Config.fromPki(
                                pki,
                                "127.0.0.1",
                                0,
                                "jdbc:h2:file:" + work.resolve("receiver").resolve("ingest"),
                                null));
        return new DemoReceiver(pki, rx);
    }

    Path pkiDir() {
        return pki.dir();
    }

    int port() {
        return receiver.port();
    }

    long received() {
        return received.get();
    }

    Point last() {
        return last.get();
    }

    @Override
    public void close() {
        receiver.close();
    }
}
