package io.weir.host.driver;

/**
 * A request frame a driver built into {@code tx} ({@code weir_poll}, {@code weir_write}), with the
 * meta fields that go with it (ABI §4, §7.1).
 *
 * @param bytes the frame; empty when {@code weir_poll} ended the cycle
 * @param expectResponse {@code meta.expect}
 * @param timeoutMs {@code meta.timeout_ms}; 0 = host default
 * @param lastOfCycle the request flag {@code LAST} in {@code meta.req_flags} (ABI v1.2 §7.1): the
 *     host ends the cycle once this request is over, without a closing {@code weir_poll}; only for
 *     a {@code weir_poll} request with agreed version 1.2
 */
public record Request(byte[] bytes, boolean expectResponse, int timeoutMs, boolean lastOfCycle) {

    /** The end of a cycle: {@code weir_poll} returned 0. */
    public static final Request END_OF_CYCLE = new Request(new byte[0], false, 0, false);

    public Request {
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeout_ms must be ≥ 0, got " + timeoutMs);
        }
        if (lastOfCycle && bytes.length == 0) {
            throw new IllegalArgumentException("the end of a cycle is no request to mark LAST");
        }
    }

    /** A request without request flags, as every request before ABI v1.2. */
    public Request(byte[] bytes, boolean expectResponse, int timeoutMs) {
        this(bytes, expectResponse, timeoutMs, false);
    }

    public boolean endOfCycle() {
        return bytes.length == 0;
    }
}
