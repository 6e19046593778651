package io.weir.host.wasm;

/** A validated, compiled driver module: one per driver version, shared by all its instances. */
public interface WasmProgram {

    /** The name given at load, for messages. */
    String driverName();

    /** A digest of the module bytes, e.g. {@code sha-256:…}. */
    String digest();

    /** The declared initial memory in pages. */
    int initialPages();

    /** The memory maximum every instance gets: the declared maximum bounded by the host cap. */
    int maxPages();

    /** Whether the module exports a function of this name. */
    boolean exportsFunction(String name);

    /**
     * Creates a fresh instance: memory initialised, no call made yet.
     *
     * @throws WasmTrap if the module's start function traps
     */
    WasmInstance instantiate(HostImports imports);
}
