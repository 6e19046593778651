package io.weir.host.wasm;

/**
 * The host's own view of a WebAssembly runtime. Everything engine-specific (today Chicory, later
 * perhaps Endive) stays behind this interface and its two companions, {@link WasmProgram} and
 * {@link WasmInstance}, so that a move stays inside this package.
 */
public interface WasmEngine {

    /**
     * Parses a driver module, checks it statically against the Weir driver ABI v1 (imports, exports
     * and their signatures, memory, no SIMD) and compiles it once. Nothing of the module runs yet.
     *
     * @param driverName a name for messages, e.g. the file name without {@code .wasm}
     * @param wasm the module bytes
     * @param memoryCapPages the host cap on linear memory, in 64 KiB pages (ABI §9)
     * @throws ModuleRefused naming what breaks the ABI
     */
    WasmProgram load(String driverName, byte[] wasm, int memoryCapPages);
}
