package io.weir.receiver;

import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.util.BigIntegers;

/**
 * The two encodings of one SM2 ciphertext (GB/T 32918.4 §6, C1C3C2 order): raw {@code 04 || x || y
 * || C3 || C2}, what the envelope carries (UPLINK.md §4.2), and the DER {@code SM2Cipher} of GM/T
 * 0009 §7.2 ({@code SEQUENCE {x INTEGER, y INTEGER, hash OCTET STRING, ciphertext OCTET STRING}}),
 * what OpenSSL and kona-crypto produce.
 */
final class Sm2Ciphertext {
    private Sm2Ciphertext() {}

    static byte[] rawToDer(byte[] raw) throws Exception {
        if (raw[0] != 0x04) {
            throw new IllegalArgumentException("raw SM2 ciphertext must start with 04");
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(raw, 1, 33));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(raw, 33, 65));
        byte[] c3 = Arrays.copyOfRange(raw, 65, 97);
        byte[] c2 = Arrays.copyOfRange(raw, 97, raw.length);
        return new DERSequence(
                        new ASN1Encodable[] {
                            new ASN1Integer(x),
                            new ASN1Integer(y),
                            new DEROctetString(c3),
                            new DEROctetString(c2)
                        })
                .getEncoded("DER");
    }

    static byte[] derToRaw(byte[] der) {
        ASN1Sequence s = ASN1Sequence.getInstance(der);
        byte[] x =
                BigIntegers.asUnsignedByteArray(
                        32, ASN1Integer.getInstance(s.getObjectAt(0)).getValue());
        byte[] y =
                BigIntegers.asUnsignedByteArray(
                        32, ASN1Integer.getInstance(s.getObjectAt(1)).getValue());
        byte[] c3 = ASN1OctetString.getInstance(s.getObjectAt(2)).getOctets();
        byte[] c2 = ASN1OctetString.getInstance(s.getObjectAt(3)).getOctets();
        byte[] raw = new byte[1 + 64 + c3.length + c2.length];
        raw[0] = 0x04;
        System.arraycopy(x, 0, raw, 1, 32);
        System.arraycopy(y, 0, raw, 33, 32);
        System.arraycopy(c3, 0, raw, 65, c3.length);
        System.arraycopy(c2, 0, raw, 65 + c3.length, c2.length);
        return raw;
    }
}
