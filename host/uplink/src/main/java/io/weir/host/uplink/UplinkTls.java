package io.weir.host.uplink;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.jsse.BCSSLEngine;
import org.bouncycastle.jsse.BCSSLParameters;
import org.bouncycastle.jsse.BCX509ExtendedKeyManager;
import org.bouncycastle.jsse.BCX509Key;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/**
 * Mutual-auth TLS for the uplink (UPLINK.md §6). One instance per side and identity; {@link
 * #newHandler} makes a Netty {@link SslHandler} per connection.
 *
 * <ul>
 *   <li>{@link Mode#STANDARD}: SunJSSE, TLS 1.3 (and 1.2 when allowed), the JDK's default suites,
 *       ECDSA P-256 certificates.
 *   <li>{@link Mode#GM}: Bouncy Castle JSSE 1.84, TLS 1.3 only, RFC 8998 {@code TLS_SM4_GCM_SM3}
 *       with named group {@code curveSM2} and signature scheme {@code sm2sig_sm3} over SM2
 *       certificates. BCJSSE ships these disabled (experimental) and its PKIX key manager has no
 *       TLS 1.3 filter for SM2 keys, so this class sets them per engine and supplies its own key
 *       manager (research file §2.3).
 * </ul>
 */
public final class UplinkTls {
    /** Cipher policy. */
    public enum Mode {
        STANDARD,
        GM
    }

    /**
     * The TLS settings of one end of the uplink, as PEM files: cipher policy, whether TLS 1.2 is
     * accepted besides 1.3, the CA the peer's chain must lead to, and this end's own certificate
     * (chain, own certificate first) and private key.
     */
    public record Settings(
            Mode mode, boolean allowTls12, Path caCert, Path certificate, Path privateKey) {

        /**
         * One end of a `weir pki init` directory: the mode its algorithm calls for, TLS 1.2 off,
         * its CA, and the given certificate and key.
         */
        public static Settings fromPki(UplinkPki pki, Path certificate, Path privateKey)
                throws java.io.IOException {
            return new Settings(
                    pki.algorithm().tlsMode(), false, pki.caCert(), certificate, privateKey);
        }

        public Settings withAllowTls12(boolean allow) {
            return new Settings(mode, allow, caCert, certificate, privateKey);
        }

        public Settings withIdentity(Path cert, Path key) {
            return new Settings(mode, allowTls12, caCert, cert, key);
        }
    }

    /**
     * BCJSSE logs every connection and its security properties at INFO through java.util.logging;
     * the uplink logs its own connection lines, so keep BCJSSE to warnings. Held in a field because
     * JUL keeps loggers only weakly.
     */
    private static final java.util.logging.Logger BCJSSE_LOG =
            java.util.logging.Logger.getLogger("org.bouncycastle.jsse");

    /**
     * BCJSSE warns at every start that it cannot parse the JDK's SHA1 "jdkCA" and "denyAfter"
     * entries of jdk.certpath.disabledAlgorithms; SHA-1 plays no part in the uplink's chains.
     */
    private static final java.util.logging.Logger BCJSSE_CONSTRAINTS_LOG =
            java.util.logging.Logger.getLogger(
                    "org.bouncycastle.jsse.provider.DisabledAlgorithmConstraints");

    static {
        if (BCJSSE_LOG.getLevel() == null) {
            BCJSSE_LOG.setLevel(java.util.logging.Level.WARNING);
        }
        if (BCJSSE_CONSTRAINTS_LOG.getLevel() == null) {
            BCJSSE_CONSTRAINTS_LOG.setLevel(java.util.logging.Level.SEVERE);
        }
    }

    /** RFC 8998 §2: the only suites TLS 1.3 defines over ShangMi. */
    public static final String[] GM_SUITES = {"TLS_SM4_GCM_SM3"};

    private final Mode mode;
    private final boolean server;
    private final boolean allowTls12;
    private final SSLContext context;

    private UplinkTls(Mode mode, boolean server, boolean allowTls12, SSLContext context) {
        this.mode = mode;
        this.server = server;
        this.allowTls12 = allowTls12;
        this.context = context;
    }

    public Mode mode() {
        return mode;
    }

    /**
     * @param chain own certificate first
     * @param trust CA certificates the peer's chain must lead to
     */
    public static UplinkTls create(
            Mode mode,
            boolean server,
            boolean allowTls12,
            List<X509Certificate> chain,
            PrivateKey key,
            List<X509Certificate> trust)
            throws GeneralSecurityException, java.io.IOException {
        if (mode == Mode.GM && allowTls12) {
            throw new IllegalArgumentException(
                    "GM mode is TLS 1.3 only: RFC 8998 defines no TLS 1.2 ShangMi suites (use TLCP"
                            + " for that, which Bouncy Castle does not implement)");
        }
        boolean sm2 = ShangMi.isSm2(key);
        if (mode == Mode.GM && !sm2) {
            throw new IllegalArgumentException(
                    "GM TLS needs an SM2 certificate key; this PKI has "
                            + key.getAlgorithm()
                            + " keys (create it with `weir pki init --gateway-alg sm2`)");
        }
        if (mode == Mode.STANDARD && sm2) {
            throw new IllegalArgumentException(
                    "standard TLS cannot use SM2 certificates; set the uplink TLS mode to gm, or"
                            + " create the PKI with `--gateway-alg ecdsa`");
        }
        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);
        int i = 0;
        for (X509Certificate c : trust) {
            trustStore.setCertificateEntry("ca" + i++, mode == Mode.STANDARD ? jdkCert(c) : c);
        }
        SSLContext ctx;
        if (mode == Mode.GM) {
            BouncyCastleJsseProvider jsse = new BouncyCastleJsseProvider(ShangMi.provider());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", jsse);
            tmf.init(trustStore);
            ctx = SSLContext.getInstance("TLSv1.3", jsse);
            ctx.init(
                    new KeyManager[] {
                        new Sm2KeyManager(key, chain.toArray(new X509Certificate[0]))
                    },
                    tmf.getTrustManagers(),
                    null);
        } else {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            X509Certificate[] jdkChain = new X509Certificate[chain.size()];
            for (int k = 0; k < jdkChain.length; k++) {
                jdkChain[k] = jdkCert(chain.get(k));
            }
            PrivateKey jdkKey =
                    KeyFactory.getInstance("EC")
                            .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
            char[] pw = "uplink".toCharArray();
            ks.setKeyEntry("self", jdkKey, pw, jdkChain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, pw);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trustStore);
            ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        }
        return new UplinkTls(mode, server, allowTls12, ctx);
    }

    private static X509Certificate jdkCert(X509Certificate c) throws GeneralSecurityException {
        return (X509Certificate)
                CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(c.getEncoded()));
    }

    /** A configured engine wrapped for Netty. */
    public SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort) {
        SSLEngine engine =
                server ? context.createSSLEngine() : context.createSSLEngine(peerHost, peerPort);
        engine.setUseClientMode(!server);
        if (server) {
            engine.setNeedClientAuth(true);
        }
        if (mode == Mode.GM) {
            engine.setEnabledProtocols(new String[] {"TLSv1.3"});
            engine.setEnabledCipherSuites(GM_SUITES);
            BCSSLEngine bc = (BCSSLEngine) engine;
            BCSSLParameters p = bc.getParameters();
            p.setNamedGroups(new String[] {"curveSM2"});
            p.setSignatureSchemes(new String[] {"sm2sig_sm3"});
            p.setSignatureSchemesCert(new String[] {"sm2sig_sm3"});
            bc.setParameters(p);
        } else {
            engine.setEnabledProtocols(
                    allowTls12 ? new String[] {"TLSv1.3", "TLSv1.2"} : new String[] {"TLSv1.3"});
        }
        SslHandler h = new SslHandler(engine);
        h.setHandshakeTimeoutMillis(15_000);
        return h;
    }

    /**
     * Returns this side's SM2 key for whatever key type BCJSSE asks for: with TLS 1.3 and the
     * single signature scheme sm2sig_sm3 configured above, SM2 is the only type it can ask for.
     */
    private static final class Sm2KeyManager extends BCX509ExtendedKeyManager {
        private final PrivateKey key;
        private final X509Certificate[] chain;

        Sm2KeyManager(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        private BCX509Key pick(String[] keyTypes) {
            if (keyTypes == null) {
                return null;
            }
            for (String t : keyTypes) {
                if (t != null && t.startsWith("EC")) {
                    return new Sm2Key(t, key, chain);
                }
            }
            return null;
        }

        @Override
        public BCX509Key chooseClientKeyBC(String[] keyTypes, Principal[] issuers, Socket socket) {
            return pick(keyTypes);
        }

        @Override
        public BCX509Key chooseEngineClientKeyBC(
                String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return pick(keyTypes);
        }

        @Override
        public BCX509Key chooseServerKeyBC(String[] keyTypes, Principal[] issuers, Socket socket) {
            return pick(keyTypes);
        }

        @Override
        public BCX509Key chooseEngineServerKeyBC(
                String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return pick(keyTypes);
        }

        @Override
        protected BCX509Key getKeyBC(String keyType, String alias) {
            return "self".equals(alias) ? new Sm2Key(keyType, key, chain) : null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"self"};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "self";
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return new String[] {"self"};
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return "self";
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return chain.clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return key;
        }
    }

    private record Sm2Key(String keyType, PrivateKey privateKey, X509Certificate[] chain)
            implements BCX509Key {
        @Override
        public X509Certificate[] getCertificateChain() {
            return chain.clone();
        }

        @Override
        public String getKeyType() {
            return keyType;
        }

        @Override
        public PrivateKey getPrivateKey() {
            return privateKey;
        }
    }

    /**
     * A failure and its causes in one line ({@code a <- b <- c}): TLS and socket failures hide the
     * useful part (an unknown CA, an expired certificate) several causes deep.
     */
    public static String causeChain(Throwable t) {
        StringBuilder msg = new StringBuilder(t.toString());
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
            msg.append(" <- ").append(c);
        }
        return msg.toString();
    }
}
