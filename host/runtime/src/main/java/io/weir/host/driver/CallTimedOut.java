package io.weir.host.driver;

/**
 * A driver call ran past its time budget and was interrupted (ABI §9). It counts as a trap: the
 * instance is dead.
 */
public final class CallTimedOut extends DriverTrapped {
    private final long budgetMs;

    public CallTimedOut(String message, long budgetMs, Throwable cause) {
        super(message, null, cause);
        this.budgetMs = budgetMs;
    }

    /** The budget the call exceeded. */
    public long budgetMs() {
        return budgetMs;
    }
}
