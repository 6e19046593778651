package io.weir.tools.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.PackageRefused;
import io.weir.host.lifecycle.PackageWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SM2-with-SM3 and Ed25519 package signatures against the trusted keys of a data folder. */
class PackageSignatureTest {
    @TempDir Path tmp;

    @Test
    void sm2AndEd25519SignaturesByTrustedKeysPass() throws Exception {
        Path pkg = TestDrivers.pack(tmp, "0.1.0");
        Path data = tmp.resolve("data");
        for (SigningKeys.Algorithm alg : SigningKeys.Algorithm.values()) {
            Path key =
                    TestDrivers.trustedKey(tmp.resolve("keys-" + alg), "vendor-" + alg, alg, data);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                    .isEqualTo("rw-------");
            TestDrivers.sign(pkg, key);
            PackageSignature.Verdict v =
                    PackageSignature.require(DriverPackage.read(pkg), new TrustedKeys(data), false);
            assertThat(v.trust()).isEqualTo(PackageSignature.Trust.TRUSTED);
            assertThat(v.signer()).isEqualTo("vendor-" + alg);
            assertThat(PackageSignature.parse("x", DriverPackage.read(pkg).signature()).algorithm())
                    .isEqualTo(alg);
        }
    }

    @Test
    void sm2UsesTheDefaultUserId() throws Exception {
        KeyPair k = SigningKeys.generate(SigningKeys.Algorithm.SM2);
        byte[] msg = "weir".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = SigningKeys.sign(k.getPrivate(), msg);
        // An independent SM2 verifier with the GM/T 0009 default ID 1234567812345678 accepts it.
        org.bouncycastle.crypto.signers.SM2Signer v =
                new org.bouncycastle.crypto.signers.SM2Signer();
        org.bouncycastle.crypto.params.ECPublicKeyParameters p =
                (org.bouncycastle.crypto.params.ECPublicKeyParameters)
                        org.bouncycastle.crypto.util.PublicKeyFactory.createKey(
                                k.getPublic().getEncoded());
        v.init(
                false,
                new org.bouncycastle.crypto.params.ParametersWithID(
                        p, "1234567812345678".getBytes(StandardCharsets.US_ASCII)));
        v.update(msg, 0, msg.length);
        assertThat(v.verifySignature(sig)).isTrue();
    }

    @Test
    void unsignedAndUntrustedPackagesAreRefusedUnlessAllowed() throws Exception {
        Path pkg = TestDrivers.pack(tmp, "0.1.0");
        Path data = tmp.resolve("data");
        TrustedKeys trusted = new TrustedKeys(data);
        assertThatThrownBy(() -> PackageSignature.require(DriverPackage.read(pkg), trusted, false))
                .isInstanceOf(PackageRefused.class)
                .hasMessageStartingWith("modbus-0.1.0.wdrv: the package is not signed;")
                .hasMessageContaining("--allow-unsigned-drivers");
        assertThat(PackageSignature.require(DriverPackage.read(pkg), trusted, true).trust())
                .isEqualTo(PackageSignature.Trust.UNSIGNED);

        Path stranger = tmp.resolve("stranger");
        SigningKeys.write(
                SigningKeys.generate(SigningKeys.Algorithm.ED25519), stranger, "stranger");
        TestDrivers.sign(pkg, stranger.resolve("stranger.key"));
        assertThatThrownBy(() -> PackageSignature.require(DriverPackage.read(pkg), trusted, false))
                .hasMessageContaining("which is not in " + trusted.dir());
    }

    @Test
    void aPackageChangedAfterSigningIsRefusedWhateverThePolicy() throws Exception {
        Path pkg = TestDrivers.pack(tmp, "0.1.0");
        Path data = tmp.resolve("data");
        Path key =
                TestDrivers.trustedKey(tmp.resolve("k"), "acme", SigningKeys.Algorithm.SM2, data);
        TestDrivers.sign(pkg, key);
        DriverPackage signed = DriverPackage.read(pkg);
        // Another package (0.1.1) with the 0.1.0 signature copied over.
        Path other = TestDrivers.pack(tmp, "0.1.1");
        PackageWriter.withSignature(DriverPackage.read(other), signed.signature(), other);
        assertThatThrownBy(
                        () ->
                                PackageSignature.require(
                                        DriverPackage.read(other), new TrustedKeys(data), true))
                .hasMessageContaining(
                        "bad signature: it does not match the package's content under the trusted key acme");
    }
}
