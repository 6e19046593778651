package io.weir.abi;

import java.util.List;

/**
 * Names, sizes and defaults of the Weir driver ABI v1 (ABI.md §10), plus the signatures of every
 * import (§3.1) and export (§3.2). {@code AbiDocumentTest} checks each of these against the tables
 * of ABI.md.
 */
public final class Abi {
    private Abi() {}

    /** ABI.md §10.1: the import module, which carries the major version. */
    public static final String IMPORT_MODULE = "weir_host_v1";

    /** ABI.md §10.1: the marker export, never called. */
    public static final String MARKER_EXPORT = "weir_abi_v1";

    /** The name under which the driver exports its linear memory (§3.2). */
    public static final String MEMORY_EXPORT = "memory";

    /** The bytes {@code 57 45 49 52} ("WEIR") read as a little-endian u32 (§4). */
    public static final int LAYOUT_MAGIC = 0x52494557;

    public static final int LAYOUT_SIZE = 64;
    public static final int META_SIZE = 32;
    public static final int RECORD_SIZE = 24;

    public static final int VERSION_MAJOR = 1;
    public static final int VERSION_MINOR = 0;

    /** {@code (major << 16) | minor}, the value of {@code weir_abi_version} for v1.0. */
    public static final int VERSION = (VERSION_MAJOR << 16) | VERSION_MINOR;

    /** ABI.md §10.2 host defaults. */
    public static final int DEFAULT_RESPONSE_TIMEOUT_MS = 1000;

    public static final int CALL_BUDGET_MS = 50;
    public static final int OPEN_BUDGET_MS = 1000;

    /**
     * §9 cold-start grace: the first this many calls of each data-plane export, counted per driver
     * version across all its instances, run under the open budget. A freshly compiled module pays
     * class loading, verification and JIT compilation on its first calls.
     */
    public static final int COLD_START_CALLS = 3;

    public static final int MEMORY_CAP_PAGES = 256;

    /** §3.2 and §9: the largest declared maximum memory a driver may have. */
    public static final int MAX_MEMORY_PAGES = 1024;

    /** WebAssembly page size. */
    public static final int PAGE_SIZE = 65536;

    /** §3.1: the host truncates log messages to this many bytes. */
    public static final int LOG_MESSAGE_MAX_BYTES = 1024;

    /** §9: traps within {@link #TRAP_WINDOW_MS} that quarantine a driver version. */
    public static final int QUARANTINE_TRAPS = 5;

    public static final long TRAP_WINDOW_MS = 10 * 60 * 1000L;

    /**
     * §3.3: the refusal for a driver this host cannot run, or {@code null} if it can. A driver of
     * another major version, or of a greater minor version, is refused.
     */
    public static String versionRefusal(int driverVersion) {
        if (major(driverVersion) != VERSION_MAJOR) {
            return "driver speaks ABI major version "
                    + major(driverVersion)
                    + " (weir_abi_version = "
                    + String.format("0x%08x", driverVersion)
                    + "), host speaks "
                    + VERSION_MAJOR
                    + "."
                    + VERSION_MINOR;
        }
        if (minor(driverVersion) > VERSION_MINOR) {
            return "driver needs ABI "
                    + major(driverVersion)
                    + "."
                    + minor(driverVersion)
                    + ", host speaks "
                    + VERSION_MAJOR
                    + "."
                    + VERSION_MINOR;
        }
        return null;
    }

    /** Major version of an encoded {@code weir_abi_version} value. */
    public static int major(int version) {
        return version >>> 16;
    }

    /** Minor version of an encoded {@code weir_abi_version} value. */
    public static int minor(int version) {
        return version & 0xFFFF;
    }

    /** A WebAssembly value type as the ABI uses it: only {@code i32} and {@code i64} (§2.4). */
    public enum WasmType {
        I32,
        I64;

        /** The lower-case name used in ABI.md signatures. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One named parameter of an import or export. */
    public record Param(String name, WasmType type) {
        public Param {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("parameter name must not be empty");
            }
            if (type == null) {
                throw new IllegalArgumentException("parameter " + name + " needs a type");
            }
        }
    }

    private static Param i32(String name) {
        return new Param(name, WasmType.I32);
    }

    private static Param i64(String name) {
        return new Param(name, WasmType.I64);
    }

    /**
     * Renders a signature the way ABI.md writes it: {@code (dev: i32, now_us: i64) -> i32}, with
     * {@code ()} for no parameters or no result.
     */
    static String signature(List<Param> params, List<WasmType> results) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < params.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(params.get(i).name()).append(": ").append(params.get(i).type().text());
        }
        sb.append(") -> ");
        if (results.isEmpty()) {
            sb.append("()");
        } else if (results.size() == 1) {
            sb.append(results.get(0).text());
        } else {
            throw new IllegalStateException("the ABI returns at most one value (§2.4)");
        }
        return sb.toString();
    }

    /** The host functions a driver may import (§3.1), all from {@link #IMPORT_MODULE}. */
    public enum Import {
        LOG("log", List.of(i32("level"), i32("ptr"), i32("len"))),
        PANIC("panic", List.of(i32("ptr"), i32("len")));

        private final String function;
        private final List<Param> params;

        Import(String function, List<Param> params) {
            this.function = function;
            this.params = params;
        }

        /** The function name inside the import module, e.g. {@code log}. */
        public String function() {
            return function;
        }

        /** {@code weir_host_v1.log}, as ABI.md and error messages write it. */
        public String qualifiedName() {
            return IMPORT_MODULE + "." + function;
        }

        public List<Param> params() {
            return params;
        }

        /** Imports return nothing. */
        public List<WasmType> results() {
            return List.of();
        }

        public String signature() {
            return Abi.signature(params, results());
        }

        /** The import with this function name, or {@code null}. */
        public static Import byFunction(String function) {
            for (Import i : values()) {
                if (i.function.equals(function)) {
                    return i;
                }
            }
            return null;
        }
    }

    /** The function exports of a driver (§3.2); {@code memory} is {@link #MEMORY_EXPORT}. */
    public enum Export {
        ABI_MARKER(MARKER_EXPORT, List.of(), List.of(), true),
        ABI_VERSION("weir_abi_version", List.of(), List.of(WasmType.I32), true),
        LAYOUT("weir_layout", List.of(), List.of(WasmType.I32), true),
        DESCRIBE("weir_describe", List.of(), List.of(WasmType.I32), true),
        OPEN(
                "weir_open",
                List.of(i32("dev"), i32("cfg_len"), i64("now_us")),
                List.of(WasmType.I32),
                true),
        CLOSE("weir_close", List.of(i32("dev")), List.of(WasmType.I32), true),
        POLL("weir_poll", List.of(i32("dev"), i64("now_us")), List.of(WasmType.I32), true),
        FRAME_LEN(
                "weir_frame_len", List.of(i32("dev"), i32("rx_len")), List.of(WasmType.I32), true),
        ON_FRAME(
                "weir_on_frame",
                List.of(i32("dev"), i32("len"), i64("now_us")),
                List.of(WasmType.I32),
                true),
        ON_TIMEOUT(
                "weir_on_timeout", List.of(i32("dev"), i64("now_us")), List.of(WasmType.I32), true),
        OBSERVE("weir_observe", List.of(i32("dev"), i32("len")), List.of(WasmType.I32), false),
        WRITE(
                "weir_write",
                List.of(i32("dev"), i32("point"), i32("vtype"), i64("value"), i64("now_us")),
                List.of(WasmType.I32),
                false),
        SAVE_STATE("weir_save_state", List.of(i32("dev")), List.of(WasmType.I32), false),
        LOAD_STATE(
                "weir_load_state", List.of(i32("dev"), i32("len")), List.of(WasmType.I32), false),
        LAST_ERROR("weir_last_error", List.of(i32("dev")), List.of(WasmType.I32), true),
        GC("weir_gc", List.of(), List.of(), false);

        private final String exportName;
        private final List<Param> params;
        private final List<WasmType> results;
        private final boolean required;

        Export(String exportName, List<Param> params, List<WasmType> results, boolean required) {
            this.exportName = exportName;
            this.params = params;
            this.results = results;
            this.required = required;
        }

        /** The export name, e.g. {@code weir_poll}. */
        public String exportName() {
            return exportName;
        }

        public List<Param> params() {
            return params;
        }

        public List<WasmType> results() {
            return results;
        }

        public boolean required() {
            return required;
        }

        public String signature() {
            return Abi.signature(params, results);
        }

        /** The export with this name, or {@code null}. */
        public static Export byName(String exportName) {
            for (Export e : values()) {
                if (e.exportName.equals(exportName)) {
                    return e;
                }
            }
            return null;
        }
    }

    /** ABI.md §10.3. */
    public enum LogLevel {
        ERROR(0),
        WARN(1),
        INFO(2),
        DEBUG(3);

        private final int level;

        LogLevel(int level) {
            this.level = level;
        }

        public int level() {
            return level;
        }

        /** The level for this number; a driver's unknown level is logged as {@code DEBUG}. */
        public static LogLevel of(int level) {
            for (LogLevel l : values()) {
                if (l.level == level) {
                    return l;
                }
            }
            return DEBUG;
        }
    }
}
