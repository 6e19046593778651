package io.weir.host.wasm;

/**
 * The host's own view of a WebAssembly runtime. Everything engine-specific (today Chicory, later
 * perhaps Endive) stays behind this interface and its two companions, {@link WasmProgram} and
 * {@link WasmInstance}, so that a move stays inside this package.
 */
public interface WasmEngine {

    /**
     * Checks a driver module's size, parses it, checks it statically against the Weir driver ABI v1
     * (imports, exports and their signatures, memory, tables, no SIMD) and compiles it once.
     * Nothing of the module runs yet.
     *
     * @param driverName a name for messages, e.g. the file name without {@code .wasm}
     * @param wasm the module bytes
     * @param limits the host's caps on module size, memory and tables (ABI §9)
     * @throws ModuleRefused naming what breaks the ABI or the caps
     */
    WasmProgram load(String driverName, byte[] wasm, ModuleLimits limits);

    /** {@link #load(String, byte[], ModuleLimits)} with the default caps and this memory cap. */
    default WasmProgram load(String driverName, byte[] wasm, int memoryCapPages) {
        return load(driverName, wasm, ModuleLimits.withMemoryCap(memoryCapPages));
    }
}
