package io.weir.host.driver;

/**
 * A driver call ran past its time budget and was interrupted (ABI §9). It counts as a trap: the
 * instance is dead.
 */
public final class CallTimedOut extends DriverTrapped {
    private final long budgetMs;

    public CallTimedOut(String message, long budgetMs, Throwable cause) {
        this(message, null, budgetMs, cause);
    }

    public CallTimedOut(String message, String problem, long budgetMs, Throwable cause) {
        super(message, problem, null, cause);
        this.budgetMs = budgetMs;
    }

    /** The budget the call exceeded. */
    public long budgetMs() {
        return budgetMs;
    }
}
