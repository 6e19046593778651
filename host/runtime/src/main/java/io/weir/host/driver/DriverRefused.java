package io.weir.host.driver;

/**
 * A driver module was refused before it ran, because it breaks the Weir driver ABI (an import
 * outside the ABI, a missing export, a bad layout, too much memory …). The message says what was
 * wrong.
 */
public final class DriverRefused extends RuntimeException {

    public DriverRefused(String message) {
        super(message);
    }

    public DriverRefused(String message, Throwable cause) {
        super(message, cause);
    }
}
