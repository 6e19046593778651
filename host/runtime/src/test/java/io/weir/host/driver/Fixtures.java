package io.weir.host.driver;

import io.weir.abi.Abi;
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

    /** A fixture spin command: 0xAA, 0xF7, then the iteration count as a little-endian u64. */
    public static byte[] spin(long iterations) {
        byte[] b = new byte[10];
        b[0] = (byte) 0xAA;
        b[1] = (byte) SPIN;
        for (int k = 0; k < 8; k++) {
            b[2 + k] = (byte) (iterations >>> (8 * k));
        }
        return b;
    }

    /** Polls until the fixture sends its request, so that a frame answers it. */
    public static Request request(DriverInstance d, int dev, long nowUs) throws DriverException {
        Request r = d.poll(dev, nowUs);
        return r.endOfCycle() ? d.poll(dev, nowUs) : r;
    }

    /**
     * Spends the cold-start grace (ABI §9) of {@code weir_poll} and {@code weir_on_frame} of the
     * instance's module with ordinary calls, so that the next calls have the call budget.
     */
    public static void warm(DriverInstance d, int dev, long nowUs) throws DriverException {
        for (int i = 0; i < Abi.COLD_START_CALLS; i++) {
            request(d, dev, nowUs);
            d.onFrame(dev, frame(i), 0, 10, nowUs);
        }
    }

    public static final int SPIN = 0xF7;
    public static final int TRAP = 0xFF;
    public static final int LOOP = 0xFE;
    public static final int PANIC = 0xFD;
    public static final int DEVICE_EXCEPTION = 0xFC;
    public static final int NAMED = 0xFB;
    public static final int TOO_MANY_RECORDS = 0xFA;
    public static final int NOT_AN_ANSWER = 0xF9;
}
