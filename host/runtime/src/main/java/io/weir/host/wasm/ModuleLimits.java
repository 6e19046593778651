package io.weir.host.wasm;

import io.weir.abi.Abi;

/**
 * What an engine enforces while it reads and checks a module, before anything of it runs: the
 * host's caps on module size, linear memory and tables (ABI §9). The driver layer derives them from
 * its {@code DriverLimits}.
 *
 * @param moduleSizeCapBytes a larger module is refused before it is parsed (ABI §9, 1.1)
 * @param memoryCapPages the host cap on linear memory, in 64 KiB pages (ABI §9)
 * @param tableCapElements the most elements all tables of a module may hold together. ABI §9 has no
 *     table rule; this is host policy. A table costs host heap outside the memory cap (about 12
 *     bytes per element in Chicory), and without it one 5-byte table declaration or a loop of
 *     {@code table.grow} asks for 10 million elements per instance. Toolchains size a function
 *     table by the number of address-taken functions: tens to a few thousand.
 */
public record ModuleLimits(int moduleSizeCapBytes, int memoryCapPages, int tableCapElements) {

    /** Default table cap: far above any toolchain's function table, far below a heap's worth. */
    public static final int TABLE_CAP_ELEMENTS = 65_536;

    public static final ModuleLimits DEFAULT =
            new ModuleLimits(Abi.MODULE_SIZE_CAP_BYTES, Abi.MEMORY_CAP_PAGES, TABLE_CAP_ELEMENTS);

    public ModuleLimits {
        if (moduleSizeCapBytes < WasmBinary.HEADER_SIZE) {
            throw new IllegalArgumentException(
                    "module size cap must be at least "
                            + WasmBinary.HEADER_SIZE
                            + " bytes, got "
                            + moduleSizeCapBytes);
        }
        if (memoryCapPages < 1 || memoryCapPages > Abi.MAX_MEMORY_PAGES) {
            throw new IllegalArgumentException(
                    "memory cap must be 1.."
                            + Abi.MAX_MEMORY_PAGES
                            + " pages, got "
                            + memoryCapPages);
        }
        if (tableCapElements < 0) {
            throw new IllegalArgumentException(
                    "table cap must be ≥ 0 elements, got " + tableCapElements);
        }
    }

    /** The default caps with another memory cap. */
    public static ModuleLimits withMemoryCap(int memoryCapPages) {
        return new ModuleLimits(Abi.MODULE_SIZE_CAP_BYTES, memoryCapPages, TABLE_CAP_ELEMENTS);
    }
}
