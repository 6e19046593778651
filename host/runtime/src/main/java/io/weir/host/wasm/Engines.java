package io.weir.host.wasm;

/** The engines the host can run drivers on; the only place outside an engine that names one. */
public final class Engines {
    private Engines() {}

    /** The engine Weir runs on today: Chicory, with its runtime compiler. */
    public static WasmEngine chicory() {
        return new ChicoryEngine();
    }
}
