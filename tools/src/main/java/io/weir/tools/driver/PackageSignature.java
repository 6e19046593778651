package io.weir.tools.driver;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.PackageRefused;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;

/**
 * A package's {@code signature.json}: who signed ({@code signer}, the key's id) with which
 * algorithm, and the signature over the package's statement ({@link
 * DriverPackage#signedContent()}).
 *
 * <pre>
 * {"format":1,"algorithm":"SM2-SM3","key_id":"9f3c…","signer":"acme","signature":"MEUCIQ…"}
 * </pre>
 */
public record PackageSignature(
        SigningKeys.Algorithm algorithm, String keyId, String signer, byte[] signature) {

    private static final JsonMapper JSON =
            JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** The outcome of checking a package against the trusted keys. */
    public enum Trust {
        /** Signed by a trusted key, and the signature matches. */
        TRUSTED,
        /** No signature. */
        UNSIGNED,
        /** A valid-looking signature by a key the gateway does not trust. */
        UNTRUSTED
    }

    /**
     * @param trust the outcome
     * @param signer the trusted key's name, or the signer the package claims
     * @param keyId the signing key's id, or {@code null}
     */
    public record Verdict(Trust trust, String signer, String keyId) {
        /** How the registry records it: {@code acme (9f3c…)}, {@code unsigned}, … */
        public String describe() {
            return switch (trust) {
                case TRUSTED -> signer + " (" + keyId + ")";
                case UNSIGNED -> "unsigned";
                case UNTRUSTED -> "untrusted key " + keyId + " (claims " + signer + ")";
            };
        }
    }

    /** Signs a package's statement. */
    public static PackageSignature sign(
            DriverPackage pkg, PrivateKey key, PublicKey pub, String signer)
            throws GeneralSecurityException {
        SigningKeys.Algorithm alg = SigningKeys.Algorithm.of(key);
        return new PackageSignature(
                alg, SigningKeys.keyId(pub), signer, SigningKeys.sign(key, pkg.signedContent()));
    }

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", 1);
        o.put("algorithm", algorithm.written());
        o.put("key_id", keyId);
        o.put("signer", signer);
        o.put("signature", Base64.getEncoder().encodeToString(signature));
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code signature.json}, naming the package and the field that is wrong. */
    public static PackageSignature parse(String where, byte[] json) throws PackageRefused {
        try {
            JsonNode o = JSON.readTree(json);
            if (o == null || !o.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            if (o.path("format").asInt(-1) != 1) {
                throw new IllegalArgumentException("\"format\" must be 1");
            }
            for (String f : new String[] {"algorithm", "key_id", "signer", "signature"}) {
                if (!o.path(f).isTextual()) {
                    throw new IllegalArgumentException("missing string \"" + f + "\"");
                }
            }
            return new PackageSignature(
                    SigningKeys.Algorithm.ofWritten(o.get("algorithm").asText()),
                    o.get("key_id").asText(),
                    o.get("signer").asText(),
                    Base64.getDecoder().decode(o.get("signature").asText()));
        } catch (IOException | IllegalArgumentException e) {
            throw new PackageRefused(where + ": signature.json is unreadable: " + e.getMessage());
        }
    }

    /**
     * Checks a package's signature against the trusted keys. A signature by a trusted key that does
     * not match the package's content is refused outright (the package was changed after signing),
     * whatever the policy; a missing signature or an unknown key is a verdict the caller judges.
     *
     * @throws PackageRefused if the signature is unreadable or does not match its trusted key
     */
    public static Verdict check(DriverPackage pkg, TrustedKeys trusted) throws PackageRefused {
        if (!pkg.signed()) {
            return new Verdict(Trust.UNSIGNED, null, null);
        }
        PackageSignature sig = parse(pkg.where(), pkg.signature());
        TrustedKeys.Trusted key = trusted.all().get(sig.keyId());
        if (key == null) {
            return new Verdict(Trust.UNTRUSTED, sig.signer(), sig.keyId());
        }
        if (SigningKeys.Algorithm.of(key.key()) != sig.algorithm()
                || !SigningKeys.verify(key.key(), pkg.signedContent(), sig.signature())) {
            throw new PackageRefused(
                    pkg.where()
                            + ": bad signature: it does not match the package's content under the"
                            + " trusted key "
                            + key.name()
                            + " ("
                            + key.id()
                            + "); the package was changed after signing");
        }
        return new Verdict(Trust.TRUSTED, key.name(), key.id());
    }

    /**
     * The gateway's policy: a trusted signature passes; an unsigned or untrusted package only with
     * the development flag.
     *
     * @throws PackageRefused saying how to sign or trust it
     */
    public static Verdict require(DriverPackage pkg, TrustedKeys trusted, boolean allowUnsigned)
            throws PackageRefused {
        Verdict v = check(pkg, trusted);
        if (v.trust() == Trust.TRUSTED || allowUnsigned) {
            return v;
        }
        if (v.trust() == Trust.UNSIGNED) {
            throw new PackageRefused(
                    pkg.where()
                            + ": the package is not signed; sign it (`weir driver sign FILE --key"
                            + " KEY`) with a key in "
                            + trusted.dir()
                            + " (`weir keys trust`), or run the gateway with"
                            + " --allow-unsigned-drivers (development only)");
        }
        throw new PackageRefused(
                pkg.where()
                        + ": signed by key "
                        + v.keyId()
                        + " (claims "
                        + io.weir.tools.cli.Terminal.escape(v.signer())
                        + "), which is not in "
                        + trusted.dir()
                        + "; trust it with `weir keys trust PUBFILE` or run the gateway with"
                        + " --allow-unsigned-drivers (development only)");
    }
}
