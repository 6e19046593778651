package io.weir.receiver;

import io.weir.host.uplink.ShangMi;
import io.weir.host.uplink.UplinkPki;
import io.weir.host.uplink.UplinkPki.Algorithm;
import java.io.IOException;
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
import java.util.Date;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues the uplink PKI of UPLINK.md §9 into a {@link UplinkPki} folder: the CA, the receiver's TLS
 * identity and envelope key, and gateway certificates. Cloud-side and operator tooling only: the
 * gateway jars read these files ({@link UplinkPki}) but never hold a CA.
 */
public final class PkiIssuer {
    private static final Set<PosixFilePermission> OWNER_RW =
            PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private PkiIssuer() {}

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
        issue(pki, gatewayName, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(825)));
        return pki;
    }

    /** Issues a gateway certificate (CN = gateway id) signed by this directory's CA. */
    public static X509Certificate issue(
            UplinkPki pki, String name, Instant notBefore, Instant notAfter)
            throws IOException, GeneralSecurityException {
        checkName(name);
        if (Files.exists(pki.gatewayKey(name))) {
            throw new FileAlreadyExistsException(
                    pki.gatewayKey(name).toString(),
                    null,
                    "gateway \"" + name + "\" already issued");
        }
        Algorithm alg = pki.algorithm();
        X509Certificate caCert = UplinkPki.readCertificate(pki.caCert());
        KeyPair ca =
                new KeyPair(
                        caCert.getPublicKey(),
                        UplinkPki.readPrivateKey(pki.dir().resolve("ca.key")));
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
        Files.createDirectories(pki.dir().resolve("gateways"));
        writePem(pki.gatewayCert(name), cert, false);
        writePem(pki.gatewayKey(name), gw.getPrivate(), true);
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

    public static KeyPair generate(Algorithm alg) throws GeneralSecurityException {
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
    public static void writePem(Path file, Object obj, boolean secret) throws IOException {
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
}
