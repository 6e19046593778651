package io.weir.host.uplink;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the gateway side of the uplink needs. Build with {@link #forGateway} and replace one
 * group at a time with the {@code with*} methods; defaults are in UPLINK.md §10.
 *
 * @param receiverEnvelopeKey the receiver's envelope public key (PEM) batches are sealed to
 */
public record UplinkConfig(
        String host,
        int port,
        UplinkTls.Settings tls,
        Path receiverEnvelopeKey,
        OutboxSettings outbox,
        Batching batching,
        Sealing sealing,
        Backoff backoff) {

    public UplinkConfig {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("receiver port must be 1..65535, got " + port);
        }
    }

    /** Where unacknowledged batches wait (UPLINK.md §7) and what happens when it is full. */
    public record OutboxSettings(
            String url,
            long maxBytes,
            Outbox.OverflowPolicy overflowPolicy,
            Outbox.Durability durability) {}

    /**
     * A batch is sealed at {@code maxPoints} points or {@code linger} after its first point,
     * whichever comes first; at most {@code window} batches are on the wire unacknowledged.
     */
    public record Batching(int maxPoints, Duration linger, int window) {
        public Batching {
            if (maxPoints < 1) {
                throw new IllegalArgumentException(
                        "batch size must be >= 1 point, got " + maxPoints);
            }
            if (window < 1 || window > 1024) {
                throw new IllegalArgumentException(
                        "in-flight window must be 1..1024 batches, got " + window);
            }
        }
    }

    /**
     * How batches are sealed: payload deflate level (0 = stored), whether each epoch is signed with
     * the gateway key, and when a fresh epoch and DEK are drawn.
     */
    public record Sealing(
            int deflateLevel, boolean signEpochs, long rotateAfterBatches, Duration rotateAfter) {
        public Sealing {
            if (deflateLevel < 0 || deflateLevel > 9) {
                throw new IllegalArgumentException(
                        "deflate level must be 0..9, got " + deflateLevel);
            }
            if (rotateAfterBatches < 1) {
                throw new IllegalArgumentException("rotate-after-batches must be >= 1");
            }
        }

        public Sealing withDeflateLevel(int level) {
            return new Sealing(level, signEpochs, rotateAfterBatches, rotateAfter);
        }

        public Sealing withRotation(long afterBatches, Duration after) {
            return new Sealing(deflateLevel, signEpochs, afterBatches, after);
        }
    }

    /**
     * Reconnect delay doubles from {@code min} to {@code max}; a connection whose oldest batch
     * waits longer than {@code ackTimeout} for its ACK is dropped and redialled.
     */
    public record Backoff(Duration min, Duration max, Duration ackTimeout) {}

    /** Defaults for gateway {@code name} of a `weir pki init` directory. */
    public static UplinkConfig forGateway(
            UplinkPki pki, String name, String host, int port, String outboxUrl)
            throws IOException {
        return new UplinkConfig(
                host,
                port,
                UplinkTls.Settings.fromPki(pki, pki.gatewayCert(name), pki.gatewayKey(name)),
                pki.envelopePublicKey(),
                new OutboxSettings(
                        outboxUrl,
                        256L << 20,
                        Outbox.OverflowPolicy.BLOCK,
                        Outbox.Durability.POWER_CUT),
                new Batching(5000, Duration.ofMillis(200), 16),
                new Sealing(1, true, 1_000_000, Duration.ofHours(24)),
                new Backoff(
                        Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofSeconds(30)));
    }

    public UplinkConfig withTls(UplinkTls.Settings t) {
        return new UplinkConfig(
                host, port, t, receiverEnvelopeKey, outbox, batching, sealing, backoff);
    }

    public UplinkConfig withReceiverEnvelopeKey(Path key) {
        return new UplinkConfig(host, port, tls, key, outbox, batching, sealing, backoff);
    }

    public UplinkConfig withOutbox(OutboxSettings o) {
        return new UplinkConfig(
                host, port, tls, receiverEnvelopeKey, o, batching, sealing, backoff);
    }

    public UplinkConfig withBatching(Batching b) {
        return new UplinkConfig(host, port, tls, receiverEnvelopeKey, outbox, b, sealing, backoff);
    }

    public UplinkConfig withSealing(Sealing s) {
        return new UplinkConfig(host, port, tls, receiverEnvelopeKey, outbox, batching, s, backoff);
    }

    public UplinkConfig withBackoff(Backoff b) {
        return new UplinkConfig(host, port, tls, receiverEnvelopeKey, outbox, batching, sealing, b);
    }
}
