package io.weir.host.poll;

/**
 * What became of a write (ABI §7.6): the device's acknowledgement, its exception, a timeout, or the
 * reason it was never sent. A write result is an answer to the caller, never a point reading.
 *
 * @param outcome what happened
 * @param detail the driver's or the host's words for it ({@code null} when acknowledged)
 * @param exceptionCode the device's exception code for {@link Outcome#DEVICE_EXCEPTION}, else -1
 */
public record WriteResult(Outcome outcome, String detail, long exceptionCode) {

    /** How a write ended. */
    public enum Outcome {
        /** The device confirmed the write (or the protocol expects no answer and it was sent). */
        ACKNOWLEDGED,
        /** The device answered with an exception. */
        DEVICE_EXCEPTION,
        /** No answer within the request's timeout. */
        TIMEOUT,
        /** The driver refused to encode it: a read-only point, a value out of range. */
        REFUSED,
        /** The link was down or went down before the answer. */
        LINK_DOWN,
        /** The device cannot take writes now: stopped, quarantined, its config refused. */
        UNAVAILABLE
    }

    public WriteResult {
        if (outcome == null) {
            throw new IllegalArgumentException("a write result needs an outcome");
        }
    }

    static WriteResult acknowledged() {
        return new WriteResult(Outcome.ACKNOWLEDGED, null, -1);
    }

    static WriteResult of(Outcome outcome, String detail) {
        return new WriteResult(outcome, detail, -1);
    }

    public boolean ok() {
        return outcome == Outcome.ACKNOWLEDGED;
    }
}
