package io.weir.tools.bench;

import io.weir.abi.Quality;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * The yardstick of the decode benchmark: a Modbus TCP reader for one FC3 request written the way a
 * Java developer would write it by hand — the point map parsed once into an array, the request
 * built in a byte array, the response checked field by field and decoded with shifts in one loop
 * into the same {@link Point}s the host makes of the driver's records. No reflection, no ByteBuffer
 * views, no per-point objects beyond the value and the point. It does the same checks as the WASM
 * driver (Messaging §3.1.3 MBAP header, AP §6.3 byte count, AP §7 exceptions), so that the two do
 * the same work.
 */
final class JavaModbusReader {

    private static final int MBAP = 7;

    private final String device;
    private final String[] names;
    private final RegisterPointMap.Entry[] points;
    private final int unit = 1;
    private final int start;
    private final int quantity;
    private int nextTransaction = 1;
    private int outstanding = -1;
    private boolean sent;

    JavaModbusReader(String device, RegisterPointMap map) {
        this.device = device;
        this.names = map.pointNames().toArray(String[]::new);
        this.points = map.points().toArray(RegisterPointMap.Entry[]::new);
        this.start = map.start();
        this.quantity = map.quantity();
    }

    /**
     * The next request of the cycle, or {@code null} at its end (one request per cycle).
     *
     * @return MBAP header and FC3 PDU
     */
    byte[] poll() {
        if (sent) {
            sent = false;
            return null;
        }
        int t = nextTransaction;
        nextTransaction = (t + 1) & 0xFFFF;
        outstanding = t;
        sent = true;
        return new byte[] {
            (byte) (t >> 8),
            (byte) t,
            0,
            0,
            0,
            6,
            (byte) unit,
            3,
            (byte) (start >> 8),
            (byte) start,
            (byte) (quantity >> 8),
            (byte) quantity
        };
    }

    /** The transaction id of the outstanding request, for tests and the benchmark's frames. */
    int outstanding() {
        return outstanding;
    }

    /** Bytes of the frame at {@code buf[0..]}, 0 if more are needed, -1 if it is no MBAP frame. */
    static int frameLength(byte[] buf, int len) {
        if (len < 6) {
            return 0;
        }
        if (buf[2] != 0 || buf[3] != 0) {
            return -1;
        }
        int length = ((buf[4] & 0xFF) << 8) | (buf[5] & 0xFF);
        if (length < 2 || length > 254) {
            return -1;
        }
        return len >= 6 + length ? 6 + length : 0;
    }

    /**
     * Decodes the response to the outstanding request.
     *
     * @throws IllegalArgumentException for a frame that does not answer it
     */
    List<Point> decode(byte[] f, int len, long nowMillis) {
        if (len < MBAP + 2) {
            throw new IllegalArgumentException("frame of " + len + " bytes is too short");
        }
        int transaction = ((f[0] & 0xFF) << 8) | (f[1] & 0xFF);
        int length = ((f[4] & 0xFF) << 8) | (f[5] & 0xFF);
        if (f[2] != 0 || f[3] != 0 || length != len - 6) {
            throw new IllegalArgumentException("bad MBAP header");
        }
        if (transaction != outstanding) {
            throw new IllegalArgumentException(
                    "transaction " + transaction + " does not match " + outstanding);
        }
        if ((f[6] & 0xFF) != unit) {
            throw new IllegalArgumentException("unit " + (f[6] & 0xFF) + " does not match");
        }
        int function = f[7] & 0xFF;
        List<Point> out = new ArrayList<>(points.length);
        if (function == (3 | 0x80)) {
            Value code = Value.u64(f[8] & 0xFF);
            for (String n : names) {
                out.add(
                        new Point(
                                device,
                                n,
                                code,
                                Quality.BAD_DEVICE.code(),
                                nowMillis,
                                "exception " + (f[8] & 0xFF)));
            }
            outstanding = -1;
            return out;
        }
        if (function != 3) {
            throw new IllegalArgumentException("function " + function + " does not answer FC3");
        }
        int count = f[8] & 0xFF;
        if (count != quantity * 2 || count != len - MBAP - 2) {
            throw new IllegalArgumentException("byte count " + count + " does not match");
        }
        int data = MBAP + 2;
        for (int i = 0; i < points.length; i++) {
            RegisterPointMap.Entry p = points[i];
            int at = data + 2 * (p.address() - start);
            out.add(new Point(device, names[i], value(p, f, at), 0, nowMillis, null));
        }
        outstanding = -1;
        return out;
    }

    private static int register(byte[] f, int at) {
        return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
    }

    private static int swap(int r) {
        return ((r & 0xFF) << 8) | (r >> 8);
    }

    private static Value value(RegisterPointMap.Entry p, byte[] f, int at) {
        RegisterPointMap.Order o = p.order();
        boolean swapBytes = o == RegisterPointMap.Order.BADC || o == RegisterPointMap.Order.DCBA;
        boolean swapWords = o == RegisterPointMap.Order.CDAB || o == RegisterPointMap.Order.DCBA;
        long raw;
        switch (p.type()) {
            case BOOL:
                return Value.of((register(f, at) >> p.bit() & 1) == 1);
            case U16:
            case I16:
                raw = swapBytes ? swap(register(f, at)) : register(f, at);
                break;
            case U32:
            case I32:
            case F32:
                {
                    long hi = register(f, at);
                    long lo = register(f, at + 2);
                    if (swapBytes) {
                        hi = swap((int) hi);
                        lo = swap((int) lo);
                    }
                    raw = swapWords ? (lo << 16) | hi : (hi << 16) | lo;
                    break;
                }
            default:
                {
                    raw = 0;
                    for (int w = 0; w < 4; w++) {
                        int r = register(f, at + 2 * (swapWords ? 3 - w : w));
                        raw = (raw << 16) | (swapBytes ? swap(r) : r);
                    }
                }
        }
        double number;
        Value exact;
        switch (p.type()) {
            case U16:
            case U32:
            case U64:
                exact = Value.u64(raw);
                number = p.type() == RegisterPointMap.Type.U64 ? unsigned(raw) : raw;
                break;
            case I16:
                number = (short) raw;
                exact = Value.i64((short) raw);
                break;
            case I32:
                number = (int) raw;
                exact = Value.i64((int) raw);
                break;
            case I64:
                number = raw;
                exact = Value.i64(raw);
                break;
            case F32:
                number = Float.intBitsToFloat((int) raw);
                exact = Value.f64(number);
                break;
            default:
                number = Double.longBitsToDouble(raw);
                exact = Value.f64(number);
        }
        return p.scaled() ? Value.f64(number * p.scale() + p.offset()) : exact;
    }

    /** A u64 as the nearest double (halving keeps the lost bit sticky, so rounding is exact). */
    private static double unsigned(long v) {
        return v >= 0 ? v : (double) ((v >>> 1) | (v & 1)) * 2.0;
    }
}
