package io.weir.abi;

/** ABI.md §6.1: bit flags of a point record. Unknown bits are treated as zero (§3.3). */
public enum RecordFlag {
    NAMED(0, 0x01),
    DEVICE_TS(1, 0x02);

    private final int bit;
    private final int mask;

    RecordFlag(int bit, int mask) {
        this.bit = bit;
        this.mask = mask;
    }

    public int bit() {
        return bit;
    }

    public int mask() {
        return mask;
    }

    public boolean isSet(int flags) {
        return (flags & mask) != 0;
    }
}
