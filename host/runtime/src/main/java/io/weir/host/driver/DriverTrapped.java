package io.weir.host.driver;

/**
 * A driver instance trapped (ABI §9): {@code unreachable}, an out-of-bounds access, a call to
 * {@code weir_host_v1.panic}, or a returned length beyond its region. The instance is dead; every
 * further call on it throws this again.
 */
public class DriverTrapped extends RuntimeException {
    private final String panicMessage;
    private final String problem;

    public DriverTrapped(String message, String panicMessage, Throwable cause) {
        this(message, null, panicMessage, cause);
    }

    /**
     * @param message the whole message: which driver, which instance, what happened
     * @param problem what happened, without the driver and instance (e.g. {@code weir_poll ran past
     *     its budget of 50 ms and was interrupted}), or {@code null} for the whole message
     */
    public DriverTrapped(String message, String problem, String panicMessage, Throwable cause) {
        super(message, cause);
        this.panicMessage = panicMessage;
        this.problem = problem;
    }

    /** What happened, without naming the driver and instance, for a message that names them. */
    public String problem() {
        return problem == null ? getMessage() : problem;
    }

    /** The message the driver passed to {@code weir_host_v1.panic}, or {@code null}. */
    public String panicMessage() {
        return panicMessage;
    }
}
