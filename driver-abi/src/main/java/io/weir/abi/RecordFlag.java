package io.weir.abi;

/**
 * ABI.md §6.1: bit flags of a point record. Unknown bits, and bits of a minor version above the
 * agreed one, are treated as zero (§3.3).
 */
public enum RecordFlag {
    NAMED(0, 0x01, Abi.MINOR_1_0),
    DEVICE_TS(1, 0x02, Abi.MINOR_1_0),
    /** §6.3: the outcome of a write, not a reading. */
    WRITE_RESULT(2, 0x04, Abi.MINOR_1_1),
    /** §6.3: describes the device or its link, not a point; {@code point} is 0. */
    DEVICE_STATUS(3, 0x08, Abi.MINOR_1_1);

    private final int bit;
    private final int mask;
    private final int since;

    RecordFlag(int bit, int mask, int since) {
        this.bit = bit;
        this.mask = mask;
        this.since = since;
    }

    public int bit() {
        return bit;
    }

    public int mask() {
        return mask;
    }

    /** The minor version that defined the flag. */
    public int since() {
        return since;
    }

    public boolean isSet(int flags) {
        return (flags & mask) != 0;
    }

    /**
     * {@link #values()} once: the host asks {@link #known} for every record it reads, and each
     * {@code values()} is a fresh copy of the array (the largest allocation of a cycle in JFR).
     */
    private static final RecordFlag[] ALL = values();

    /** The bits a host honours with this agreed minor version; others read as zero (§3.3). */
    public static int known(int flags, int agreedMinor) {
        int known = 0;
        for (RecordFlag f : ALL) {
            if (f.since <= agreedMinor) {
                known |= f.mask;
            }
        }
        return flags & known;
    }
}
