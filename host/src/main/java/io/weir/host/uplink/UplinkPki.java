package io.weir.host.uplink;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The uplink's small PKI in one directory (UPLINK.md §9): a CA, the receiver's TLS certificate,
 * gateway TLS certificates and the receiver's SM2 envelope key pair. Private keys are PKCS#8 PEM
 * files created with mode 0600.
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
    private static final Set<PosixFilePermission> OWNER_RW =
            PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

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

    /**
     * Creates the CA, the receiver certificate, one gateway certificate and the receiver's SM2
     * envelope key pair. Refuses to overwrite an existing CA.
     */
    public static UplinkPki init(Path dir, Algorithm alg, String gatewayName)
            throws IOException, GeneralSecurityException {
        checkName(gatewayName);
        if (Files.exists(dir.resolve("ca.key"))) {
            throw new FileAlreadyExistsException(
                    dir.resolve("ca.key").toString(),
                    null,
                    "a CA already exists here; use `weir pki issue` to add a gateway");
        }
        Files.createDirectories(dir.resolve("gateways"));
        UplinkPki pki = new UplinkPki(dir);
        Instant now = Instant.now();
        KeyPair ca = generate(alg);
        X500Name caName = new X500Name("CN=Weir uplink CA,O=Weir");
        X509Certificate caCert =
                build(
                        alg,
                        caName,
                        ca.getPublic(),
                        caName,
                        ca,
                        now.minus(Duration.ofHours(1)),
                        now.plus(Duration.ofDays(3650)),
                        true,
                        null);
        writePem(pki.caCert(), caCert, false);
        writePem(dir.resolve("ca.key"), ca.getPrivate(), true);

        KeyPair rx = generate(alg);
        X509Certificate rxCert =
                build(
                        alg,
                        new X500Name("CN=receiver,O=Weir"),
                        rx.getPublic(),
                        caName,
                        ca,
                        now.minus(Duration.ofHours(1)),
                        now.plus(Duration.ofDays(825)),
                        false,
                        KeyPurposeId.id_kp_serverAuth);
        writePem(pki.receiverCert(), rxCert, false);
        writePem(pki.receiverKey(), rx.getPrivate(), true);

        KeyPair env = generate(Algorithm.SM2);
        writePem(pki.envelopePublicKey(), env.getPublic(), false);
        writePem(pki.envelopePrivateKey(), env.getPrivate(), true);

        Files.writeString(
                dir.resolve("pki.properties"),
                "# written by weir pki init\nalg=" + alg.name().toLowerCase(Locale.ROOT) + "\n");
        pki.issue(gatewayName, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(825)));
        return pki;
    }

    /** Issues a gateway certificate (CN = gateway id) signed by this directory's CA. */
    public X509Certificate issue(String name, Instant notBefore, Instant notAfter)
            throws IOException, GeneralSecurityException {
        checkName(name);
        if (Files.exists(gatewayKey(name))) {
            throw new FileAlreadyExistsException(
                    gatewayKey(name).toString(), null, "gateway \"" + name + "\" already issued");
        }
        Algorithm alg = algorithm();
        X509Certificate caCert = readCertificate(caCert());
        KeyPair ca = new KeyPair(caCert.getPublicKey(), readPrivateKey(dir.resolve("ca.key")));
        KeyPair gw = generate(alg);
        X509Certificate cert =
                build(
                        alg,
                        new X500Name("CN=" + name + ",O=Weir"),
                        gw.getPublic(),
                        X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()),
                        ca,
                        notBefore,
                        notAfter,
                        false,
                        KeyPurposeId.id_kp_clientAuth);
        Files.createDirectories(dir.resolve("gateways"));
        writePem(gatewayCert(name), cert, false);
        writePem(gatewayKey(name), gw.getPrivate(), true);
        return cert;
    }

    private static void checkName(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException(
                    "gateway name \""
                            + name
                            + "\" must be 1-64 characters of letters, digits, '.', '_' or '-',"
                            + " starting with a letter or digit (it becomes the certificate CN and"
                            + " the envelope gateway id)");
        }
    }

    static KeyPair generate(Algorithm alg) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", ShangMi.provider());
        g.initialize(
                new ECGenParameterSpec(alg == Algorithm.SM2 ? "sm2p256v1" : "secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate build(
            Algorithm alg,
            X500Name subject,
            PublicKey subjectKey,
            X500Name issuer,
            KeyPair issuerKeys,
            Instant notBefore,
            Instant notAfter,
            boolean ca,
            KeyPurposeId purpose)
            throws GeneralSecurityException {
        try {
            X509v3CertificateBuilder b =
                    new JcaX509v3CertificateBuilder(
                            issuer,
                            new BigInteger(127, RANDOM).add(BigInteger.ONE),
                            Date.from(notBefore),
                            Date.from(notAfter),
                            subject,
                            subjectKey);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    ext.createSubjectKeyIdentifier(subjectKey));
            b.addExtension(
                    Extension.authorityKeyIdentifier,
                    false,
                    ext.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            if (ca) {
                b.addExtension(
                        Extension.keyUsage,
                        true,
                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
                if (purpose == KeyPurposeId.id_kp_serverAuth) {
                    b.addExtension(
                            Extension.subjectAlternativeName,
                            false,
                            new GeneralNames(
                                    new GeneralName[] {
                                        new GeneralName(GeneralName.dNSName, "receiver"),
                                        new GeneralName(GeneralName.dNSName, "localhost"),
                                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")
                                    }));
                }
            }
            ContentSigner signer =
                    new JcaContentSignerBuilder(
                                    alg == Algorithm.SM2 ? "SM3withSM2" : "SHA256withECDSA")
                            .setProvider(ShangMi.provider())
                            .build(issuerKeys.getPrivate());
            X509CertificateHolder h = b.build(signer);
            return new JcaX509CertificateConverter()
                    .setProvider(ShangMi.provider())
                    .getCertificate(h);
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException("cannot build certificate: " + e.getMessage(), e);
        }
    }

    /** Writes a PEM object; private keys get a new file with mode 0600 (never world-readable). */
    static void writePem(Path file, Object obj, boolean secret) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            if (obj instanceof PrivateKey k) {
                w.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null));
            } else {
                w.writeObject(obj);
            }
        }
        byte[] bytes = sw.toString().getBytes(StandardCharsets.US_ASCII);
        if (secret) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_RW));
            Files.write(file, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            Files.write(file, bytes);
        }
    }

    public static X509Certificate readCertificate(Path file)
            throws IOException, GeneralSecurityException {
        Object o = readPem(file);
        if (!(o instanceof X509CertificateHolder h)) {
            throw new IOException(file + " does not hold a PEM certificate");
        }
        return new JcaX509CertificateConverter().setProvider(ShangMi.provider()).getCertificate(h);
    }

    public static List<X509Certificate> readCertificates(Path file)
            throws IOException, GeneralSecurityException {
        if (!Files.isReadable(file)) {
            throw new IOException(file + " not found or not readable");
        }
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
        }
        if (out.isEmpty()) {
            throw new IOException(file + " holds no PEM certificate");
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
        throw new IOException(file + " does not hold an unencrypted PKCS#8 private key");
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
        throw new IOException(file + " does not hold a PEM public key or certificate");
    }

    private static Object readPem(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException(file + " not found or not readable");
        }
        try (PEMParser p = new PEMParser(Files.newBufferedReader(file))) {
            Object o = p.readObject();
            if (o == null) {
                throw new IOException(file + " holds no PEM object");
            }
            return o;
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
