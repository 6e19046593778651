package io.weir.receiver;

import io.weir.host.uplink.Envelope;
import io.weir.host.uplink.ShangMi;
import io.weir.host.uplink.UplinkPki;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Everything a receiver reads from its PKI folder (UPLINK.md §9), read and cross-checked once at
 * start, so that a receiver with a broken folder refuses to start with one line naming the file and
 * the problem instead of listening and then failing every gateway: each file is present, readable
 * and of the right kind; each private key matches its certificate or public key; the TLS
 * certificate was issued by the CA and is within its validity.
 */
record ReceiverFiles(
        List<X509Certificate> tlsChain,
        PrivateKey tlsKey,
        List<X509Certificate> caCerts,
        List<PrivateKey> envelopePrivateKeys,
        List<PublicKey> envelopePublicKeys) {

    /** Reads and checks the files named by {@code config}; the message names file and problem. */
    static ReceiverFiles load(Receiver.Config config) throws IOException {
        try {
            List<X509Certificate> ca =
                    read(config.tls().caCert(), "the CA certificate", UplinkPki::readCertificates);
            Path certFile = config.tls().certificate();
            List<X509Certificate> chain =
                    read(certFile, "the receiver's TLS certificate", UplinkPki::readCertificates);
            Path keyFile = config.tls().privateKey();
            PrivateKey key =
                    read(keyFile, "the receiver's TLS private key", UplinkPki::readPrivateKey);
            X509Certificate leaf = chain.get(0);
            if (!matches(key, leaf.getPublicKey())) {
                throw new IOException(
                        keyFile
                                + ": this private key does not belong to the certificate in "
                                + certFile
                                + "; restore the matching pair");
            }
            checkIssuedBy(certFile, chain.get(chain.size() - 1), ca, config.tls().caCert());
            try {
                leaf.checkValidity();
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                throw new IOException(
                        certFile
                                + ": valid only from "
                                + leaf.getNotBefore().toInstant()
                                + " to "
                                + leaf.getNotAfter().toInstant()
                                + "; every gateway would refuse it (`weir pki` issues a new one)");
            }
            List<PrivateKey> privs = new ArrayList<>();
            List<PublicKey> pubs = new ArrayList<>();
            Receiver.EnvelopeKeys keys = config.envelopeKeys();
            for (int i = 0; i < keys.privateKeys().size(); i++) {
                Path privFile = keys.privateKeys().get(i);
                Path pubFile = keys.publicKeys().get(i);
                PrivateKey priv =
                        read(privFile, "the SM2 envelope private key", UplinkPki::readPrivateKey);
                PublicKey pub =
                        read(pubFile, "the SM2 envelope public key", UplinkPki::readPublicKey);
                if (!ShangMi.isSm2(priv)) {
                    throw new IOException(
                            privFile + ": not an SM2 (sm2p256v1) key; envelope keys are SM2");
                }
                if (!ShangMi.isSm2(pub)) {
                    throw new IOException(
                            pubFile + ": not an SM2 (sm2p256v1) key; envelope keys are SM2");
                }
                if (!matches(priv, pub)) {
                    throw new IOException(
                            privFile
                                    + ": this SM2 envelope private key does not match the public key"
                                    + " in "
                                    + pubFile
                                    + " (key id "
                                    + Envelope.hex(ShangMi.keyId(pub))
                                    + "); every batch sealed to that public key would be refused."
                                    + " Restore the matching pair");
                }
                privs.add(priv);
                pubs.add(pub);
            }
            return new ReceiverFiles(chain, key, ca, privs, pubs);
        } catch (GeneralSecurityException e) {
            throw new IOException("PKI folder " + config.tls().caCert().getParent() + ": " + e, e);
        }
    }

    /** Reads one PEM file. */
    @FunctionalInterface
    private interface PemReader<T> {
        T read(Path file) throws IOException, GeneralSecurityException;
    }

    /** {@code reader} on {@code file}; a failure also says what the file is for. */
    private static <T> T read(Path file, String role, PemReader<T> reader)
            throws IOException, GeneralSecurityException {
        try {
            return reader.read(file);
        } catch (IOException e) {
            throw new IOException(
                    e.getMessage()
                            + " (needed as "
                            + role
                            + "; `weir pki init` writes a complete PKI folder)",
                    e);
        }
    }

    /** True if {@code pub} is {@code d·G} for the EC private key {@code priv}. */
    static boolean matches(PrivateKey priv, PublicKey pub) {
        try {
            ECPrivateKeyParameters d =
                    (ECPrivateKeyParameters) ECUtil.generatePrivateKeyParameter(priv);
            ECPublicKeyParameters q =
                    (ECPublicKeyParameters) ECUtil.generatePublicKeyParameter(pub);
            if (!d.getParameters().getCurve().equals(q.getParameters().getCurve())) {
                return false;
            }
            ECPoint computed =
                    new FixedPointCombMultiplier().multiply(d.getParameters().getG(), d.getD());
            return computed.normalize().equals(q.getQ().normalize());
        } catch (GeneralSecurityException | ClassCastException e) {
            return false;
        }
    }

    private static void checkIssuedBy(
            Path certFile, X509Certificate top, List<X509Certificate> ca, Path caFile)
            throws IOException {
        for (X509Certificate c : ca) {
            try {
                top.verify(c.getPublicKey(), ShangMi.provider());
                return;
            } catch (GeneralSecurityException | RuntimeException e) {
                // try the next CA certificate
            }
        }
        throw new IOException(
                certFile
                        + ": not issued by the CA in "
                        + caFile
                        + "; gateways trust only that CA and would refuse this receiver");
    }
}
