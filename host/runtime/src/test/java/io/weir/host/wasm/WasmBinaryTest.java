package io.weir.host.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.wasm.WasmBinary.MemoryLimits;
import io.weir.host.wasm.WasmBinary.Section;
import io.weir.host.wasm.WasmBinary.TableLimits;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reader of the binary frame on bytes written here by hand: the header and section checks give
 * their own words at the exact boundary, and the limits of tables and memories (ABI §9) are read as
 * written, including modules that Chicory would refuse later (the reader must never throw on them
 * nor read past a section).
 */
class WasmBinaryTest {

    private static final int TYPE = 1;
    private static final int TABLE = 4;
    private static final int MEMORY = 5;
    private static final int FUNCREF = 0x70;

    // ---- header ------------------------------------------------------------------------------

    @Test
    void theVersionIsReadLittleEndianFromBothHalves() {
        // version 0x0100, layer 0: neither core nor component
        assertRefused(
                new byte[] {0, 'a', 's', 'm', 0, 1, 0, 0},
                "is a WebAssembly binary of version 0x00000100; this host reads core modules of"
                        + " binary version 1 only (a newer format or toolchain?)");
        // version 1, layer 1: the layer is the upper half of the u32
        assertRefused(
                new byte[] {0, 'a', 's', 'm', 1, 0, 1, 0},
                "is a WebAssembly binary of version 0x00010001; this host reads core modules of"
                        + " binary version 1 only (a newer format or toolchain?)");
    }

    @Test
    void aFileThatIsExactlyAKnownSignatureIsNamed() {
        assertRefused(
                new byte[] {'M', 'Z'},
                "is not a WebAssembly module: it starts with 4d 5a (\"MZ\"), not the magic bytes"
                        + " 00 61 73 6d (\"\\0asm\"); it looks like a Windows executable");
        // one byte short of a signature is not that format
        assertRefused(
                new byte[] {'P', 'K', 3},
                "is not a WebAssembly module: it starts with 50 4b 03 (\"PK.\"), not the magic"
                        + " bytes 00 61 73 6d (\"\\0asm\")");
    }

    // ---- section frame -----------------------------------------------------------------------

    @Test
    void aSectionSizeOfFiveLeb128BytesThatGoesOnIsNotAU32() {
        // five bytes, the fifth with its continuation bit: malformed, not "truncated"
        assertRefused(
                module(new byte[] {TYPE, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}),
                "is malformed: the size of the type section at offset 8 is not a valid u32"
                        + " (WebAssembly spec §5.5.2)");
        assertRefused(
                module(
                        new byte[] {
                            TYPE, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80
                        }),
                "is malformed: the size of the type section at offset 8 is not a valid u32"
                        + " (WebAssembly spec §5.5.2)");
    }

    @Test
    void theLargestU32IsAValidSectionSize() {
        // 0xFFFFFFFF fits a u32: the section is too long for the file, not malformed
        assertRefused(
                module(new byte[] {TYPE, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}),
                "is truncated: its type section at offset 8 declares 4294967295 bytes, but the"
                        + " file ends 0 bytes into it (file of 14 bytes)");
    }

    @Test
    void theSectionsAreListedInFileOrderWithTheirNames() {
        byte[] m = module(section(TYPE, 1, 2, 3), section(0, 0), section(13));
        List<Section> sections = WasmBinary.read("w", m).sectionList();
        assertThat(sections)
                .containsExactly(
                        new Section(TYPE, 10, 3), new Section(0, 15, 1), new Section(13, 18, 0));
        assertThat(sections).extracting(Section::name).containsExactly("type", "custom", "tag");
    }

    @Test
    void sectionNamesEndAtTheLastIdTheFormatDefines() {
        assertThat(WasmBinary.sectionName(13)).isEqualTo("tag");
        assertThat(WasmBinary.sectionName(14)).isEqualTo("unknown (id 14)");
    }

    // ---- size cap and units ------------------------------------------------------------------

    @Test
    void aModuleExactlyAtTheCapPassesAndOneByteMoreIsRefused() {
        WasmBinary.requireWithinCap("d", 1000, 1000);
        assertThatThrownBy(() -> WasmBinary.requireWithinCap("d", 1001, 1000))
                .isInstanceOf(ModuleRefused.class)
                .hasMessage(
                        "driver \"d\" is 1001 bytes, more than the module size cap of 1000 bytes"
                                + " (ABI §9); it was not parsed");
    }

    @Test
    void aCapOfOneMibAndMoreIsAlsoSaidInMib() {
        assertThatThrownBy(() -> WasmBinary.requireWithinCap("d", 1048577, 1048576))
                .hasMessage(
                        "driver \"d\" is 1048577 bytes, more than the module size cap of 1048576"
                                + " bytes (1 MiB, ABI §9); it was not parsed");
        assertThatThrownBy(() -> WasmBinary.requireWithinCap("d", 1048576, 1048575))
                .hasMessage(
                        "driver \"d\" is 1048576 bytes, more than the module size cap of 1048575"
                                + " bytes (ABI §9); it was not parsed");
    }

    @Test
    void pagesAreShownInGibFromOneGibOn() {
        assertThat(WasmBinary.pagesText(16384)).isEqualTo("16384 pages (1 GiB)");
        assertThat(WasmBinary.pagesText(16383)).isEqualTo("16383 pages (1023.9 MiB)");
        assertThat(WasmBinary.pagesText(1024)).isEqualTo("1024 pages (64 MiB)");
    }

    // ---- tables ------------------------------------------------------------------------------

    @Test
    void tablesAreReadAsWrittenWithAndWithoutMaximum() {
        byte[] m =
                module(
                        section(TYPE, 1, FUNCREF, 1, 5, 6), // not a table section, looks like one
                        section(
                                TABLE, 3, FUNCREF, 0, 0, FUNCREF, 1, 0x80, 0x01, 0x81, 0x01,
                                FUNCREF, 0, 7));
        assertThat(WasmBinary.read("w", m).tables())
                .containsExactly(
                        new TableLimits(false, 0, -1),
                        new TableLimits(true, 128, 129),
                        new TableLimits(false, 7, -1));
    }

    @Test
    void tablesOfEverySectionAreRead() {
        byte[] m =
                module(
                        section(TABLE, 0),
                        section(TABLE, 1, FUNCREF, 1, 0, 0),
                        section(TABLE, 1, FUNCREF, 0, 3));
        assertThat(WasmBinary.read("w", m).tables())
                .containsExactly(new TableLimits(true, 0, 0), new TableLimits(false, 3, -1));
    }

    @Test
    void tablesStopAtTheCountEvenWithBytesLeft() {
        byte[] m = module(section(TABLE, 1, FUNCREF, 0, 2, FUNCREF, 0, 9));
        assertThat(WasmBinary.read("w", m).tables()).containsExactly(new TableLimits(false, 2, -1));
    }

    @Test
    void tablesStopWhereTheSectionEnds() {
        // count 2, but after the first table only one byte is left: no second table is read
        byte[] m = module(section(TABLE, 2, FUNCREF, 0, 4, FUNCREF));
        assertThat(WasmBinary.read("w", m).tables()).containsExactly(new TableLimits(false, 4, -1));
        byte[] next = module(section(TABLE, 2, FUNCREF, 0, 4, FUNCREF), section(TYPE, 0, 0));
        assertThat(WasmBinary.read("w", next).tables())
                .containsExactly(new TableLimits(false, 4, -1));
    }

    @Test
    void aTableWithAnInitialiserEndsTheList() {
        byte[] m = module(section(TABLE, 2, FUNCREF, 0, 1, 0x40, 0, FUNCREF, 0, 2));
        assertThat(WasmBinary.read("w", m).tables()).containsExactly(new TableLimits(false, 1, -1));
    }

    @Test
    void aTableSectionTheReaderCannotFollowGivesWhatWasReadSoFar() {
        TableLimits first = new TableLimits(false, 1, -1);
        byte[] one = section(TABLE, 1, FUNCREF, 0, 1);
        // count is not a u32
        assertThat(tables(one, section(TABLE, 0xff, 0xff, 0xff, 0xff, 0x7f)))
                .containsExactly(first);
        // count cut by the end of the file
        assertThat(tables(one, section(TABLE))).containsExactly(first);
        // min is not a u32
        assertThat(tables(one, section(TABLE, 1, FUNCREF, 0, 0xff, 0xff, 0xff, 0xff, 0x7f)))
                .containsExactly(first);
        // min cut by the end of the file
        assertThat(tables(one, section(TABLE, 1, FUNCREF, 0))).containsExactly(first);
        // max is not a u32
        assertThat(tables(one, section(TABLE, 1, FUNCREF, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x7f)))
                .containsExactly(first);
        // max cut by the end of the file
        assertThat(tables(one, section(TABLE, 1, FUNCREF, 1, 0))).containsExactly(first);
        // an initialiser
        assertThat(tables(one, section(TABLE, 1, 0x40, 0))).containsExactly(first);
    }

    // ---- memories ----------------------------------------------------------------------------

    @Test
    void memoriesAreReadAsWrittenWithTheirFlags() {
        byte[] m =
                module(
                        section(TABLE, 1, 1, 0, 0), // not a memory section, looks like one
                        section(MEMORY, 4, 1, 0, 0x80, 0x08, 0, 1, 0x03, 2, 3, 0x04, 0x80, 0x01));
        assertThat(WasmBinary.read("w", m).memories())
                .containsExactly(
                        new MemoryLimits(true, false, false, 0, 1024),
                        new MemoryLimits(false, false, false, 1, -1),
                        new MemoryLimits(true, true, false, 2, 3),
                        new MemoryLimits(false, false, true, 128, -1));
    }

    @Test
    void memoriesOfEverySectionAreReadUpToTheirCount() {
        byte[] m =
                module(
                        section(MEMORY, 0),
                        section(MEMORY, 1, 1, 1, 0, 0, 5),
                        section(MEMORY, 1, 0, 2));
        assertThat(WasmBinary.read("w", m).memories())
                .containsExactly(
                        new MemoryLimits(true, false, false, 1, 0),
                        new MemoryLimits(false, false, false, 2, -1));
    }

    @Test
    void memoriesStopWhereTheSectionEnds() {
        byte[] m = module(section(MEMORY, 2, 0, 4));
        assertThat(WasmBinary.read("w", m).memories())
                .containsExactly(new MemoryLimits(false, false, false, 4, -1));
    }

    @Test
    void aMemorySectionTheReaderCannotFollowGivesWhatWasReadSoFar() {
        MemoryLimits first = new MemoryLimits(false, false, false, 1, -1);
        byte[] one = section(MEMORY, 1, 0, 1);
        assertThat(memories(one, section(MEMORY, 0xff, 0xff, 0xff, 0xff, 0x7f)))
                .containsExactly(first);
        assertThat(memories(one, section(MEMORY))).containsExactly(first);
        assertThat(memories(one, section(MEMORY, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x7f)))
                .containsExactly(first);
        assertThat(memories(one, section(MEMORY, 1, 0))).containsExactly(first);
        assertThat(memories(one, section(MEMORY, 1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x7f)))
                .containsExactly(first);
        assertThat(memories(one, section(MEMORY, 1, 1, 0))).containsExactly(first);
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static List<TableLimits> tables(byte[]... sections) {
        return WasmBinary.read("w", module(sections)).tables();
    }

    private static List<MemoryLimits> memories(byte[]... sections) {
        return WasmBinary.read("w", module(sections)).memories();
    }

    /** A section: id, size as a one-byte LEB128, contents. */
    private static byte[] section(int id, int... contents) {
        byte[] b = new byte[2 + contents.length];
        b[0] = (byte) id;
        b[1] = (byte) contents.length;
        for (int i = 0; i < contents.length; i++) {
            b[2 + i] = (byte) contents[i];
        }
        return b;
    }

    private static byte[] module(byte[]... sections) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
        for (byte[] s : sections) {
            out.writeBytes(s);
        }
        return out.toByteArray();
    }

    private static void assertRefused(byte[] bytes, String problem) {
        assertThatThrownBy(() -> WasmBinary.read("w.wasm", bytes))
                .isInstanceOf(ModuleRefused.class)
                .hasMessage("driver \"w.wasm\" " + problem);
    }
}
