package io.weir.host.uplink;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The uplink's small PKI in one directory (UPLINK.md §9): a CA, the receiver's TLS certificate,
 * gateway TLS certificates and the receiver's SM2 envelope key pair. Private keys are PKCS#8 PEM
 * files created with mode 0600. This class knows the layout and reads the files; issuing them is
 * the cloud side's job ({@code io.weir.receiver.PkiIssuer}), so a gateway carries no CA code.
 *
 * <pre>
 * DIR/pki.properties            alg=sm2|ecdsa
 * DIR/ca.crt  DIR/ca.key
 * DIR/receiver.crt  DIR/receiver.key                 TLS server identity (CN=receiver)
 * DIR/receiver-envelope.pub  DIR/receiver-envelope.key   SM2 envelope key (always SM2)
 * DIR/gateways/NAME.crt  DIR/gateways/NAME.key      TLS client identity, CN=NAME = gateway id
 * </pre>
 */
public final class UplinkPki {
    /**
     * Certificate key algorithm: SM2 certificates (GM TLS, RFC 8998) or ECDSA P-256 (standard TLS).
     */
    public enum Algorithm {
        SM2,
        ECDSA;

        public static Algorithm parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "sm2" -> SM2;
                case "ecdsa" -> ECDSA;
                default ->
                        throw new IllegalArgumentException(
                                "certificate algorithm \"" + s + "\" unknown; use sm2 or ecdsa");
            };
        }

        /** The TLS mode certificates of this algorithm work with. */
        public UplinkTls.Mode tlsMode() {
            return this == SM2 ? UplinkTls.Mode.GM : UplinkTls.Mode.STANDARD;
        }
    }

    public static final String DEFAULT_GATEWAY = "gw-01";

    private final Path dir;

    public UplinkPki(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path caCert() {
        return dir.resolve("ca.crt");
    }

    public Path receiverCert() {
        return dir.resolve("receiver.crt");
    }

    public Path receiverKey() {
        return dir.resolve("receiver.key");
    }

    public Path envelopePublicKey() {
        return dir.resolve("receiver-envelope.pub");
    }

    public Path envelopePrivateKey() {
        return dir.resolve("receiver-envelope.key");
    }

    public Path gatewayCert(String name) {
        return dir.resolve("gateways").resolve(name + ".crt");
    }

    public Path gatewayKey(String name) {
        return dir.resolve("gateways").resolve(name + ".key");
    }

    public Algorithm algorithm() throws IOException {
        Properties p = new Properties();
        Path f = dir.resolve("pki.properties");
        if (!Files.exists(f)) {
            throw new IOException(
                    f
                            + " not found: "
                            + dir
                            + " is not a Weir PKI directory (run `weir pki init`)");
        }
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
        }
        return Algorithm.parse(p.getProperty("alg", "sm2"));
    }

    public static X509Certificate readCertificate(Path file)
            throws IOException, GeneralSecurityException {
        Object o = readPem(file);
        if (!(o instanceof X509CertificateHolder h)) {
            throw new IOException(file + ": does not hold a PEM certificate");
        }
        return new JcaX509CertificateConverter().setProvider(ShangMi.provider()).getCertificate(h);
    }

    public static List<X509Certificate> readCertificates(Path file)
            throws IOException, GeneralSecurityException {
        checkReadable(file);
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(Files.newBufferedReader(file))) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(
                            new JcaX509CertificateConverter()
                                    .setProvider(ShangMi.provider())
                                    .getCertificate(h));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not a valid PEM file (" + e.getMessage() + ")", e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": holds no PEM certificate");
        }
        return out;
    }

    public static PrivateKey readPrivateKey(Path file) throws IOException {
        Object o = readPem(file);
        if (o instanceof PrivateKeyInfo info) {
            return new JcaPEMKeyConverter().setProvider(ShangMi.provider()).getPrivateKey(info);
        }
        if (o instanceof org.bouncycastle.openssl.PEMKeyPair kp) {
            return new JcaPEMKeyConverter()
                    .setProvider(ShangMi.provider())
                    .getKeyPair(kp)
                    .getPrivate();
        }
        throw new IOException(file + ": does not hold an unencrypted PKCS#8 private key");
    }

    public static PublicKey readPublicKey(Path file) throws IOException {
        Object o = readPem(file);
        if (o instanceof SubjectPublicKeyInfo spki) {
            return new JcaPEMKeyConverter().setProvider(ShangMi.provider()).getPublicKey(spki);
        }
        if (o instanceof X509CertificateHolder h) {
            return new JcaPEMKeyConverter()
                    .setProvider(ShangMi.provider())
                    .getPublicKey(h.getSubjectPublicKeyInfo());
        }
        throw new IOException(file + ": does not hold a PEM public key or certificate");
    }

    private static Object readPem(Path file) throws IOException {
        checkReadable(file);
        Object o;
        try (PEMParser p = new PEMParser(Files.newBufferedReader(file))) {
            o = p.readObject();
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": not a valid PEM file (" + e.getMessage() + ")", e);
        }
        if (o == null) {
            throw new IOException(file + ": holds no PEM object (no -----BEGIN line)");
        }
        return o;
    }

    /** One line naming the file and what is wrong with it, before anything parses it. */
    static void checkReadable(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, expected a PEM file");
        }
        if (!Files.exists(file)) {
            throw new IOException(file + ": missing");
        }
        if (!Files.isReadable(file)) {
            throw new IOException(file + ": not readable by this user (check owner and mode)");
        }
    }

    /** The CN of a certificate's subject: the gateway id for gateway certificates. */
    public static String commonName(X509Certificate cert) {
        X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        RDN[] cn = name.getRDNs(BCStyle.CN);
        if (cn.length == 0) {
            return cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
        }
        return IETFUtils.valueToString(cn[0].getFirst().getValue());
    }
}
