package io.weir.host.wasm;

/**
 * A module was refused by the static checks of ABI §3 before any of it ran: an import outside the
 * ABI, a missing or mistyped export, memory over the cap, bytes that are not WebAssembly. The
 * message names the module and the problem. The driver layer turns it into its {@code
 * DriverRefused}.
 */
public final class ModuleRefused extends RuntimeException {

    public ModuleRefused(String message) {
        super(message);
    }

    public ModuleRefused(String message, Throwable cause) {
        super(message, cause);
    }
}
