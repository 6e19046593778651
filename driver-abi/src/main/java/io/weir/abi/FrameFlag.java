package io.weir.abi;

/**
 * ABI.md §7.3 (1.1): the bits {@code weir_on_frame} writes to {@code meta.frame_flags}. Unknown
 * bits are treated as zero (§3.3).
 */
public enum FrameFlag implements BitFlag {
    /**
     * The frame is not the answer to the outstanding request: its records are readings and the host
     * keeps waiting, the timeout still running from the request.
     */
    NOT_ANSWER(0),
    /**
     * The driver has a request to send in reaction to the frame: the host calls {@code weir_poll}
     * as soon as no request is outstanding.
     */
    POLL_NOW(1);

    private final int bit;

    FrameFlag(int bit) {
        this.bit = bit;
    }

    @Override
    public int bit() {
        return bit;
    }
}
