package io.weir.host.wasm;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Global;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.TableLimits;
import com.dylibso.chicory.wasm.types.ValType;
import io.weir.abi.Abi;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The static pre-flight of a driver module against ABI §3 and §9, run before anything of it is
 * compiled or instantiated. Each refusal names the driver and what is wrong.
 */
final class ModuleCheck {

    /** The maximum Chicory reports when a module declares none. */
    private static final int UNDECLARED_MAX = MemoryLimits.MAX_PAGES;

    /** The maximum Chicory reports for a table that declares none. */
    private static final long UNDECLARED_TABLE_MAX = TableLimits.LIMIT_MAX;

    private final String driver;
    private final WasmModule module;
    private final WasmBinary binary;
    private final List<FunctionImport> functionImports = new ArrayList<>();
    private boolean growsTable;

    /** The memory limits the check found: declared initial and the effective maximum. */
    record Memory(int initialPages, int maxPages) {}

    private ModuleCheck(String driver, WasmModule module, WasmBinary binary) {
        this.driver = driver;
        this.module = module;
        this.binary = binary;
    }

    static Memory run(String driver, WasmModule module, WasmBinary binary, ModuleLimits limits) {
        ModuleCheck c = new ModuleCheck(driver, module, binary);
        c.imports();
        Memory m = c.memory(limits.memoryCapPages());
        c.exports();
        c.code();
        c.tables(limits.tableCapElements());
        return m;
    }

    private ModuleRefused refuse(String problem) {
        return new ModuleRefused("driver \"" + driver + "\" " + problem);
    }

    private static String allowedImports() {
        return java.util.Arrays.stream(Abi.Import.values())
                .map(Abi.Import::qualifiedName)
                .collect(Collectors.joining(", "));
    }

    private void imports() {
        var section = module.importSection();
        for (int i = 0; i < section.importCount(); i++) {
            Import imp = section.getImport(i);
            String qualified = imp.module() + "." + imp.name();
            Abi.Import abi =
                    imp.module().equals(Abi.IMPORT_MODULE)
                            ? Abi.Import.byFunction(imp.name())
                            : null;
            if (imp.importType() != ExternalType.FUNCTION) {
                throw refuse(
                        "imports "
                                + kind(imp.importType())
                                + " "
                                + qualified
                                + ", which is not part of the Weir driver ABI v1 (a driver imports"
                                + " only functions; allowed imports: "
                                + allowedImports()
                                + ")");
            }
            if (abi == null) {
                throw refuse(
                        "imports "
                                + qualified
                                + ", which is not part of the Weir driver ABI v1 (allowed imports: "
                                + allowedImports()
                                + ")");
            }
            FunctionImport f = (FunctionImport) imp;
            FunctionType type = module.typeSection().getType(f.typeIndex());
            if (!matches(type, abi.params(), abi.results())) {
                throw refuse(
                        "imports "
                                + qualified
                                + " with type "
                                + text(type)
                                + ", but ABI v1 declares it "
                                + abi.signature());
            }
            functionImports.add(f);
        }
    }

    private Memory memory(int capPages) {
        var section = module.memorySection();
        int count = section.map(s -> s.memoryCount()).orElse(0);
        if (count == 0) {
            throw refuse("defines no linear memory; ABI §3.2 requires one, exported as \"memory\"");
        }
        if (count > 1) {
            throw refuse("defines " + count + " memories; ABI §3.2 allows exactly one");
        }
        MemoryLimits limits = section.get().getMemory(0).limits();
        List<WasmBinary.MemoryLimits> written = binary.memories();
        // Chicory reports a memory without a maximum as 65536 pages; the limits flag tells.
        boolean hasMax =
                written.isEmpty()
                        ? limits.maximumPages() != UNDECLARED_MAX
                        : written.get(0).hasMax();
        if (limits.shared() || (!written.isEmpty() && written.get(0).shared())) {
            throw refuse("declares a shared memory; ABI §3.2 refuses shared memory");
        }
        if (!written.isEmpty() && written.get(0).memory64()) {
            throw refuse(
                    "declares a 64-bit memory (memory64); ABI §2 addresses memory with i32"
                            + " pointers");
        }
        long declaredMax = written.isEmpty() ? limits.maximumPages() : written.get(0).max();
        if (hasMax && declaredMax > Abi.MAX_MEMORY_PAGES) {
            throw refuse(
                    "declares a maximum of "
                            + WasmBinary.pagesText(declaredMax)
                            + " of memory"
                            + (declaredMax == Abi.WASM_MAX_PAGES
                                    ? ", the largest the binary format can express"
                                    : "")
                            + "; ABI §9 allows a declared maximum of at most "
                            + WasmBinary.pagesText(Abi.MAX_MEMORY_PAGES));
        }
        if (limits.initialPages() > capPages) {
            throw refuse(
                    "needs "
                            + limits.initialPages()
                            + " initial memory pages, more than the host cap of "
                            + capPages
                            + " pages (ABI §9); shrink the driver's stack or static data");
        }
        int max = hasMax ? (int) Math.min(declaredMax, capPages) : capPages;
        return new Memory(limits.initialPages(), max);
    }

    /**
     * Host policy (see {@link ModuleLimits#tableCapElements()}): all tables together hold at most
     * the cap. A table counts with its declared maximum; one without a maximum counts with its
     * initial size, unless the module grows tables, which Chicory would then let grow to 10 million
     * elements.
     */
    private void tables(int capElements) {
        var section = module.tableSection();
        int count = section.tableCount();
        List<WasmBinary.TableLimits> written = binary.tables();
        long total = 0;
        for (int i = 0; i < count; i++) {
            TableLimits limits = section.getTable(i).limits();
            boolean hasMax =
                    i < written.size()
                            ? written.get(i).hasMax()
                            : limits.max() < UNDECLARED_TABLE_MAX;
            if (!hasMax && growsTable) {
                throw refuse(
                        "declares table "
                                + i
                                + " without a maximum and grows tables with table.grow; the host"
                                + " caps tables at "
                                + capElements
                                + " elements, so declare a maximum");
            }
            total += hasMax ? limits.max() : limits.min();
            if (total > capElements) {
                throw refuse(
                        "declares tables of up to "
                                + total
                                + " elements"
                                + (count > 1 ? " together" : "")
                                + ", more than the host's table cap of "
                                + capElements
                                + " elements");
            }
        }
    }

    private void exports() {
        Map<String, Export> byName = new HashMap<>();
        var section = module.exportSection();
        for (int i = 0; i < section.exportCount(); i++) {
            Export e = section.getExport(i);
            byName.put(e.name(), e);
        }
        Export memory = byName.get(Abi.MEMORY_EXPORT);
        if (memory == null || memory.exportType() != ExternalType.MEMORY) {
            throw refuse("does not export its memory as \"memory\" (ABI §3.2)");
        }
        List<String> missing = new ArrayList<>();
        for (Abi.Export abi : Abi.Export.values()) {
            Export e = byName.get(abi.exportName());
            if (e == null) {
                if (abi.required()) {
                    missing.add(abi.exportName());
                }
                continue;
            }
            if (e.exportType() != ExternalType.FUNCTION) {
                throw refuse(
                        "exports "
                                + abi.exportName()
                                + " as a "
                                + kind(e.exportType())
                                + "; ABI v1 declares it a function "
                                + abi.signature());
            }
            FunctionType type = functionType(e.index());
            if (!matches(type, abi.params(), abi.results())) {
                throw refuse(
                        "exports "
                                + abi.exportName()
                                + " with type "
                                + text(type)
                                + ", but ABI v1 declares it "
                                + abi.signature());
            }
        }
        if (!missing.isEmpty()) {
            throw refuse(
                    "lacks the required export"
                            + (missing.size() > 1 ? "s " : " ")
                            + String.join(", ", missing)
                            + " (ABI §3.2)"
                            + (missing.contains(Abi.MARKER_EXPORT)
                                    ? "; without the marker "
                                            + Abi.MARKER_EXPORT
                                            + " it is not a Weir ABI v1 driver"
                                    : ""));
        }
    }

    private FunctionType functionType(int index) {
        if (index < functionImports.size()) {
            return module.typeSection().getType(functionImports.get(index).typeIndex());
        }
        return module.functionSection()
                .getFunctionType(index - functionImports.size(), module.typeSection());
    }

    /**
     * ABI §3.2: "Modules that use SIMD (v128) … are refused." Also notes whether the code grows a
     * table, for {@link #tables}.
     */
    private void code() {
        for (FunctionType t : module.typeSection().types()) {
            if (t != null
                    && (t.params().contains(ValType.V128) || t.returns().contains(ValType.V128))) {
                throw refuse(
                        "uses SIMD (a v128 function type); ABI §3.2 refuses modules that use SIMD");
            }
        }
        for (Global g : module.globalSection().globals()) {
            if (ValType.V128.equals(g.valueType())) {
                throw refuse("uses SIMD (a v128 global); ABI §3.2 refuses modules that use SIMD");
            }
        }
        FunctionBody[] bodies = module.codeSection().functionBodies();
        for (int f = 0; f < bodies.length; f++) {
            if (bodies[f].localTypes().contains(ValType.V128)) {
                throw refuse(
                        "uses SIMD (v128 locals in "
                                + functionName(f)
                                + "); ABI §3.2 refuses modules that use SIMD");
            }
            for (Instruction ins : bodies[f].instructions()) {
                // SIMD instructions are the 0xFD-prefixed opcodes.
                if ((ins.opcode().opcode() >>> 8) == 0xFD) {
                    throw refuse(
                            "uses SIMD (instruction "
                                    + watName(ins.opcode())
                                    + " in "
                                    + functionName(f)
                                    + "); ABI §3.2 refuses modules that use SIMD");
                }
                if (ins.opcode() == OpCode.TABLE_GROW) {
                    growsTable = true;
                }
            }
        }
    }

    /** An opcode as the text format writes it: {@code V128_CONST} is {@code v128.const}. */
    static String watName(OpCode op) {
        return op.name().toLowerCase(Locale.ROOT).replaceFirst("_", ".");
    }

    /** A defined function as a reader finds it: its export name, or its index. */
    private String functionName(int defined) {
        int index = functionImports.size() + defined;
        var exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (e.exportType() == ExternalType.FUNCTION && e.index() == index) {
                return e.name();
            }
        }
        return "function " + index;
    }

    private static boolean matches(
            FunctionType type, List<Abi.Param> params, List<Abi.WasmType> results) {
        if (type.params().size() != params.size() || type.returns().size() != results.size()) {
            return false;
        }
        for (int i = 0; i < params.size(); i++) {
            if (!type.params().get(i).equals(valType(params.get(i).type()))) {
                return false;
            }
        }
        for (int i = 0; i < results.size(); i++) {
            if (!type.returns().get(i).equals(valType(results.get(i)))) {
                return false;
            }
        }
        return true;
    }

    private static ValType valType(Abi.WasmType t) {
        return t == Abi.WasmType.I32 ? ValType.I32 : ValType.I64;
    }

    /** A type as ABI.md writes one, without parameter names: {@code (i32, i64) -> i32}. */
    static String text(FunctionType t) {
        String params =
                t.params().stream().map(ModuleCheck::valName).collect(Collectors.joining(", "));
        String results =
                t.returns().isEmpty()
                        ? "()"
                        : t.returns().stream()
                                .map(ModuleCheck::valName)
                                .collect(Collectors.joining(", "));
        return "(" + params + ") -> " + results;
    }

    private static String valName(ValType v) {
        return v.name().toLowerCase(Locale.ROOT);
    }

    private static String kind(ExternalType t) {
        return t.name().toLowerCase(Locale.ROOT);
    }
}
