package io.weir.host.wasm;

/**
 * What the host does when a driver calls the imports of {@code weir_host_v1} (ABI §3.1). The engine
 * reads the message from driver memory, truncated to 1024 bytes and decoded as UTF-8 with
 * replacement of malformed input.
 */
public interface HostImports {

    /** {@code weir_host_v1.log(level, ptr, len)}. Must not block. */
    void log(int level, String message);

    /**
     * {@code weir_host_v1.panic(ptr, len)}: the driver is about to trap. After this returns the
     * engine ends the call at once with a {@link WasmTrap} of kind {@link WasmTrap.Kind#PANIC}
     * carrying the message.
     */
    void panic(String message);
}
