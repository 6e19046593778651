package io.weir.host.uplink;

import io.weir.host.store.Outbox;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the gateway side of the uplink needs. Build with {@link #forGateway} and adjust with
 * the {@code with*} methods; defaults are in UPLINK.md §10.
 */
public record UplinkConfig(
        String host,
        int port,
        UplinkTls.Mode tlsMode,
        boolean allowTls12,
        Path caCert,
        Path certificate,
        Path privateKey,
        Path receiverEnvelopeKey,
        String outboxUrl,
        long outboxMaxBytes,
        Outbox.OverflowPolicy overflowPolicy,
        Outbox.Durability durability,
        int batchMaxPoints,
        Duration linger,
        int window,
        boolean signEpochs,
        long rotateAfterBatches,
        Duration rotateAfter,
        int deflateLevel,
        Duration ackTimeout,
        Duration backoffMin,
        Duration backoffMax) {

    public UplinkConfig {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("receiver port must be 1..65535, got " + port);
        }
        if (batchMaxPoints < 1) {
            throw new IllegalArgumentException(
                    "batch size must be >= 1 point, got " + batchMaxPoints);
        }
        if (window < 1 || window > 1024) {
            throw new IllegalArgumentException(
                    "in-flight window must be 1..1024 batches, got " + window);
        }
        if (deflateLevel < 0 || deflateLevel > 9) {
            throw new IllegalArgumentException("deflate level must be 0..9, got " + deflateLevel);
        }
        if (rotateAfterBatches < 1) {
            throw new IllegalArgumentException("rotate-after-batches must be >= 1");
        }
    }

    /** Defaults for gateway {@code name} of a `weir pki init` directory. */
    public static UplinkConfig forGateway(
            UplinkPki pki, String name, String host, int port, String outboxUrl)
            throws IOException {
        return new UplinkConfig(
                host,
                port,
                pki.algorithm().tlsMode(),
                false,
                pki.caCert(),
                pki.gatewayCert(name),
                pki.gatewayKey(name),
                pki.envelopePublicKey(),
                outboxUrl,
                256L << 20,
                Outbox.OverflowPolicy.BLOCK,
                Outbox.Durability.POWER_CUT,
                5000,
                Duration.ofMillis(200),
                16,
                true,
                1_000_000,
                Duration.ofHours(24),
                1,
                Duration.ofSeconds(30),
                Duration.ofMillis(100),
                Duration.ofSeconds(30));
    }

    public UplinkConfig withOutbox(
            long maxBytes, Outbox.OverflowPolicy policy, Outbox.Durability d) {
        return new UplinkConfig(
                host,
                port,
                tlsMode,
                allowTls12,
                caCert,
                certificate,
                privateKey,
                receiverEnvelopeKey,
                outboxUrl,
                maxBytes,
                policy,
                d,
                batchMaxPoints,
                linger,
                window,
                signEpochs,
                rotateAfterBatches,
                rotateAfter,
                deflateLevel,
                ackTimeout,
                backoffMin,
                backoffMax);
    }

    public UplinkConfig withBatching(int maxPoints, Duration lingerTime, int inFlightWindow) {
        return new UplinkConfig(
                host,
                port,
                tlsMode,
                allowTls12,
                caCert,
                certificate,
                privateKey,
                receiverEnvelopeKey,
                outboxUrl,
                outboxMaxBytes,
                overflowPolicy,
                durability,
                maxPoints,
                lingerTime,
                inFlightWindow,
                signEpochs,
                rotateAfterBatches,
                rotateAfter,
                deflateLevel,
                ackTimeout,
                backoffMin,
                backoffMax);
    }

    public UplinkConfig withTls(UplinkTls.Mode mode, boolean tls12) {
        return new UplinkConfig(
                host,
                port,
                mode,
                tls12,
                caCert,
                certificate,
                privateKey,
                receiverEnvelopeKey,
                outboxUrl,
                outboxMaxBytes,
                overflowPolicy,
                durability,
                batchMaxPoints,
                linger,
                window,
                signEpochs,
                rotateAfterBatches,
                rotateAfter,
                deflateLevel,
                ackTimeout,
                backoffMin,
                backoffMax);
    }

    public UplinkConfig withIdentity(Path cert, Path key, Path envelopeKey) {
        return new UplinkConfig(
                host,
                port,
                tlsMode,
                allowTls12,
                caCert,
                cert,
                key,
                envelopeKey,
                outboxUrl,
                outboxMaxBytes,
                overflowPolicy,
                durability,
                batchMaxPoints,
                linger,
                window,
                signEpochs,
                rotateAfterBatches,
                rotateAfter,
                deflateLevel,
                ackTimeout,
                backoffMin,
                backoffMax);
    }

    public UplinkConfig withRotation(long afterBatches, Duration after) {
        return new UplinkConfig(
                host,
                port,
                tlsMode,
                allowTls12,
                caCert,
                certificate,
                privateKey,
                receiverEnvelopeKey,
                outboxUrl,
                outboxMaxBytes,
                overflowPolicy,
                durability,
                batchMaxPoints,
                linger,
                window,
                signEpochs,
                afterBatches,
                after,
                deflateLevel,
                ackTimeout,
                backoffMin,
                backoffMax);
    }

    public UplinkConfig withBackoff(Duration min, Duration max, Duration ackWait) {
        return new UplinkConfig(
                host,
                port,
                tlsMode,
                allowTls12,
                caCert,
                certificate,
                privateKey,
                receiverEnvelopeKey,
                outboxUrl,
                outboxMaxBytes,
                overflowPolicy,
                durability,
                batchMaxPoints,
                linger,
                window,
                signEpochs,
                rotateAfterBatches,
                rotateAfter,
                deflateLevel,
                ackWait,
                min,
                max);
    }
}
