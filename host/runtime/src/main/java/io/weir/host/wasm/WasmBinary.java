package io.weir.host.wasm;

import io.weir.abi.Abi;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The first look at a driver's bytes, before any parser sees them: the header and the section frame
 * of the WebAssembly binary format (WebAssembly Core Specification 2.0, §5.5), and the limits of
 * the memory section as they are written.
 *
 * <p>Two things need this. A refusal must say what the bytes are: an empty file, a text file, a
 * module cut short, a component or a newer binary version each get their own words, where Chicory's
 * parser prefixes every message with "section size mismatch". And ABI §9 (1.1) takes a declared
 * maximum of 65536 pages as declared, while Chicory reports a memory without a maximum as 65536
 * pages too; only the limits flag in the bytes tells them apart.
 */
final class WasmBinary {

    /** {@code \0asm}. */
    private static final byte[] MAGIC = {0x00, 0x61, 0x73, 0x6d};

    /** The only binary version of core modules (spec §5.5.16). */
    private static final int CORE_VERSION = 1;

    /** The header of a component: version 0x0d, layer 1 (Component Model binary format). */
    private static final int COMPONENT_VERSION = 0x0d;

    private static final int COMPONENT_LAYER = 1;

    static final int HEADER_SIZE = 8;

    /** Section ids and names of the core binary format (spec §5.5.2), 0 = custom. */
    private static final String[] SECTION_NAMES = {
        "custom",
        "type",
        "import",
        "function",
        "table",
        "memory",
        "global",
        "export",
        "start",
        "element",
        "code",
        "data",
        "data count",
        "tag"
    };

    private static final int TABLE_SECTION = 4;
    private static final int MEMORY_SECTION = 5;
    private static final int CODE_SECTION = 10;

    /** A table type that carries an initialiser expression starts with these bytes. */
    private static final int TABLE_WITH_INIT = 0x40;

    /**
     * Known formats that are often mistaken for a driver, by their first bytes: what to call them.
     */
    private static final List<Signature> SIGNATURES =
            List.of(
                    new Signature(new byte[] {0x7f, 'E', 'L', 'F'}, "an ELF executable or library"),
                    new Signature(new byte[] {'M', 'Z'}, "a Windows executable"),
                    new Signature(
                            new byte[] {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe},
                            "a Java class or Mach-O file"),
                    new Signature(new byte[] {0x1f, (byte) 0x8b}, "a gzip archive"),
                    new Signature(new byte[] {'P', 'K', 0x03, 0x04}, "a zip or jar archive"),
                    new Signature(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, "a PNG image"),
                    new Signature(new byte[] {'%', 'P', 'D', 'F'}, "a PDF document"),
                    new Signature(new byte[] {'#', '!'}, "a script"),
                    new Signature(
                            new byte[] {'(', 'm', 'o', 'd', 'u', 'l', 'e'},
                            "WebAssembly text (.wat); compile it with wat2wasm first"),
                    new Signature(
                            new byte[] {'(', 'c', 'o', 'm', 'p', 'o', 'n', 'e', 'n', 't'},
                            "WebAssembly component text"),
                    new Signature(new byte[] {'<'}, "an HTML or XML document"),
                    new Signature(new byte[] {'{'}, "a JSON document"));

    private record Signature(byte[] prefix, String what) {
        boolean matches(byte[] b) {
            if (b.length < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (b[i] != prefix[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One section as the frame declares it: id, where its contents start, how long they are. */
    record Section(int id, int offset, int size) {
        String name() {
            return sectionName(id);
        }
    }

    /**
     * The limits of one memory of the memory section as written.
     *
     * @param hasMax whether the limits flag says a maximum follows
     * @param shared whether the flag marks the memory shared (threads proposal)
     * @param memory64 whether the flag marks a 64-bit memory (memory64 proposal)
     * @param max the declared maximum in pages, meaningful only with {@code hasMax}
     */
    record MemoryLimits(boolean hasMax, boolean shared, boolean memory64, long min, long max) {}

    /**
     * The limits of one table of the table section as written.
     *
     * @param hasMax whether the limits flag says a maximum follows
     * @param max the declared maximum, meaningful only with {@code hasMax}
     */
    record TableLimits(boolean hasMax, long min, long max) {}

    private final String driver;
    private final byte[] bytes;
    private final List<Section> sections = new ArrayList<>();

    private WasmBinary(String driver, byte[] bytes) {
        this.driver = driver;
        this.bytes = bytes;
    }

    /**
     * Checks the header and that every section lies inside the file.
     *
     * @throws ModuleRefused saying what the bytes are instead of a core module
     */
    static WasmBinary read(String driver, byte[] bytes) {
        WasmBinary b = new WasmBinary(driver, bytes);
        b.header();
        b.sections();
        return b;
    }

    private ModuleRefused refuse(String problem) {
        return new ModuleRefused("driver \"" + driver + "\" " + problem);
    }

    private void header() {
        int n = bytes.length;
        if (n == 0) {
            throw refuse("is an empty file (0 bytes), not a WebAssembly module");
        }
        int magic = Math.min(n, MAGIC.length);
        for (int i = 0; i < magic; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw refuse(
                        "is not a WebAssembly module: it starts with "
                                + firstBytes()
                                + ", not the magic bytes 00 61 73 6d (\"\\0asm\")"
                                + knownFormat());
            }
        }
        if (n < HEADER_SIZE) {
            throw refuse(
                    "is truncated: it ends after "
                            + n
                            + (n == 1 ? " byte" : " bytes")
                            + ", inside the 8-byte header of a WebAssembly module");
        }
        int version = u16(4);
        int layer = u16(6);
        if (version == COMPONENT_VERSION && layer == COMPONENT_LAYER) {
            throw refuse(
                    "is a WebAssembly component (binary version 0x0d, layer 1), not a core"
                            + " module; a Weir driver is a core module (ABI §3)");
        }
        if (version != CORE_VERSION || layer != 0) {
            throw refuse(
                    "is a WebAssembly binary of version "
                            + String.format("0x%08x", u32(4))
                            + "; this host reads core modules of binary version 1 only (a newer"
                            + " format or toolchain?)");
        }
    }

    private String firstBytes() {
        int n = Math.min(bytes.length, 8);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = bytes[i] & 0xFF;
            text.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
        }
        return HexFormat.ofDelimiter(" ").formatHex(bytes, 0, n) + " (\"" + text + "\")";
    }

    private String knownFormat() {
        for (Signature s : SIGNATURES) {
            if (s.matches(bytes)) {
                return "; it looks like " + s.what();
            }
        }
        return "";
    }

    private void sections() {
        int pos = HEADER_SIZE;
        while (pos < bytes.length) {
            int start = pos;
            int id = bytes[pos++] & 0xFF;
            long[] size = leb(pos);
            if (size == null) {
                throw refuse(
                        "is truncated: it ends inside the header of the "
                                + sectionName(id)
                                + " section at offset "
                                + start
                                + " (file of "
                                + bytes.length
                                + " bytes)");
            }
            if (size[0] < 0) {
                throw refuse(
                        "is malformed: the size of the "
                                + sectionName(id)
                                + " section at offset "
                                + start
                                + " is not a valid u32 (WebAssembly spec §5.5.2)");
            }
            pos += (int) size[1];
            long end = pos + size[0];
            if (end > bytes.length) {
                throw refuse(
                        "is truncated: its "
                                + sectionName(id)
                                + " section at offset "
                                + start
                                + " declares "
                                + size[0]
                                + " bytes, but the file ends "
                                + (bytes.length - pos)
                                + " bytes into it (file of "
                                + bytes.length
                                + " bytes)");
            }
            if (id >= SECTION_NAMES.length) {
                throw refuse(
                        "is malformed: it has a section of unknown id "
                                + id
                                + " at offset "
                                + start
                                + " (the binary format defines ids 0 to 13)");
            }
            sections.add(new Section(id, pos, (int) size[0]));
            pos = (int) end;
        }
    }

    /** Bytes of the code section (the function bodies), 0 without one. */
    long codeBytes() {
        long n = 0;
        for (Section s : sections) {
            if (s.id() == CODE_SECTION) {
                n += s.size();
            }
        }
        return n;
    }

    /** The sections in file order. */
    List<Section> sectionList() {
        return List.copyOf(sections);
    }

    /**
     * The limits of every memory the memory section defines, as written; empty without a memory
     * section. Called after Chicory parsed the module, so the section is well formed; a section
     * this reader cannot follow gives what it read so far.
     */
    List<MemoryLimits> memories() {
        List<MemoryLimits> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.id() != MEMORY_SECTION) {
                continue;
            }
            int pos = s.offset();
            int end = s.offset() + s.size();
            long[] count = leb(pos);
            if (count == null || count[0] < 0) {
                return out;
            }
            pos += (int) count[1];
            for (long i = 0; i < count[0] && pos < end; i++) {
                int flag = bytes[pos++] & 0xFF;
                long[] min = leb(pos);
                if (min == null || min[0] < 0) {
                    return out;
                }
                pos += (int) min[1];
                boolean hasMax = (flag & 0x01) != 0;
                long max = -1;
                if (hasMax) {
                    long[] m = leb(pos);
                    if (m == null || m[0] < 0) {
                        return out;
                    }
                    pos += (int) m[1];
                    max = m[0];
                }
                out.add(
                        new MemoryLimits(
                                hasMax, (flag & 0x02) != 0, (flag & 0x04) != 0, min[0], max));
            }
        }
        return out;
    }

    /**
     * The limits of every table the table section defines, as written, in order; empty without a
     * table section. A table with an initialiser expression ends the list (its expression is not
     * followed here); the caller then has Chicory's view of the rest.
     */
    List<TableLimits> tables() {
        List<TableLimits> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.id() != TABLE_SECTION) {
                continue;
            }
            int pos = s.offset();
            int end = s.offset() + s.size();
            long[] count = leb(pos);
            if (count == null || count[0] < 0) {
                return out;
            }
            pos += (int) count[1];
            for (long i = 0; i < count[0] && pos + 1 < end; i++) {
                if ((bytes[pos] & 0xFF) == TABLE_WITH_INIT) {
                    return out;
                }
                pos++; // the reference type
                int flag = bytes[pos++] & 0xFF;
                long[] min = leb(pos);
                if (min == null || min[0] < 0) {
                    return out;
                }
                pos += (int) min[1];
                long max = -1;
                if ((flag & 0x01) != 0) {
                    long[] m = leb(pos);
                    if (m == null || m[0] < 0) {
                        return out;
                    }
                    pos += (int) m[1];
                    max = m[0];
                }
                out.add(new TableLimits((flag & 0x01) != 0, min[0], max));
            }
        }
        return out;
    }

    static String sectionName(int id) {
        return id < SECTION_NAMES.length ? SECTION_NAMES[id] : "unknown (id " + id + ")";
    }

    /**
     * An unsigned LEB128 u32 at {@code pos}: {value, length in bytes}; value -1 if it does not fit
     * a u32 or takes more than 5 bytes; {@code null} if the file ends inside it.
     */
    private long[] leb(int pos) {
        long value = 0;
        for (int i = 0; i < 5; i++) {
            if (pos + i >= bytes.length) {
                return null;
            }
            int b = bytes[pos + i] & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return new long[] {value > 0xFFFF_FFFFL ? -1 : value, i + 1};
            }
        }
        return new long[] {-1, 5};
    }

    private int u16(int off) {
        return (bytes[off] & 0xFF) | (bytes[off + 1] & 0xFF) << 8;
    }

    private long u32(int off) {
        return (u16(off) | (long) u16(off + 2) << 16) & 0xFFFF_FFFFL;
    }

    /** The size check of ABI §9 (1.1), before anything reads the bytes. */
    static void requireWithinCap(String driver, long size, long capBytes) {
        if (size > capBytes) {
            throw new ModuleRefused(
                    "driver \""
                            + driver
                            + "\" is "
                            + size
                            + " bytes, more than the module size cap of "
                            + capBytes
                            + " bytes ("
                            + (capBytes >= 1024 * 1024 ? mib(capBytes) + ", " : "")
                            + "ABI §9); it was not parsed");
        }
    }

    static String mib(long bytes) {
        return bytes % (1024 * 1024) == 0
                ? bytes / (1024 * 1024) + " MiB"
                : String.format("%.1f MiB", bytes / (1024.0 * 1024));
    }

    /** A memory maximum in pages, in the units an operator thinks in. */
    static String pagesText(long pages) {
        long bytes = pages * Abi.PAGE_SIZE;
        if (bytes >= 1L << 30) {
            return pages + " pages (" + bytes / (1L << 30) + " GiB)";
        }
        return pages + " pages (" + mib(bytes) + ")";
    }
}
