package io.weir.tools.sim;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The memory an S7 simulator serves: data blocks of given sizes, flags (M), inputs (I), outputs
 * (Q), timers and counters (two bytes each). Reads and writes take the same lock as the generators'
 * tick, so a multi-byte value is never torn between two ticks.
 */
public final class S7Memory {
    /** Sizes of the areas outside data blocks, as a small S7-300 CPU has them. */
    public static final int FLAG_BYTES = 256;

    public static final int INPUT_BYTES = 128;
    public static final int OUTPUT_BYTES = 128;
    public static final int TIMERS = 64;
    public static final int COUNTERS = 64;

    /** Item return codes (Wireshark s7comm_item_return_valuenames). */
    public static final int RC_SUCCESS = 0xFF;

    public static final int RC_ACCESS_DENIED = 0x03;
    public static final int RC_OUT_OF_RANGE = 0x05;
    public static final int RC_TYPE_NOT_SUPPORTED = 0x06;
    public static final int RC_TYPE_INCONSISTENT = 0x07;
    public static final int RC_NO_OBJECT = 0x0A;

    private final Object lock = new Object();
    private final Map<Integer, byte[]> dbs = new TreeMap<>();
    private final byte[] flags = new byte[FLAG_BYTES];
    private final byte[] inputs = new byte[INPUT_BYTES];
    private final byte[] outputs = new byte[OUTPUT_BYTES];
    private final byte[] timers = new byte[2 * TIMERS];
    private final byte[] counters = new byte[2 * COUNTERS];

    /**
     * @param dbSizes data block number → size in bytes (DB1..DB65535, 1..65536 bytes)
     */
    public S7Memory(Map<Integer, Integer> dbSizes) {
        dbSizes.forEach(
                (n, size) -> {
                    if (n < 1 || n > 65535) {
                        throw new IllegalArgumentException("DB" + n + ": DB numbers are 1..65535");
                    }
                    if (size < 1 || size > 65536) {
                        throw new IllegalArgumentException(
                                "DB" + n + ": size " + size + " is not 1..65536 bytes");
                    }
                    dbs.put(n, new byte[size]);
                });
    }

    /** Data block number → size, in number order. */
    public Map<Integer, Integer> dbSizes() {
        Map<Integer, Integer> sizes = new TreeMap<>();
        dbs.forEach((n, b) -> sizes.put(n, b.length));
        return Collections.unmodifiableMap(sizes);
    }

    /** The bytes of an area, or {@code null} if the simulator has no such DB. */
    private byte[] area(S7Area area, int db) {
        return switch (area) {
            case DB -> dbs.get(db);
            case M -> flags;
            case I -> inputs;
            case Q -> outputs;
            case T -> timers;
            case C -> counters;
        };
    }

    /**
     * Why {@code length} bytes from {@code offset} of an area cannot be had: {@link #RC_NO_OBJECT}
     * for a data block that does not exist, {@link #RC_OUT_OF_RANGE} past its end; {@link
     * #RC_SUCCESS} if they can.
     */
    public int check(S7Area area, int db, long offset, long length) {
        byte[] b = area(area, db);
        if (b == null) {
            return RC_NO_OBJECT;
        }
        return offset < 0 || length < 0 || offset + length > b.length
                ? RC_OUT_OF_RANGE
                : RC_SUCCESS;
    }

    /** A copy of {@code length} bytes from {@code offset}; {@link #check} first. */
    public byte[] read(S7Area area, int db, int offset, int length) {
        synchronized (lock) {
            byte[] out = new byte[length];
            System.arraycopy(area(area, db), offset, out, 0, length);
            return out;
        }
    }

    /** Stores {@code data} at {@code offset}; {@link #check} first. */
    public void write(S7Area area, int db, int offset, byte[] data) {
        synchronized (lock) {
            System.arraycopy(data, 0, area(area, db), offset, data.length);
        }
    }

    /** Sets or clears one bit; {@link #check} first. */
    public void writeBit(S7Area area, int db, int offset, int bit, boolean on) {
        synchronized (lock) {
            byte[] b = area(area, db);
            b[offset] = (byte) (on ? b[offset] | 1 << bit : b[offset] & ~(1 << bit));
        }
    }

    /** Whether {@code value} lies inside what this memory serves; the reason if it does not. */
    public String misfit(S7Address a) {
        long offset = a.area() == S7Area.T || a.area() == S7Area.C ? 2L * a.offset() : a.offset();
        return switch (check(a.area(), a.db(), offset, a.size())) {
            case RC_NO_OBJECT ->
                    a + ": the simulator serves no DB" + a.db() + " (add --db " + a.db() + ":SIZE)";
            case RC_OUT_OF_RANGE -> a + ": runs past the end of its area";
            default -> null;
        };
    }

    /** Applies generated values, all under one lock. */
    void apply(Iterable<S7SimValue> values, double t, boolean includeConstants) {
        synchronized (lock) {
            for (S7SimValue v : values) {
                if (v.constant() && !includeConstants) {
                    continue;
                }
                S7Address a = v.address();
                byte[] bytes = v.bytes(t);
                if (a.width() == S7Address.Width.BIT) {
                    writeBit(a.area(), a.db(), a.offset(), a.bit(), bytes[0] != 0);
                } else {
                    int offset = a.width() == S7Address.Width.NUMBER ? 2 * a.offset() : a.offset();
                    write(a.area(), a.db(), offset, bytes);
                }
            }
        }
    }
}
