package io.weir.host.poll;

import io.weir.host.points.Value;

/**
 * What became of a write (ABI §7.6): the device's acknowledgement, its exception, a timeout, or the
 * reason it was never sent. A write result is an answer to the caller, never a point reading.
 *
 * @param outcome what happened
 * @param detail the driver's or the host's words for it ({@code null} when acknowledged)
 * @param exceptionCode the device's exception code for {@link Outcome#DEVICE_EXCEPTION}, else -1
 * @param confirmed the value the device confirmed, from a driver with agreed version 1.1 whose
 *     {@code WRITE_RESULT} record carries one (ABI §6.3; {@link Value#NULL} when the response
 *     carries none); {@code null} when the driver reports no confirmed value
 */
public record WriteResult(Outcome outcome, String detail, long exceptionCode, Value confirmed) {

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

    /** A result without a confirmed value. */
    public WriteResult(Outcome outcome, String detail, long exceptionCode) {
        this(outcome, detail, exceptionCode, null);
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
