package io.weir.abi;

import java.util.List;

/**
 * Names, sizes, versions, host limits and defaults of the Weir driver ABI v1.2 (ABI.md §3.3, §9,
 * §10), plus the signatures of every import (§3.1) and export (§3.2). {@code AbiDocumentTest}
 * checks each of these against the tables of ABI.md.
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

    /** The minor version of v1.0. */
    public static final int MINOR_1_0 = 0;

    /** The minor version of v1.1. */
    public static final int MINOR_1_1 = 1;

    /** The minor version of v1.2. */
    public static final int MINOR_1_2 = 2;

    /** The newest minor version ABI.md defines (§10.1 "ABI version of this document"). */
    public static final int LATEST_MINOR = MINOR_1_2;

    /**
     * v1.0, {@code 0x00010000}: the {@code weir_abi_version} of a driver that runs on a v1.0 host
     * (§3.3: the value is the oldest version a driver runs on, so this is what every driver that
     * can do without v1.1 reports), and the only version a host built before v1.1 speaks.
     */
    public static final int VERSION = VERSION_MAJOR << 16 | MINOR_1_0;

    /** v1.1, {@code 0x00010001}. */
    public static final int VERSION_1_1 = VERSION_MAJOR << 16 | MINOR_1_1;

    /** v1.2, {@code 0x00010002}. */
    public static final int VERSION_1_2 = VERSION_MAJOR << 16 | MINOR_1_2;

    /** The version of this document, {@code 0x00010002}. */
    public static final int LATEST_VERSION = VERSION_MAJOR << 16 | LATEST_MINOR;

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

    /**
     * §9 (1.1): the largest maximum the binary format can declare. A module declaring it declares a
     * maximum above {@link #MAX_MEMORY_PAGES} and is refused; it does not mean "no maximum".
     */
    public static final int WASM_MAX_PAGES = 65536;

    /** WebAssembly page size. */
    public static final int PAGE_SIZE = 65536;

    /** §3.1: the host truncates log messages to this many bytes. */
    public static final int LOG_MESSAGE_MAX_BYTES = 1024;

    /** §9: traps within {@link #TRAP_WINDOW_MS} that quarantine a driver version. */
    public static final int QUARANTINE_TRAPS = 5;

    public static final long TRAP_WINDOW_MS = 10 * 60 * 1000L;

    /** §9 (1.1): a module larger than this is refused before it is parsed or compiled (4 MiB). */
    public static final int MODULE_SIZE_CAP_BYTES = 4 * 1024 * 1024;

    /** §9 (1.1): requests one cycle may send; one more ends the cycle as a violation. */
    public static final int MAX_REQUESTS_PER_CYCLE = 1024;

    /** §9 (1.1): bytes one cycle may send (1 MiB); more ends the cycle as a violation. */
    public static final int MAX_TX_BYTES_PER_CYCLE = 1024 * 1024;

    /** §9 (1.1): a larger {@code meta.timeout_ms} is clamped to this. */
    public static final int MAX_TIMEOUT_MS = 60_000;

    /** §9 (1.1): records one call may return; more is a violation. */
    public static final int MAX_RECORDS_PER_CALL = 4096;

    /**
     * §9 (1.1): {@code meta.blob_used} of one call may not exceed this (1 MiB), nor the blob
     * capacity: see {@link #maxBlobBytesPerCall(long)}.
     */
    public static final int MAX_BLOB_BYTES_PER_CALL = 1024 * 1024;

    /**
     * §9 (1.1): pages of memory one call with the call budget may grow (4 MiB); a {@code
     * memory.grow} past it fails as one past the maximum does.
     */
    public static final int MAX_GROW_PAGES_PER_CALL = 64;

    /** §6.4: the header in front of every CAN frame's data in {@code rx} and {@code tx}. */
    public static final int CAN_HEADER_SIZE = 8;

    /** §5.1: keys with this prefix are the host's; a driver or operator must not define them. */
    public static final String HOST_KEY_PREFIX = "weir.";

    /** §5.1: the transport of the device's link, one of the manifest's {@code transports}. */
    public static final String HOST_KEY_TRANSPORT = "weir.transport";

    /** §5.1: the host keys of the latest minor version. */
    public static final List<String> HOST_KEYS = List.of(HOST_KEY_TRANSPORT);

    /** §9: the most {@code meta.blob_used} a driver with this blob capacity may report per call. */
    public static long maxBlobBytesPerCall(long blobCap) {
        return Math.min(blobCap, MAX_BLOB_BYTES_PER_CALL);
    }

    /** §9: a {@code meta.timeout_ms} as the host applies it: 0 = default, above the cap clamped. */
    public static int effectiveTimeoutMs(int metaTimeoutMs) {
        if (metaTimeoutMs < 0) {
            throw new IllegalArgumentException(
                    "meta.timeout_ms " + metaTimeoutMs + " is negative, a violation (ABI §9)");
        }
        if (metaTimeoutMs == 0) {
            return DEFAULT_RESPONSE_TIMEOUT_MS;
        }
        return Math.min(metaTimeoutMs, MAX_TIMEOUT_MS);
    }

    /** {@code (major << 16) | minor}, as {@code weir_abi_version} and §10.1 write a version. */
    public static int version(int major, int minor) {
        if (major < 0 || major > 0x7FFF || minor < 0 || minor > 0xFFFF) {
            throw new IllegalArgumentException(
                    "version " + major + "." + minor + " does not fit (major << 16) | minor");
        }
        return major << 16 | minor;
    }

    /**
     * §3.3 for a host built before v1.1, which speaks v1.0 only: the refusal for a driver it cannot
     * run, or {@code null}. A v1.1 host calls {@link #versionRefusal(int, int)} with its minor.
     */
    public static String versionRefusal(int driverVersion) {
        return versionRefusal(driverVersion, MINOR_1_0);
    }

    /**
     * §3.3: the refusal for a driver that a host speaking {@code 1.hostMinor} cannot run, or {@code
     * null} if it can. {@code weir_abi_version} is the oldest version the driver runs on, so a
     * driver of another major version, or one needing a greater minor, is refused.
     */
    public static String versionRefusal(int driverVersion, int hostMinor) {
        if (hostMinor < 0 || hostMinor > 0xFFFF) {
            throw new IllegalArgumentException("host minor version " + hostMinor + " is not a u16");
        }
        if (major(driverVersion) != VERSION_MAJOR) {
            return "driver speaks ABI major version "
                    + major(driverVersion)
                    + " (weir_abi_version = "
                    + String.format("0x%08x", driverVersion)
                    + "), host speaks "
                    + VERSION_MAJOR
                    + "."
                    + hostMinor;
        }
        if (minor(driverVersion) > hostMinor) {
            return "driver needs ABI "
                    + major(driverVersion)
                    + "."
                    + minor(driverVersion)
                    + ", host speaks "
                    + VERSION_MAJOR
                    + "."
                    + hostMinor;
        }
        return null;
    }

    /**
     * §3.3: what is wrong with the answer of {@code weir_host_abi}, or {@code null} if {@code
     * agreed} is a valid agreed version: major 1, minor between the driver's {@code
     * weir_abi_version} minor and the host's minor. A wrong answer refuses the module (a violation
     * on a later instance).
     */
    public static String agreedVersionProblem(int driverVersion, int hostMinor, int agreed) {
        String refusal = versionRefusal(driverVersion, hostMinor);
        if (refusal != null) {
            return refusal;
        }
        if (agreed < 0) {
            return "weir_host_abi returned "
                    + AbiError.of(agreed).name()
                    + " ("
                    + agreed
                    + ") instead of the agreed version";
        }
        if (major(agreed) != VERSION_MAJOR
                || minor(agreed) < minor(driverVersion)
                || minor(agreed) > hostMinor) {
            return String.format(
                    "weir_host_abi returned 0x%08x; the agreed version must be 1.%d to 1.%d"
                            + " (between weir_abi_version 0x%08x and the host's 1.%d)",
                    agreed, minor(driverVersion), hostMinor, driverVersion, hostMinor);
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

    /**
     * The function exports of a driver (§3.2); {@code memory} is {@link #MEMORY_EXPORT}. {@link
     * #since()} is the minor version that defined the export: a host calls one of minor 1.M only
     * when the agreed version is at least 1.M.
     */
    public enum Export {
        ABI_MARKER(MARKER_EXPORT, List.of(), List.of(), true, MINOR_1_0),
        ABI_VERSION("weir_abi_version", List.of(), List.of(WasmType.I32), true, MINOR_1_0),
        LAYOUT("weir_layout", List.of(), List.of(WasmType.I32), true, MINOR_1_0),
        DESCRIBE("weir_describe", List.of(), List.of(WasmType.I32), true, MINOR_1_0),
        OPEN(
                "weir_open",
                List.of(i32("dev"), i32("cfg_len"), i64("now_us")),
                List.of(WasmType.I32),
                true,
                MINOR_1_0),
        CLOSE("weir_close", List.of(i32("dev")), List.of(WasmType.I32), true, MINOR_1_0),
        POLL(
                "weir_poll",
                List.of(i32("dev"), i64("now_us")),
                List.of(WasmType.I32),
                true,
                MINOR_1_0),
        FRAME_LEN(
                "weir_frame_len",
                List.of(i32("dev"), i32("rx_len")),
                List.of(WasmType.I32),
                true,
                MINOR_1_0),
        ON_FRAME(
                "weir_on_frame",
                List.of(i32("dev"), i32("len"), i64("now_us")),
                List.of(WasmType.I32),
                true,
                MINOR_1_0),
        ON_TIMEOUT(
                "weir_on_timeout",
                List.of(i32("dev"), i64("now_us")),
                List.of(WasmType.I32),
                true,
                MINOR_1_0),
        OBSERVE(
                "weir_observe",
                List.of(i32("dev"), i32("len")),
                List.of(WasmType.I32),
                false,
                MINOR_1_0),
        WRITE(
                "weir_write",
                List.of(i32("dev"), i32("point"), i32("vtype"), i64("value"), i64("now_us")),
                List.of(WasmType.I32),
                false,
                MINOR_1_0),
        SAVE_STATE("weir_save_state", List.of(i32("dev")), List.of(WasmType.I32), false, MINOR_1_0),
        LOAD_STATE(
                "weir_load_state",
                List.of(i32("dev"), i32("len")),
                List.of(WasmType.I32),
                false,
                MINOR_1_0),
        LAST_ERROR("weir_last_error", List.of(i32("dev")), List.of(WasmType.I32), true, MINOR_1_0),
        GC("weir_gc", List.of(), List.of(), false, MINOR_1_0),
        /** §3.3: the host's version in, the agreed version out. */
        HOST_ABI("weir_host_abi", List.of(i32("version")), List.of(WasmType.I32), false, MINOR_1_1),
        /** §7.9: the device's link came up. */
        LINK_UP(
                "weir_link_up",
                List.of(i32("dev"), i64("now_us")),
                List.of(WasmType.I32),
                false,
                MINOR_1_1),
        /** §7.10: the line fell silent with bytes pending. */
        FRAME_END(
                "weir_frame_end",
                List.of(i32("dev"), i32("rx_len")),
                List.of(WasmType.I32),
                false,
                MINOR_1_1),
        /** §7.11: a schedule tick; returns records. */
        TICK(
                "weir_tick",
                List.of(i32("dev"), i64("now_us")),
                List.of(WasmType.I32),
                false,
                MINOR_1_1),
        /**
         * §7.13: frames {@code rx[0..rx_len]} and decodes a complete frame at {@code rx[0]} in the
         * same call; returns records, or {@code E_PARTIAL} / {@code E_RESYNC}.
         */
        ON_BYTES(
                "weir_on_bytes",
                List.of(i32("dev"), i32("rx_len"), i64("now_us")),
                List.of(WasmType.I32),
                false,
                MINOR_1_2);

        private final String exportName;
        private final List<Param> params;
        private final List<WasmType> results;
        private final boolean required;
        private final int since;

        Export(
                String exportName,
                List<Param> params,
                List<WasmType> results,
                boolean required,
                int since) {
            this.exportName = exportName;
            this.params = params;
            this.results = results;
            this.required = required;
            this.since = since;
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

        /** The minor version that defined this export (§3.2 "since"). */
        public int since() {
            return since;
        }

        /** Whether a host may call this export of a driver with this agreed minor version. */
        public boolean callableWith(int agreedMinor) {
            return since <= agreedMinor;
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
