package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.Abi;
import io.weir.host.wasm.ChicoryEngine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Modules that must never run, and the one line that says why (ABI §3, §9, §11): every refusal is a
 * {@link DriverRefused} whose message names the driver and the problem, with no stack trace and no
 * line break. Each fixture {@code .wat} under {@code src/test/resources/wasm/} holds one
 * misbehaviour; the multi-megabyte and cut-short modules are made here from the fixture's bytes.
 */
class HostileModuleTest {

    static Stream<Arguments> refusedFixtures() {
        return Stream.of(
                Arguments.of(
                        "import-env",
                        "imports env.now, which is not part of the Weir driver ABI v1 (allowed"
                                + " imports: weir_host_v1.log, weir_host_v1.panic)"),
                Arguments.of(
                        "import-unknown",
                        "imports weir_host_v1.emit, which is not part of the Weir driver ABI v1"
                                + " (allowed imports: weir_host_v1.log, weir_host_v1.panic)"),
                Arguments.of(
                        "import-global",
                        "imports global weir_host_v1.clock, which is not part of the Weir driver"
                                + " ABI v1 (a driver imports only functions; allowed imports:"
                                + " weir_host_v1.log, weir_host_v1.panic)"),
                Arguments.of(
                        "import-memory",
                        "imports memory env.memory, which is not part of the Weir driver ABI v1"
                                + " (a driver imports only functions; allowed imports:"
                                + " weir_host_v1.log, weir_host_v1.panic)"),
                Arguments.of(
                        "import-table",
                        "imports table env.table, which is not part of the Weir driver ABI v1 (a"
                                + " driver imports only functions; allowed imports:"
                                + " weir_host_v1.log, weir_host_v1.panic)"),
                Arguments.of(
                        "import-log-signature",
                        "imports weir_host_v1.log with type (i32, i32) -> (), but ABI v1 declares"
                                + " it (level: i32, ptr: i32, len: i32) -> ()"),
                Arguments.of(
                        "export-poll-signature",
                        "exports weir_poll with type (i32) -> i32, but ABI v1 declares it (dev:"
                                + " i32, now_us: i64) -> i32"),
                Arguments.of(
                        "export-layout-i64",
                        "exports weir_layout with type () -> i64, but ABI v1 declares it () ->"
                                + " i32"),
                Arguments.of(
                        "export-open-global",
                        "exports weir_open as a global; ABI v1 declares it a function (dev: i32,"
                                + " cfg_len: i32, now_us: i64) -> i32"),
                Arguments.of(
                        "export-poll-result",
                        "exports weir_poll with type (i32, i64) -> i64, but ABI v1 declares it"
                                + " (dev: i32, now_us: i64) -> i32"),
                Arguments.of(
                        "export-poll-param-type",
                        "exports weir_poll with type (i32, i32) -> i32, but ABI v1 declares it"
                                + " (dev: i32, now_us: i64) -> i32"),
                Arguments.of(
                        "export-import",
                        "exports weir_poll with type (i32, i32, i32) -> (), but ABI v1 declares"
                                + " it (dev: i32, now_us: i64) -> i32"),
                Arguments.of(
                        "export-one-missing",
                        "lacks the required export weir_last_error (ABI §3.2)"),
                Arguments.of(
                        "memory64",
                        // Chicory 1.7.5 refuses the limits flag itself, before the ABI check
                        "is not a valid WebAssembly module: integer too large, invalid memory"
                                + " limit: 5"),
                Arguments.of(
                        "simd-unexported",
                        "uses SIMD (v128 locals in function 0); ABI §3.2 refuses modules that use"
                                + " SIMD"),
                Arguments.of(
                        "memory-none",
                        "defines no linear memory; ABI §3.2 requires one, exported as"
                                + " \"memory\""),
                Arguments.of(
                        "memory-unexported", "does not export its memory as \"memory\" (ABI §3.2)"),
                Arguments.of(
                        "memory-shared",
                        "declares a shared memory; ABI §3.2 refuses shared memory"),
                Arguments.of("memory-two", "defines 2 memories; ABI §3.2 allows exactly one"),
                Arguments.of(
                        "memory-max-1025",
                        "declares a maximum of 1025 pages (64.1 MiB) of memory; ABI §9 allows a"
                                + " declared maximum of at most 1024 pages (64 MiB)"),
                Arguments.of(
                        "memory-max-65536",
                        "declares a maximum of 65536 pages (4 GiB) of memory, the largest the"
                                + " binary format can express; ABI §9 allows a declared maximum"
                                + " of at most 1024 pages (64 MiB)"),
                Arguments.of(
                        "simd-instruction",
                        "uses SIMD (instruction v128.const in weir_poll); ABI §3.2 refuses"
                                + " modules that use SIMD"),
                Arguments.of(
                        "simd-local",
                        "uses SIMD (v128 locals in weir_poll); ABI §3.2 refuses modules that use"
                                + " SIMD"),
                Arguments.of(
                        "simd-global",
                        "uses SIMD (a v128 global); ABI §3.2 refuses modules that use SIMD"),
                Arguments.of(
                        "simd-param",
                        "uses SIMD (a v128 function type); ABI §3.2 refuses modules that use"
                                + " SIMD"),
                Arguments.of(
                        "table-huge",
                        "declares tables of up to 1000000 elements, more than the host's table"
                                + " cap of 65536 elements"),
                Arguments.of(
                        // counted with its declared maximum, which Chicory also reports for a
                        // table without one: only the bytes tell them apart
                        "table-max-10m",
                        "declares tables of up to 10000000 elements, more than the host's table"
                                + " cap of 65536 elements"),
                Arguments.of(
                        "table-grows",
                        "declares table 0 without a maximum and grows tables with table.grow;"
                                + " the host caps tables at 65536 elements, so declare a"
                                + " maximum"),
                Arguments.of(
                        "start-log",
                        "could not be started: the start function called weir_host_v1.log; ABI"
                                + " §3.2 forbids calls of imports before instantiation has"
                                + " finished"),
                Arguments.of(
                        "start-panic",
                        "could not be started: the start function called weir_host_v1.panic"
                                + " (\"{\"name\":\"\"); ABI §3.2 forbids calls of imports before"
                                + " instantiation has finished"),
                Arguments.of(
                        "start-trap",
                        "could not be started: instantiation trapped: Trapped on unreachable"
                                + " instruction"),
                Arguments.of(
                        "start-recursion",
                        "could not be started: instantiation trapped: call stack exhausted"),
                Arguments.of(
                        "describe-over-blob",
                        "could not be probed: weir_describe returned length 4097, beyond blob"
                                + " capacity 4096 (ABI §9)"),
                Arguments.of(
                        "describe-empty", "wrote a manifest that is not a JSON object (ABI §3.4)"),
                Arguments.of(
                        "layout-outside-memory",
                        ": weir_layout returned 65500, outside memory of 65536 bytes (ABI §4)"),
                Arguments.of(
                        "layout-negative",
                        ": weir_layout returned -1, outside memory of 65536 bytes (ABI §4)"),
                Arguments.of(
                        "layout-past-memory-end",
                        ": weir_layout returned 65441, outside memory of 65536 bytes (ABI §4)"),
                Arguments.of(
                        "layout-region-outside",
                        ": layout field blob_ptr: region blob at 63488..67584 lies outside memory"
                                + " of 65536 bytes (ABI §4)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedFixtures")
    void eachMisbehavingModuleIsRefusedInOneLine(String fixture, String problem) {
        assertRefused(fixture, Fixtures.wasm(fixture), problem);
    }

    @Test
    void aLayoutWhoseMetaEndsExactlyAtTheEndOfMemoryIsTaken() throws Exception {
        // 65440 + 64 (layout) + 32 (meta) = 65536: one byte later is refused (above).
        DriverModule m = load("layout-at-memory-end", DriverLimits.DEFAULT);
        DriverInstance d = m.instantiate("t");
        assertThat(d.layout().rxCap()).isEqualTo(1024);
        d.open(0, "device\n", 0);
        assertThat(d.poll(0, 0)).isEqualTo(Request.END_OF_CYCLE);
    }

    /** A start function or load-time export that never returns: stopped at the open budget. */
    static Stream<Arguments> runawaysAtLoad() {
        return Stream.of(
                Arguments.of(
                        "start-loop",
                        "could not be started: the start function ran past its budget of 1000 ms"
                                + " and was interrupted"),
                Arguments.of(
                        "loop-layout",
                        "could not be started: weir_layout ran past its budget of 1000 ms and was"
                                + " interrupted"),
                Arguments.of(
                        "loop-abi-version",
                        "could not be probed: weir_abi_version ran past its budget of 1000 ms"
                                + " and was interrupted"),
                Arguments.of(
                        "loop-describe",
                        "could not be probed: weir_describe ran past its budget of 1000 ms and"
                                + " was interrupted"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runawaysAtLoad")
    void aRunawayAtLoadIsInterruptedAtTheOpenBudget(String fixture, String problem) {
        long t0 = System.nanoTime();
        assertRefused(fixture, Fixtures.wasm(fixture), problem);
        double ms = (System.nanoTime() - t0) / 1e6;
        System.out.printf(
                "%s refused %.0f ms after load began (open budget %d ms)%n",
                fixture, ms, Abi.OPEN_BUDGET_MS);
        // Watchdog: stopped up to a tick early (the time before its first look is charged from
        // the look before), never earlier.
        assertThat(ms)
                .as("never more than a tick before the budget")
                .isGreaterThanOrEqualTo(Abi.OPEN_BUDGET_MS - Watchdog.TICK_NANOS / 1e6);
        assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag cleared").isFalse();
    }

    @Test
    void theInterpreterStopsARunawayStartFunctionToo() {
        long t0 = System.nanoTime();
        assertThatThrownBy(
                        () ->
                                DriverModule.load(
                                        new ChicoryEngine(ChicoryEngine.Mode.INTERPRETED),
                                        "start-loop",
                                        Fixtures.wasm("start-loop"),
                                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 50, 200),
                                        Watchdog.shared()))
                .isInstanceOf(DriverRefused.class)
                .hasMessage(
                        "driver \"start-loop\" could not be started: the start function ran past"
                                + " its budget of 200 ms and was interrupted");
        System.out.printf(
                "interpreted start loop refused after %.0f ms (open budget 200 ms)%n",
                (System.nanoTime() - t0) / 1e6);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void modulesThatKeepToTheLimitsLoad() {
        // No declared maximum: the host cap is the maximum (ABI §9).
        assertThat(DriverModule.load("m", Fixtures.wasm("memory-no-max")).instantiate("t"))
                .satisfies(i -> assertThat(i.memoryPages()).isEqualTo(1));
        assertThat(DriverModule.load("m", Fixtures.wasm("memory-max-1024")).label())
                .isEqualTo("memory-max-1024 1.0.0");
        // A table without a maximum that is never grown keeps its initial size.
        assertThat(DriverModule.load("t", Fixtures.wasm("table-fixed")).label())
                .isEqualTo("table-fixed 1.0.0");
        // weir_host_abi is 1.1: a host of 1.0 never calls it, so its loop is harmless there.
        assertThat(
                        DriverModule.load(
                                        new ChicoryEngine(),
                                        "h",
                                        Fixtures.wasm("loop-host-abi"),
                                        DriverLimits.DEFAULT,
                                        Watchdog.shared(),
                                        Abi.MINOR_1_0)
                                .label())
                .isEqualTo("loop-host-abi 1.0.0");
    }

    @Test
    void memoryAndTablesExactlyAtTheHostCapsLoadAndOneMoreIsRefused() {
        // memory-over-cap: 300 initial pages; table-huge: 1000000 elements, never grown
        assertThat(load("memory-over-cap", new DriverLimits(300, 50, 1000)).instantiate("t"))
                .satisfies(i -> assertThat(i.memoryPages()).isEqualTo(300));
        assertThatThrownBy(() -> load("memory-over-cap", new DriverLimits(299, 50, 1000)))
                .isInstanceOf(DriverRefused.class)
                .hasMessageContaining(
                        "needs 300 initial memory pages, more than the host cap of 299 pages");
        assertThat(
                        load(
                                        "table-huge",
                                        DriverLimits.DEFAULT.withModuleCaps(
                                                Abi.MODULE_SIZE_CAP_BYTES, 1_000_000))
                                .label())
                .isEqualTo("table-huge 1.0.0");
        assertThatThrownBy(
                        () ->
                                load(
                                        "table-huge",
                                        DriverLimits.DEFAULT.withModuleCaps(
                                                Abi.MODULE_SIZE_CAP_BYTES, 999_999)))
                .isInstanceOf(DriverRefused.class)
                .hasMessage(
                        "driver \"table-huge\" declares tables of up to 1000000 elements, more than"
                                + " the host's table cap of 999999 elements");
    }

    private static DriverModule load(String fixture, DriverLimits limits) {
        return DriverModule.load(
                new ChicoryEngine(), fixture, Fixtures.wasm(fixture), limits, Watchdog.shared());
    }

    @Test
    void aHostOfOneOneInterruptsALoopingHostAbiAndRefusesTheDriver() {
        assertThatThrownBy(() -> DriverModule.load("h", Fixtures.wasm("loop-host-abi")))
                .isInstanceOf(DriverRefused.class)
                .hasMessage(
                        "driver \"h\" could not be probed: weir_host_abi ran past its budget of "
                                + Abi.OPEN_BUDGET_MS
                                + " ms and was interrupted");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    // ---- bytes that are no module ------------------------------------------------------------

    static Stream<Arguments> notModules() {
        return Stream.of(
                Arguments.of(new byte[0], "is an empty file (0 bytes), not a WebAssembly module"),
                Arguments.of(
                        bytes("hello\n"),
                        "is not a WebAssembly module: it starts with 68 65 6c 6c 6f 0a"
                                + " (\"hello.\"), not the magic bytes 00 61 73 6d (\"\\0asm\")"),
                Arguments.of(
                        bytes("(module (func))"),
                        "is not a WebAssembly module: it starts with 28 6d 6f 64 75 6c 65 20"
                                + " (\"(module \"), not the magic bytes 00 61 73 6d (\"\\0asm\");"
                                + " it looks like WebAssembly text (.wat); compile it with"
                                + " wat2wasm first"),
                Arguments.of(
                        new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0},
                        "is not a WebAssembly module: it starts with 7f 45 4c 46 02 01 01 00"
                                + " (\".ELF....\"), not the magic bytes 00 61 73 6d (\"\\0asm\");"
                                + " it looks like an ELF executable or library"),
                Arguments.of(
                        new byte[] {0x1f, (byte) 0x8b, 8, 0},
                        "is not a WebAssembly module: it starts with 1f 8b 08 00 (\"....\"), not"
                                + " the magic bytes 00 61 73 6d (\"\\0asm\"); it looks like a gzip"
                                + " archive"),
                Arguments.of(
                        new byte[] {0, 'a', 's'},
                        "is truncated: it ends after 3 bytes, inside the 8-byte header of a"
                                + " WebAssembly module"),
                Arguments.of(
                        new byte[] {0},
                        "is truncated: it ends after 1 byte, inside the 8-byte header of a"
                                + " WebAssembly module"),
                Arguments.of(
                        new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0},
                        "is a WebAssembly binary of version 0x00000002; this host reads core"
                                + " modules of binary version 1 only (a newer format or"
                                + " toolchain?)"),
                Arguments.of(
                        new byte[] {0, 'a', 's', 'm', 0x0d, 0, 1, 0},
                        "is a WebAssembly component (binary version 0x0d, layer 1), not a core"
                                + " module; a Weir driver is a core module (ABI §3)"),
                Arguments.of(
                        new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 14, 0},
                        "is malformed: it has a section of unknown id 14 at offset 8 (the binary"
                                + " format defines ids 0 to 13)"),
                Arguments.of(
                        new byte[] {
                            0,
                            'a',
                            's',
                            'm',
                            1,
                            0,
                            0,
                            0,
                            1,
                            (byte) 0xff,
                            (byte) 0xff,
                            (byte) 0xff,
                            (byte) 0xff,
                            0x7f
                        },
                        "is malformed: the size of the type section at offset 8 is not a valid"
                                + " u32 (WebAssembly spec §5.5.2)"),
                Arguments.of(
                        new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 0x7f, 0, 0, 0, 0},
                        // Chicory's words, without the "section size mismatch" it puts first
                        "is not a valid WebAssembly module: Invalid composite type. Form 0x00 was"
                                + " not 0x5E, 0x5f or 0x60"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("notModules")
    void bytesThatAreNoModuleAreNamedForWhatTheyAre(byte[] bytes, String problem) {
        assertRefused("junk.wasm", bytes, problem);
    }

    @Test
    void aTruncatedModuleSaysWhereItEnds() {
        byte[] whole = Fixtures.wasm("fixture");
        // Inside the code section (id 10, header at 339, 913 bytes from 342 on).
        assertRefused(
                "cut.wasm",
                Arrays.copyOf(whole, 768),
                "is truncated: its code section at offset 339 declares 913 bytes, but the file"
                        + " ends 426 bytes into it (file of 768 bytes)");
        // Inside the header of the type section.
        assertRefused(
                "cut.wasm",
                Arrays.copyOf(whole, 9),
                "is truncated: it ends inside the header of the type section at offset 8 (file"
                        + " of 9 bytes)");
        // Every cut is refused in one line, whatever it cut.
        for (int n = 0; n < whole.length; n++) {
            byte[] cut = Arrays.copyOf(whole, n);
            assertThatThrownBy(() -> DriverModule.load("cut.wasm", cut))
                    .as("cut at %d", n)
                    .isInstanceOf(DriverRefused.class)
                    .satisfies(e -> assertOneLine(e.getMessage()));
        }
    }

    // ---- size ------------------------------------------------------------------------------

    @Test
    void aModuleOverTheSizeCapIsRefusedBeforeItIsParsed() {
        byte[] big = withCustomSection(Fixtures.wasm("fixture"), Abi.MODULE_SIZE_CAP_BYTES);
        long t0 = System.nanoTime();
        assertRefused(
                "big.wasm",
                big,
                "is "
                        + big.length
                        + " bytes, more than the module size cap of 4194304 bytes (4 MiB, ABI"
                        + " §9); it was not parsed");
        System.out.printf(
                "a %d-byte module was refused in %.2f ms%n",
                big.length, (System.nanoTime() - t0) / 1e6);
        // The same cap a host sets lower.
        byte[] fixture = Fixtures.wasm("fixture");
        assertThatThrownBy(
                        () ->
                                DriverModule.load(
                                        new ChicoryEngine(),
                                        "f.wasm",
                                        fixture,
                                        DriverLimits.DEFAULT.withModuleCaps(1000, 1024),
                                        Watchdog.shared()))
                .hasMessage(
                        "driver \"f.wasm\" is "
                                + fixture.length
                                + " bytes, more than the module size cap of 1000 bytes (ABI §9); it"
                                + " was not parsed");
    }

    @Test
    void aModuleExactlyAtTheSizeCapLoads() {
        byte[] fixture = Fixtures.wasm("fixture");
        // id (1) + size as a 4-byte LEB128 + name (4) + payload = what the section adds
        byte[] atCap = withCustomSection(fixture, Abi.MODULE_SIZE_CAP_BYTES - fixture.length - 9);
        assertThat(atCap.length).isEqualTo(Abi.MODULE_SIZE_CAP_BYTES);
        assertThat(DriverModule.load("at-cap.wasm", atCap).label()).isEqualTo("fixture 1.0.0");
    }

    @Test
    void aModuleWhoseCodeTakesMoreThanItsShareOfTheHeapIsRefusedBeforeItIsParsed() {
        byte[] fixture = Fixtures.wasm("fixture");
        // 1 KiB of heap: less than the fixture's few KiB of code need at 50 bytes a code byte.
        assertThatThrownBy(
                        () ->
                                DriverModule.load(
                                        new ChicoryEngine(ChicoryEngine.Mode.COMPILED, 1024),
                                        "f.wasm",
                                        fixture,
                                        DriverLimits.DEFAULT,
                                        Watchdog.shared()))
                .isInstanceOf(DriverRefused.class)
                .satisfies(e -> assertOneLine(e.getMessage()))
                .hasMessageStartingWith("driver \"f.wasm\" has ")
                .hasMessageContaining(
                        " bytes of code, which takes about 1 MB of heap to parse and compile; one"
                                + " driver's code may take at most 0 MB of heap")
                .hasMessageEndingWith("it was not parsed");
        // The same module within its share loads.
        assertThat(
                        DriverModule.load(
                                        new ChicoryEngine(ChicoryEngine.Mode.COMPILED, 16L << 20),
                                        "f.wasm",
                                        fixture,
                                        DriverLimits.DEFAULT,
                                        Watchdog.shared())
                                .label())
                .isEqualTo("fixture 1.0.0");
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertRefused(String source, byte[] wasm, String problem) {
        assertThatThrownBy(() -> DriverModule.load(source, wasm))
                .isInstanceOf(DriverRefused.class)
                .satisfies(e -> assertOneLine(e.getMessage()))
                .satisfies(
                        e -> {
                            String m = e.getMessage();
                            String prefix = "driver \"" + source + "\"";
                            assertThat(m).startsWith(prefix);
                            String rest = m.substring(prefix.length());
                            assertThat(rest.startsWith(":") ? rest : rest.substring(1))
                                    .isEqualTo(problem);
                        });
    }

    static void assertOneLine(String message) {
        assertThat(message).doesNotContain("\n").doesNotContain("\r").isNotBlank();
        assertThat(message.length()).as("one readable line").isLessThan(400);
    }

    /**
     * {@code module} with a custom section of {@code payload} zero bytes appended (name "pad").
     * Custom sections are never compiled, so the size is all the module has against it.
     */
    static byte[] withCustomSection(byte[] module, int payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(module.length + payload + 16);
        out.writeBytes(module);
        out.write(0); // custom section
        byte[] name = {3, 'p', 'a', 'd'};
        leb(out, name.length + payload);
        out.writeBytes(name);
        out.writeBytes(new byte[payload]);
        return out.toByteArray();
    }

    private static void leb(ByteArrayOutputStream out, long v) {
        do {
            int b = (int) (v & 0x7f);
            v >>>= 7;
            out.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
    }
}
