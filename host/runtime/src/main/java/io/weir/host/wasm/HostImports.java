package io.weir.host.wasm;

import java.util.function.Supplier;

/**
 * What the host does when a driver calls the imports of {@code weir_host_v1} (ABI §3.1). The engine
 * reads the message from driver memory, truncated to 1024 bytes and decoded as UTF-8 with
 * replacement of malformed input.
 */
public interface HostImports {

    /**
     * {@code weir_host_v1.log(level, ptr, len)}. Must not block.
     *
     * @param message reads the message from driver memory when asked: a message the rate limit
     *     drops costs no copy and no decoding, so a driver flooding the log spends little of its
     *     own budget on it
     */
    void log(int level, Supplier<String> message);

    /**
     * {@code weir_host_v1.panic(ptr, len)}: the driver is about to trap. After this returns the
     * engine ends the call at once with a {@link WasmTrap} of kind {@link WasmTrap.Kind#PANIC}
     * carrying the message.
     */
    void panic(String message);
}
