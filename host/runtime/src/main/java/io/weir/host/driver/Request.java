package io.weir.host.driver;

/**
 * A request frame a driver built into {@code tx} ({@code weir_poll}, {@code weir_write}), with the
 * meta fields that go with it (ABI §4, §7.1).
 *
 * @param bytes the frame; empty when {@code weir_poll} ended the cycle
 * @param expectResponse {@code meta.expect}
 * @param timeoutMs {@code meta.timeout_ms}; 0 = host default
 */
public record Request(byte[] bytes, boolean expectResponse, int timeoutMs) {

    /** The end of a cycle: {@code weir_poll} returned 0. */
    public static final Request END_OF_CYCLE = new Request(new byte[0], false, 0);

    public Request {
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeout_ms must be ≥ 0, got " + timeoutMs);
        }
    }

    public boolean endOfCycle() {
        return bytes.length == 0;
    }
}
