package io.weir.abi;

/**
 * ABI.md §6.1: bit flags of a point record. Unknown bits, and bits of a minor version above the
 * agreed one, are treated as zero (§3.3).
 */
public enum RecordFlag implements BitFlag {
    NAMED(0, Abi.MINOR_1_0),
    DEVICE_TS(1, Abi.MINOR_1_0),
    /** §6.3: the outcome of a write, not a reading. */
    WRITE_RESULT(2, Abi.MINOR_1_1),
    /** §6.3: describes the device or its link, not a point; {@code point} is 0. */
    DEVICE_STATUS(3, Abi.MINOR_1_1);

    /** The known bits by agreed minor version, computed once: {@code values()} copies an array. */
    private static final int[] KNOWN = new int[Abi.LATEST_MINOR + 1];

    static {
        for (int minor = 0; minor < KNOWN.length; minor++) {
            for (RecordFlag f : values()) {
                if (f.since <= minor) {
                    KNOWN[minor] |= f.mask();
                }
            }
        }
    }

    private final int bit;
    private final int since;

    RecordFlag(int bit, int since) {
        this.bit = bit;
        this.since = since;
    }

    @Override
    public int bit() {
        return bit;
    }

    /** The minor version that defined the flag. */
    public int since() {
        return since;
    }

    /** The bits a host honours with this agreed minor version; others read as zero (§3.3). */
    public static int known(int flags, int agreedMinor) {
        if (agreedMinor < 0) {
            return 0;
        }
        return flags & KNOWN[Math.min(agreedMinor, KNOWN.length - 1)];
    }
}
