package io.weir.abi;

import java.util.ArrayList;
import java.util.List;

/**
 * ABI.md §4: the 64-byte layout struct that {@code weir_layout()} points to. All fields are u32,
 * little-endian; they are held as {@code long} so that a driver's out-of-range value is reported,
 * not wrapped.
 */
public record Layout(
        long magic,
        long size,
        long cfgPtr,
        long cfgCap,
        long rxPtr,
        long rxCap,
        long txPtr,
        long txCap,
        long outPtr,
        long outCap,
        long blobPtr,
        long blobCap,
        long statePtr,
        long stateCap,
        long errPtr,
        long errCap) {

    /** §4 minimum capacities. */
    public static final int MIN_CFG_CAP = 4096;

    public static final int MIN_RX_CAP = 512;
    public static final int MIN_TX_CAP = 512;
    public static final int MIN_OUT_CAP = Abi.RECORD_SIZE * 2048;
    public static final int MIN_BLOB_CAP = 4096;
    public static final int MIN_ERR_CAP = 128;

    /** §4: {@code out_ptr} is 8-byte aligned. */
    public static final int OUT_ALIGN = 8;

    /** Field names and byte offsets in the struct, in order, as ABI.md's table lists them. */
    public static final List<String> FIELD_NAMES =
            List.of(
                    "magic",
                    "size",
                    "cfg_ptr",
                    "cfg_cap",
                    "rx_ptr",
                    "rx_cap",
                    "tx_ptr",
                    "tx_cap",
                    "out_ptr",
                    "out_cap",
                    "blob_ptr",
                    "blob_cap",
                    "state_ptr",
                    "state_cap",
                    "err_ptr",
                    "err_cap");

    /** The byte offset of a field, e.g. {@code offsetOf("rx_cap") == 20}. */
    public static int offsetOf(String field) {
        int i = FIELD_NAMES.indexOf(field);
        if (i < 0) {
            throw new IllegalArgumentException("no layout field named " + field);
        }
        return 4 * i;
    }

    public Layout {
        long[] all = {
            magic, size, cfgPtr, cfgCap, rxPtr, rxCap, txPtr, txCap, outPtr, outCap, blobPtr,
            blobCap, statePtr, stateCap, errPtr, errCap
        };
        for (int i = 0; i < all.length; i++) {
            if (all[i] < 0 || all[i] > 0xFFFF_FFFFL) {
                throw new InvalidLayoutException(
                        FIELD_NAMES.get(i), "must be a u32, got " + all[i]);
            }
        }
    }

    /** Decodes the 64 bytes at {@code buf[off..]}; checks nothing but their count. */
    public static Layout decode(byte[] buf, int off) {
        if (off < 0 || buf.length - off < Abi.LAYOUT_SIZE) {
            throw new IllegalArgumentException(
                    "the layout needs 64 bytes at offset " + off + ", buffer has " + buf.length);
        }
        long[] f = new long[16];
        for (int i = 0; i < 16; i++) {
            f[i] = PointRecord.u32(buf, off + 4 * i) & 0xFFFF_FFFFL;
        }
        return new Layout(
                f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12],
                f[13], f[14], f[15]);
    }

    /** The 64 bytes of this layout. */
    public byte[] encode() {
        byte[] b = new byte[Abi.LAYOUT_SIZE];
        long[] f = values();
        for (int i = 0; i < 16; i++) {
            PointRecord.putU32(b, 4 * i, (int) f[i]);
        }
        return b;
    }

    /** The field values in struct order. */
    public long[] values() {
        return new long[] {
            magic, size, cfgPtr, cfgCap, rxPtr, rxCap, txPtr, txCap, outPtr, outCap, blobPtr,
            blobCap, statePtr, stateCap, errPtr, errCap
        };
    }

    /** A region of driver memory described by the layout. */
    public record Region(String name, long ptr, long cap) {
        public long end() {
            return ptr + cap;
        }
    }

    /** The seven regions in layout order: cfg, rx, tx, out, blob, state, err. */
    public List<Region> regions() {
        return List.of(
                new Region("cfg", cfgPtr, cfgCap),
                new Region("rx", rxPtr, rxCap),
                new Region("tx", txPtr, txCap),
                new Region("out", outPtr, outCap),
                new Region("blob", blobPtr, blobCap),
                new Region("state", statePtr, stateCap),
                new Region("err", errPtr, errCap));
    }

    /** The number of records {@code out} holds. */
    public int outRecords() {
        return (int) (outCap / Abi.RECORD_SIZE);
    }

    /**
     * Checks the layout as §4 says: magic and size, every region inside memory, {@code out_ptr}
     * 8-byte aligned and {@code out_cap} a multiple of 24, no two regions overlapping, every
     * capacity at its minimum. It also checks that the layout and meta structs lie inside memory
     * and that no region overlaps them, since the host writes into {@code cfg}, {@code rx} and
     * {@code state} and would otherwise overwrite the struct it is reading.
     *
     * @param layoutAddress the address returned by {@code weir_layout()}
     * @param memoryBytes the current size of linear memory
     * @throws InvalidLayoutException naming the first wrong field
     */
    public void validate(long layoutAddress, long memoryBytes) {
        if (magic != (Abi.LAYOUT_MAGIC & 0xFFFF_FFFFL)) {
            throw new InvalidLayoutException(
                    "magic",
                    String.format(
                            "is 0x%08x, expected 0x%08x (the bytes \"WEIR\")",
                            magic, Abi.LAYOUT_MAGIC));
        }
        if (size != Abi.LAYOUT_SIZE) {
            throw new InvalidLayoutException(
                    "size", "is " + size + ", expected " + Abi.LAYOUT_SIZE + " for ABI v1.0");
        }
        long structEnd = layoutAddress + Abi.LAYOUT_SIZE + Abi.META_SIZE;
        if (layoutAddress < 0 || structEnd > memoryBytes) {
            throw new InvalidLayoutException(
                    "weir_layout",
                    "layout and meta at "
                            + layoutAddress
                            + ".."
                            + structEnd
                            + " lie outside memory of "
                            + memoryBytes
                            + " bytes");
        }
        requireMin("cfg_cap", cfgCap, MIN_CFG_CAP);
        requireMin("rx_cap", rxCap, MIN_RX_CAP);
        requireMin("tx_cap", txCap, MIN_TX_CAP);
        requireMin("out_cap", outCap, MIN_OUT_CAP);
        requireMin("blob_cap", blobCap, MIN_BLOB_CAP);
        requireMin("err_cap", errCap, MIN_ERR_CAP);
        if (outCap % Abi.RECORD_SIZE != 0) {
            throw new InvalidLayoutException(
                    "out_cap", "is " + outCap + ", not a multiple of the record size 24");
        }
        if (outPtr % OUT_ALIGN != 0) {
            throw new InvalidLayoutException("out_ptr", "is " + outPtr + ", not 8-byte aligned");
        }
        List<Region> regions = new ArrayList<>(regions());
        for (Region r : regions) {
            if (r.end() > memoryBytes) {
                throw new InvalidLayoutException(
                        r.name() + "_ptr",
                        "region "
                                + r.name()
                                + " at "
                                + r.ptr()
                                + ".."
                                + r.end()
                                + " lies outside memory of "
                                + memoryBytes
                                + " bytes");
            }
        }
        Region struct = new Region("layout", layoutAddress, Abi.LAYOUT_SIZE + Abi.META_SIZE);
        for (int i = 0; i < regions.size(); i++) {
            Region a = regions.get(i);
            if (overlaps(a, struct)) {
                throw new InvalidLayoutException(
                        a.name() + "_ptr",
                        "region "
                                + a.name()
                                + " overlaps the layout and meta structs at "
                                + layoutAddress);
            }
            for (int j = i + 1; j < regions.size(); j++) {
                Region b = regions.get(j);
                if (overlaps(a, b)) {
                    throw new InvalidLayoutException(
                            b.name() + "_ptr",
                            "region "
                                    + b.name()
                                    + " at "
                                    + b.ptr()
                                    + ".."
                                    + b.end()
                                    + " overlaps region "
                                    + a.name()
                                    + " at "
                                    + a.ptr()
                                    + ".."
                                    + a.end());
                }
            }
        }
    }

    private static boolean overlaps(Region a, Region b) {
        if (a.cap() == 0 || b.cap() == 0) {
            return false;
        }
        return a.ptr() < b.end() && b.ptr() < a.end();
    }

    private static void requireMin(String field, long value, long min) {
        if (value < min) {
            throw new InvalidLayoutException(field, "is " + value + ", below the minimum " + min);
        }
    }

    /** A layout that breaks §4, naming the field. */
    public static final class InvalidLayoutException extends IllegalArgumentException {
        private final String field;

        public InvalidLayoutException(String field, String problem) {
            super("layout field " + field + ": " + problem + " (ABI §4)");
            this.field = field;
        }

        /** The offending field, e.g. {@code out_ptr}. */
        public String field() {
            return field;
        }
    }
}
