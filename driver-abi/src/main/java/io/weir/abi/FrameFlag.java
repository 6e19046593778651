package io.weir.abi;

/**
 * ABI.md §7.3 (1.1): the bits {@code weir_on_frame} writes to {@code meta.frame_flags}. Unknown
 * bits are treated as zero (§3.3).
 */
public enum FrameFlag {
    /**
     * The frame is not the answer to the outstanding request: its records are readings and the host
     * keeps waiting, the timeout still running from the request.
     */
    NOT_ANSWER(0, 0x01),
    /**
     * The driver has a request to send in reaction to the frame: the host calls {@code weir_poll}
     * as soon as no request is outstanding.
     */
    POLL_NOW(1, 0x02);

    private final int bit;
    private final int mask;

    FrameFlag(int bit, int mask) {
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
