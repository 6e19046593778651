package io.weir.host.uplink;

/**
 * A receiver refused an envelope. The {@link Reason} code travels back to the gateway in the ACK
 * frame (UPLINK.md §5.2) and is logged on both sides with the message.
 */
public final class EnvelopeRejected extends Exception {

    /** Why an envelope was refused; codes are on the wire (UPLINK.md §6). */
    public enum Reason {
        MALFORMED(1),
        BAD_MAGIC(2),
        UNSUPPORTED_VERSION(3),
        UNSUPPORTED_SUITE(4),
        UNKNOWN_FLAGS(5),
        GATEWAY_MISMATCH(6),
        UNKNOWN_RECIPIENT_KEY(7),
        DEK_ID_MISMATCH(8),
        SIGNATURE_MISSING(9),
        BAD_SIGNATURE(10),
        DEK_UNWRAP_FAILED(11),
        AUTH_TAG_MISMATCH(12),
        PAYLOAD_MALFORMED(13),
        REPLAY_CONFLICT(14),
        STORE_FAILED(15);

        public final int code;

        Reason(int code) {
            this.code = code;
        }

        public static Reason ofCode(int code) {
            for (Reason r : values()) {
                if (r.code == code) {
                    return r;
                }
            }
            return MALFORMED;
        }
    }

    private final Reason reason;
    private final String detail;

    public EnvelopeRejected(Reason reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
        this.detail = detail;
    }

    public Reason reason() {
        return reason;
    }

    /** The message without the reason: what the ACK carries next to the reason code. */
    public String detail() {
        return detail;
    }
}
