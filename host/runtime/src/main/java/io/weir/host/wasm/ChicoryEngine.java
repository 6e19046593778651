package io.weir.host.wasm;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import io.weir.abi.Abi;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@link WasmEngine} on Chicory 1.7.5 with its runtime compiler: each module is compiled to JVM
 * bytecode once, with no interpreter fallback, and the compiled machine factory is shared by all
 * instances. Memory is {@link FlatMemory} (one flat array, metered per call) with explicit limits
 * (Chicory's default is {@code ByteBufferMemory}, and {@code withMemoryLimits} replaces the
 * module's own limits, so both are set here on purpose).
 */
public final class ChicoryEngine implements WasmEngine {

    /** How instances execute. */
    public enum Mode {
        /** JVM bytecode from Chicory's runtime compiler: the only mode for production. */
        COMPILED,
        /**
         * Chicory's interpreter, about 100× slower. For conformance tests only: running the same
         * vectors in both modes catches a compiler (or JIT) bug.
         */
        INTERPRETED
    }

    /**
     * Heap that parsing and compiling a module keeps live at its peak, per byte of its code section
     * (measured with Chicory 1.7.5: a 4 MiB code section of {@code i32.const; drop} peaks at about
     * 206 MB live; 1 GB is allocated in all). Chicory's parser makes an instruction object with an
     * operand array per instruction and keeps them all until the compiler is done; the module keeps
     * them afterwards too.
     */
    static final long HEAP_PER_CODE_BYTE = 50;

    /** The share of the maximum heap one module's code may take to load: a quarter. */
    static final int HEAP_SHARE_DIVISOR = 4;

    private final Mode mode;
    private final long loadHeapCapBytes;

    /** The compiled engine, a module's code allowed a quarter of the maximum heap. */
    public ChicoryEngine() {
        this(Mode.COMPILED);
    }

    public ChicoryEngine(Mode mode) {
        this(mode, Runtime.getRuntime().maxMemory() / HEAP_SHARE_DIVISOR);
    }

    /**
     * @param loadHeapCapBytes the most heap parsing and compiling one module may take, estimated
     *     from its code section before it is parsed ({@link #HEAP_PER_CODE_BYTE})
     */
    public ChicoryEngine(Mode mode, long loadHeapCapBytes) {
        this.mode = mode;
        this.loadHeapCapBytes = loadHeapCapBytes;
    }

    /**
     * Chicory's parser starts every message of a malformed module with this, whatever the fault.
     */
    private static final String CHICORY_PREFIX =
            "section size mismatch, unexpected end of section or function, ";

    @Override
    public WasmProgram load(String driverName, byte[] wasm, ModuleLimits limits) {
        // ABI §9 (1.1): the size cap comes before anything reads the bytes; parsing and compiling
        // cost time and heap in proportion to the size (36 MB: 18 s and 2.7 GB).
        WasmBinary.requireWithinCap(driverName, wasm.length, limits.moduleSizeCapBytes());
        WasmBinary binary = WasmBinary.read(driverName, wasm);
        requireHeapForCode(driverName, binary.codeBytes());
        WasmModule module;
        try {
            module = Parser.parse(wasm);
        } catch (ChicoryException e) {
            throw new ModuleRefused(
                    "driver \""
                            + driverName
                            + "\" is not a valid WebAssembly module: "
                            + parserMessage(e),
                    e);
        } catch (RuntimeException e) {
            // A parser bug met on hostile bytes (an index out of bounds, a negative size …) still
            // means the bytes are no module this host can run.
            throw new ModuleRefused(
                    "driver \""
                            + driverName
                            + "\" is not a valid WebAssembly module: the parser failed with "
                            + e,
                    e);
        }
        ModuleCheck.Memory memory = ModuleCheck.run(driverName, module, binary, limits);
        Function<Instance, Machine> factory;
        if (mode == Mode.INTERPRETED) {
            return new Program(driverName, module, InterpreterMachine::new, memory);
        }
        try {
            // FAIL: a function too large for a JVM method would silently run ~100× slower
            // interpreted; refuse it instead.
            factory =
                    MachineFactoryCompiler.builder(module)
                            .withInterpreterFallback(InterpreterFallback.FAIL)
                            .compile();
        } catch (RuntimeException e) {
            throw new ModuleRefused(
                    "driver \"" + driverName + "\" cannot be compiled: " + e.getMessage(), e);
        }
        return new Program(driverName, module, factory, memory);
    }

    /**
     * Host policy beside the size cap: a module whose code would take more than its share of the
     * heap to parse and compile is refused before it is parsed. On a gateway's small heap (320 MB
     * by default) a module of 4 MiB of code keeps about 200 MB live while it loads; the Serial
     * collector then stops every thread for 3–6 s in all, in pauses of up to 0.4 s, and every
     * device misses cycles meanwhile (BENCHMARKS.md, "faults"). Counting the code section costs
     * nothing; the estimate errs on the safe side for real code, whose instructions are longer on
     * average than the densest possible.
     */
    private void requireHeapForCode(String driverName, long codeBytes) {
        long need = codeBytes * HEAP_PER_CODE_BYTE;
        if (need > loadHeapCapBytes) {
            throw new ModuleRefused(
                    "driver \""
                            + driverName
                            + "\" has "
                            + (codeBytes >= 1024 * 1024
                                    ? WasmBinary.mib(codeBytes)
                                    : codeBytes + " bytes")
                            + " of code, which takes about "
                            + Math.max(1, need / (1024 * 1024))
                            + " MB of heap to parse and compile; one driver's code may take at"
                            + " most "
                            + loadHeapCapBytes / (1024 * 1024)
                            + " MB of heap (a quarter of the maximum heap unless set; -Xmx raises it); it was"
                            + " not parsed");
        }
    }

    /** Chicory's message without the prefix it puts on every malformed module. */
    static String parserMessage(ChicoryException e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith(CHICORY_PREFIX) ? m.substring(CHICORY_PREFIX.length()) : m;
    }

    private static final class Program implements WasmProgram {
        private final String driverName;
        private final WasmModule module;
        private final Function<Instance, Machine> factory;
        private final ModuleCheck.Memory memory;
        private final java.util.Set<String> functionExports = new java.util.HashSet<>();

        Program(
                String driverName,
                WasmModule module,
                Function<Instance, Machine> factory,
                ModuleCheck.Memory memory) {
            this.driverName = driverName;
            this.module = module;
            this.factory = factory;
            this.memory = memory;
            var exports = module.exportSection();
            for (int i = 0; i < exports.exportCount(); i++) {
                if (exports.getExport(i).exportType() == ExternalType.FUNCTION) {
                    functionExports.add(exports.getExport(i).name());
                }
            }
        }

        @Override
        public String driverName() {
            return driverName;
        }

        @Override
        public String digest() {
            return module.digest();
        }

        @Override
        public int initialPages() {
            return memory.initialPages();
        }

        @Override
        public int maxPages() {
            return memory.maxPages();
        }

        @Override
        public boolean exportsFunction(String name) {
            return functionExports.contains(name);
        }

        @Override
        public WasmInstance instantiate(HostImports imports) {
            // ABI §3.2, §9 (1.1): the start function must not call imports; they trap until
            // instantiation has finished.
            boolean[] started = {false};
            List<HostFunction> functions = new ArrayList<>();
            functions.add(
                    new HostFunction(
                            Abi.IMPORT_MODULE,
                            Abi.Import.LOG.function(),
                            FunctionType.of(
                                    List.of(ValType.I32, ValType.I32, ValType.I32), List.of()),
                            (inst, args) -> {
                                if (!started[0]) {
                                    throw new ImportInStart(Abi.Import.LOG.qualifiedName());
                                }
                                imports.log(
                                        (int) args[0],
                                        () -> message(inst.memory(), (int) args[1], (int) args[2]));
                                return null;
                            }));
            functions.add(
                    new HostFunction(
                            Abi.IMPORT_MODULE,
                            Abi.Import.PANIC.function(),
                            FunctionType.of(List.of(ValType.I32, ValType.I32), List.of()),
                            (inst, args) -> {
                                String text = message(inst.memory(), (int) args[0], (int) args[1]);
                                if (!started[0]) {
                                    throw new ImportInStart(
                                            Abi.Import.PANIC.qualifiedName()
                                                    + " (\""
                                                    + text
                                                    + "\")");
                                }
                                imports.panic(text);
                                // ABI §3.1: the host MAY end the call at once by throwing.
                                throw new Panicked(text);
                            }));
            Instance instance;
            try {
                instance =
                        Instance.builder(module)
                                .withImportValues(
                                        ImportValues.builder()
                                                .withFunctions(new ArrayList<>(functions))
                                                .build())
                                .withMachineFactory(factory)
                                .withMemoryFactory(FlatMemory::new)
                                .withMemoryLimits(
                                        new MemoryLimits(memory.initialPages(), memory.maxPages()))
                                .build();
            } catch (ImportInStart e) {
                throw new WasmTrap(
                        WasmTrap.Kind.TRAP,
                        "the start function called "
                                + e.getMessage()
                                + "; ABI §3.2 forbids calls of imports before instantiation has"
                                + " finished",
                        e);
            } catch (ChicoryInterruptedException e) {
                throw new WasmTrap(
                        WasmTrap.Kind.INTERRUPTED, "the start function was interrupted", e);
            } catch (ChicoryException e) {
                // The start function trapped, or a data or element segment did not fit.
                throw new WasmTrap(
                        WasmTrap.Kind.TRAP, "instantiation trapped: " + e.getMessage(), e);
            } catch (StackOverflowError e) {
                throw new WasmTrap(
                        WasmTrap.Kind.TRAP, "instantiation trapped: call stack exhausted", e);
            } catch (RuntimeException e) {
                throw new WasmTrap(WasmTrap.Kind.TRAP, "instantiation trapped: " + e, e);
            }
            started[0] = true;
            return new ChicoryInstance(instance);
        }
    }

    /** Thrown from an import called by the start function; never leaves this package. */
    private static final class ImportInStart extends RuntimeException {
        ImportInStart(String call) {
            super(call, null, false, false);
        }
    }

    /**
     * Reads a log or panic message: at most 1024 bytes (ABI §3.1), UTF-8 with malformed input
     * replaced. A pointer outside memory gives a note instead of a trap, since the message is only
     * diagnostic.
     */
    static String message(Memory memory, int ptr, int len) {
        if (len < 0 || ptr < 0) {
            return "<message with bad pointer " + ptr + " or length " + len + ">";
        }
        int n = Math.min(len, Abi.LOG_MESSAGE_MAX_BYTES);
        long size = (long) memory.pages() * Abi.PAGE_SIZE;
        if ((long) ptr + n > size) {
            return "<message at " + ptr + ".." + ((long) ptr + n) + " lies outside memory>";
        }
        byte[] bytes = memory.readBytes(ptr, n);
        // new String(…, UTF_8) replaces malformed input with U+FFFD.
        String text = new String(bytes, StandardCharsets.UTF_8);
        return len > n ? text + "… (truncated from " + len + " bytes)" : text;
    }

    /** Thrown from the panic import to end the guest call; never leaves this package. */
    private static final class Panicked extends RuntimeException {
        Panicked(String message) {
            super(message, null, false, false);
        }
    }

    private static final class ChicoryInstance implements WasmInstance {
        private final Instance instance;
        private final FlatMemory memory;

        ChicoryInstance(Instance instance) {
            this.instance = instance;
            this.memory = (FlatMemory) instance.memory();
        }

        @Override
        public WasmFunction function(String name) {
            ExportFunction f;
            try {
                f = instance.export(name);
            } catch (ChicoryException e) {
                return null;
            }
            if (f == null) {
                return null;
            }
            return args -> {
                try {
                    long[] r = f.apply(args);
                    return r == null || r.length == 0 ? 0 : r[0];
                } catch (Panicked e) {
                    throw new WasmTrap(WasmTrap.Kind.PANIC, e.getMessage(), e);
                } catch (ChicoryInterruptedException e) {
                    throw new WasmTrap(WasmTrap.Kind.INTERRUPTED, "call interrupted", e);
                } catch (ChicoryException e) {
                    throw new WasmTrap(WasmTrap.Kind.TRAP, e.getMessage(), e);
                } catch (StackOverflowError e) {
                    throw new WasmTrap(WasmTrap.Kind.TRAP, "call stack exhausted", e);
                } catch (RuntimeException e) {
                    // Anything else from inside the engine still means this instance's state is
                    // unknown: treat it as a trap so the caller discards the instance.
                    throw new WasmTrap(WasmTrap.Kind.TRAP, e.toString(), e);
                }
            };
        }

        @Override
        public long memoryBytes() {
            return (long) memory.pages() * Abi.PAGE_SIZE;
        }

        @Override
        public int memoryPages() {
            return memory.pages();
        }

        @Override
        public byte[] read(int address, int len) {
            return memory.readBytes(address, len);
        }

        @Override
        public int readI32(int address) {
            return memory.readInt(address);
        }

        @Override
        public long readI64(int address) {
            return memory.readLong(address);
        }

        @Override
        public void write(int address, byte[] src, int off, int len) {
            memory.write(address, src, off, len);
        }

        @Override
        public void allowGrowth(int pages) {
            memory.allow(pages);
        }

        @Override
        public int refusedGrowth() {
            return memory.refused();
        }

        @Override
        public void onHostWork(WasmInstance.HostWork work) {
            memory.onHostWork(work);
        }
    }
}
