package io.weir.abi;

/**
 * ABI.md §7.1 (1.2): the bits {@code weir_poll} writes to {@code meta.req_flags} with a request.
 * Unknown bits are treated as zero (§3.3).
 */
public enum RequestFlag implements BitFlag {
    /**
     * The request is the last of its cycle: once its response is handled (or its timeout, or, with
     * {@code meta.expect} 0, once it is sent) the host ends the cycle without the closing {@code
     * weir_poll}.
     */
    LAST(0);

    private final int bit;

    RequestFlag(int bit) {
        this.bit = bit;
    }

    @Override
    public int bit() {
        return bit;
    }
}
