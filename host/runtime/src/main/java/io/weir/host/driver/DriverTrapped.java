package io.weir.host.driver;

/**
 * A driver instance trapped (ABI §9): {@code unreachable}, an out-of-bounds access, a call to
 * {@code weir_host_v1.panic}, or a returned length beyond its region. The instance is dead; every
 * further call on it throws this again.
 */
public class DriverTrapped extends RuntimeException {
    private final String panicMessage;

    public DriverTrapped(String message, String panicMessage, Throwable cause) {
        super(message, cause);
        this.panicMessage = panicMessage;
    }

    /** The message the driver passed to {@code weir_host_v1.panic}, or {@code null}. */
    public String panicMessage() {
        return panicMessage;
    }
}
