package io.weir.host.driver;

import io.weir.abi.AbiError;

/**
 * A driver call returned a negative ABI error code (ABI §8). The instance is still usable: this is
 * the driver saying no, not a driver bug.
 */
public final class DriverException extends Exception {
    private final AbiError error;
    private final int code;
    private final String call;
    private final String driverText;

    public DriverException(String call, int code, String driverText) {
        super(
                call
                        + " returned "
                        + AbiError.of(code).name()
                        + (AbiError.of(code).code() == code ? "" : " (unknown code " + code + ")")
                        + (driverText == null || driverText.isEmpty() ? "" : ": " + driverText));
        this.error = AbiError.of(code);
        this.code = code;
        this.call = call;
        this.driverText = driverText == null ? "" : driverText;
    }

    /** The error; an unknown negative code is {@link AbiError#E_INTERNAL} (§8). */
    public AbiError error() {
        return error;
    }

    /** The raw code the driver returned. */
    public int code() {
        return code;
    }

    /** The export that failed, e.g. {@code weir_open}. */
    public String call() {
        return call;
    }

    /** The driver's explanation from {@code weir_last_error}, or empty. */
    public String driverText() {
        return driverText;
    }
}
