package io.weir.host.wasm;

/** An exported function of an instance, bound once and called many times. */
@FunctionalInterface
public interface WasmFunction {

    /**
     * Calls the function on the current thread.
     *
     * @return the single result, or 0 for a function with no result
     * @throws WasmTrap on a trap, a panic or an interrupt of the calling thread
     */
    long call(long... args);
}
