package io.weir.host.wasm;

/**
 * A call into an instance ended abnormally: a trap ({@code unreachable}, out-of-bounds access,
 * stack exhaustion …), a driver panic, or an interrupt of the calling thread. After any of them the
 * instance must not be called again (ABI §9): the engine does not poison it itself.
 */
public final class WasmTrap extends RuntimeException {

    /** Why the call ended. */
    public enum Kind {
        /** The WebAssembly code trapped. */
        TRAP,
        /** The driver called {@code weir_host_v1.panic}. */
        PANIC,
        /** The calling thread was interrupted (the watchdog's deadline). */
        INTERRUPTED
    }

    private final Kind kind;

    public WasmTrap(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
