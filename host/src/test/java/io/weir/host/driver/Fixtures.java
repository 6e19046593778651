package io.weir.host.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The WAT fixture drivers under {@code src/test/resources/wasm/}. */
public final class Fixtures {
    private Fixtures() {}

    public static byte[] wasm(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/wasm/" + name + ".wasm")) {
            if (in == null) {
                throw new IllegalStateException("no fixture /wasm/" + name + ".wasm");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fixture frame: 0xAA, count, then the values as little-endian i64. */
    public static byte[] frame(long... values) {
        byte[] b = new byte[2 + 8 * values.length];
        b[0] = (byte) 0xAA;
        b[1] = (byte) values.length;
        for (int i = 0; i < values.length; i++) {
            for (int k = 0; k < 8; k++) {
                b[2 + 8 * i + k] = (byte) (values[i] >>> (8 * k));
            }
        }
        return b;
    }

    /** A fixture command frame: 0xAA then a command count 0xF8..0xFF. */
    public static byte[] command(int code) {
        return new byte[] {(byte) 0xAA, (byte) code};
    }

    public static final int TRAP = 0xFF;
    public static final int LOOP = 0xFE;
    public static final int PANIC = 0xFD;
    public static final int DEVICE_EXCEPTION = 0xFC;
    public static final int NAMED = 0xFB;
    public static final int TOO_MANY_RECORDS = 0xFA;
    public static final int NOT_AN_ANSWER = 0xF9;
}
