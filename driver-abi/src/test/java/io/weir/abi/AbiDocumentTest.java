package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks every table and every byte example of ABI.md against the Java constants and the record
 * codec, so that a change on either side without the other fails the build. A table or hex example
 * this test does not know also fails it: teach the test when the document grows.
 */
class AbiDocumentTest {

    /** A markdown table under a numbered heading. */
    record Table(String section, List<String> header, List<List<String>> rows) {
        String key() {
            return section + " " + String.join("|", header);
        }
    }

    /** A fenced code block and the paragraph just before it. */
    record CodeBlock(String section, String before, String body) {}

    private static String document;

    /** The document with every run of white space as one space, for prose checks. */
    private static String flat;

    private static final List<Table> TABLES = new ArrayList<>();
    private static final List<CodeBlock> BLOCKS = new ArrayList<>();

    @BeforeAll
    static void parse() throws IOException {
        document = Files.readString(Path.of("ABI.md"), StandardCharsets.UTF_8);
        flat = document.replaceAll("\\s+", " ");
        String section = "";
        List<String> lines = document.lines().collect(Collectors.toList());
        StringBuilder paragraph = new StringBuilder();
        boolean paragraphEnded = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher h = Pattern.compile("^#{2,3} (\\d+(?:\\.\\d+)?)\\.? .*").matcher(line);
            if (h.matches()) {
                section = h.group(1);
                paragraph.setLength(0);
                continue;
            }
            if (line.startsWith("|")) {
                List<String> header = cells(line);
                List<List<String>> rows = new ArrayList<>();
                i += 2; // the header and the |---| separator
                while (i < lines.size() && lines.get(i).startsWith("|")) {
                    rows.add(cells(lines.get(i)));
                    i++;
                }
                i--;
                TABLES.add(new Table(section, header, rows));
                paragraph.setLength(0);
                continue;
            }
            if (line.startsWith("```")) {
                StringBuilder body = new StringBuilder();
                i++;
                while (!lines.get(i).startsWith("```")) {
                    body.append(lines.get(i)).append('\n');
                    i++;
                }
                BLOCKS.add(new CodeBlock(section, paragraph.toString().trim(), body.toString()));
                paragraph.setLength(0);
                continue;
            }
            if (line.isBlank()) {
                paragraphEnded = true;
            } else {
                if (paragraphEnded) {
                    paragraph.setLength(0);
                    paragraphEnded = false;
                }
                paragraph.append(line).append(' ');
            }
        }
        assertThat(TABLES).as("tables found in ABI.md").hasSizeGreaterThan(10);
    }

    /** Every table of ABI.md, by section and header; each has a test below. */
    private static final List<String> KNOWN_TABLES =
            List.of(
                    "1 term|meaning",
                    "3.1 import|signature|meaning",
                    "3.2 export|signature|required|meaning",
                    "3.4 field|type|required|meaning",
                    "4 offset|field|meaning",
                    "4 offset|field|written by|meaning",
                    "6.1 offset|size|field|meaning",
                    "6.1 code|name|`value` holds",
                    "6.1 bit|value|name|meaning",
                    "6.1 code|name|meaning",
                    "7.2 return|meaning|host action",
                    "8 code|name|meaning",
                    "10.1 name|value",
                    "10.2 name|value",
                    "10.3 level|name");

    @Test
    void everyTableIsChecked() {
        // A table that is not in this list has no check: the document grew untested.
        assertThat(TABLES.stream().map(Table::key).toList())
                .as("tables of ABI.md (teach AbiDocumentTest any new one)")
                .containsExactlyElementsOf(KNOWN_TABLES);
    }

    /** Splits a table row on unescaped pipes; {@code \|} stays a literal pipe. */
    private static List<String> cells(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        String body = line.trim();
        body = body.substring(1, body.length() - 1);
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length() && body.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (c == '|') {
                out.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString().trim());
        return out;
    }

    private static Table table(String section, String... header) {
        List<Table> found =
                TABLES.stream()
                        .filter(t -> t.section().equals(section))
                        .filter(t -> t.header().equals(List.of(header)))
                        .collect(Collectors.toList());
        assertThat(found)
                .as("ABI.md §%s table with header %s", section, Arrays.toString(header))
                .hasSize(1);
        return found.get(0);
    }

    /**
     * The first "code | name | meaning" table of ABI.md §{@code section}: code → name, in order.
     */
    private static Map<Integer, String> codeNames(String section) {
        Table t =
                TABLES.stream()
                        .filter(x -> x.section().equals(section))
                        .filter(x -> x.header().equals(List.of("code", "name", "meaning")))
                        .findFirst()
                        .orElseThrow();
        Map<Integer, String> names = new LinkedHashMap<>();
        for (List<String> row : t.rows()) {
            names.put((int) number(row.get(0)), code(row.get(1)));
        }
        return names;
    }

    /** Code → name of an enum's constants, in declaration order. */
    private static <E extends Enum<E>> Map<Integer, String> codeNames(
            E[] constants, ToIntFunction<E> code) {
        Map<Integer, String> names = new LinkedHashMap<>();
        for (E c : constants) {
            names.put(code.applyAsInt(c), c.name());
        }
        return names;
    }

    /** A cell without surrounding backticks. */
    private static String code(String cell) {
        String c = cell.trim();
        if (c.startsWith("`") && c.endsWith("`") && c.length() >= 2) {
            return c.substring(1, c.length() - 1);
        }
        return c;
    }

    /** A number as the document writes it: decimal, {@code 0x} hex, with − (U+2212) or -. */
    private static long number(String text) {
        String t = code(text).replace('\u2212', '-').replace(" ", "");
        boolean negative = t.startsWith("-");
        if (negative) {
            t = t.substring(1);
        }
        long v = t.startsWith("0x") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
        return negative ? -v : v;
    }

    private static byte[] hexBytes(String text) {
        String compact = text.replaceAll("\\s+", "");
        return HexFormat.of().parseHex(compact);
    }

    private static boolean isHexBlock(String body) {
        return body.trim().matches("(?s)([0-9a-f]{2}[ \\n]+)*[0-9a-f]{2}");
    }

    @Test
    void terminologyTableIsProseOnly() {
        Table t = table("1", "term", "meaning");
        List<String> terms = t.rows().stream().map(r -> r.get(0)).collect(Collectors.toList());
        assertThat(terms).contains("host", "driver", "device", "frame", "record", "region");
    }

    @Test
    void importsMatchAbiImport() {
        Table t = table("3.1", "import", "signature", "meaning");
        Set<Abi.Import> seen = new HashSet<>();
        for (List<String> row : t.rows()) {
            String qualified = code(row.get(0));
            assertThat(qualified).startsWith(Abi.IMPORT_MODULE + ".");
            Abi.Import imp = Abi.Import.byFunction(qualified.substring(qualified.indexOf('.') + 1));
            assertThat(imp).as("Abi.Import for %s", qualified).isNotNull();
            assertThat(imp.qualifiedName()).isEqualTo(qualified);
            assertThat(imp.signature())
                    .as("signature of %s", qualified)
                    .isEqualTo(code(row.get(1)));
            seen.add(imp);
        }
        assertThat(seen).containsExactlyInAnyOrder(Abi.Import.values());
        assertThat(flat).contains("all from the module `" + Abi.IMPORT_MODULE + "`");
    }

    @Test
    void exportsMatchAbiExport() {
        Table t = table("3.2", "export", "signature", "required", "meaning");
        Set<Abi.Export> seen = new HashSet<>();
        boolean memory = false;
        for (List<String> row : t.rows()) {
            String name = code(row.get(0));
            String required = row.get(2);
            assertThat(required).isIn("yes", "no");
            if (name.equals(Abi.MEMORY_EXPORT)) {
                assertThat(row.get(1)).isEqualTo("memory");
                assertThat(required).isEqualTo("yes");
                assertThat(row.get(3)).contains("no more than " + Abi.MAX_MEMORY_PAGES + " pages");
                memory = true;
                continue;
            }
            Abi.Export e = Abi.Export.byName(name);
            assertThat(e).as("Abi.Export for %s", name).isNotNull();
            assertThat(e.signature()).as("signature of %s", name).isEqualTo(code(row.get(1)));
            assertThat(e.required())
                    .as("required flag of %s", name)
                    .isEqualTo(required.equals("yes"));
            seen.add(e);
        }
        assertThat(memory).as("memory export row").isTrue();
        assertThat(seen).containsExactlyInAnyOrder(Abi.Export.values());
        // The version value stated in the row of weir_abi_version.
        List<String> versionRow =
                t.rows().stream()
                        .filter(r -> code(r.get(0)).equals("weir_abi_version"))
                        .findFirst()
                        .orElseThrow();
        Matcher m =
                Pattern.compile("`(0x[0-9a-fA-F]{8})` for v(\\d+)\\.(\\d+)")
                        .matcher(versionRow.get(3));
        assertThat(m.find()).isTrue();
        assertThat(number(m.group(1))).isEqualTo(Abi.VERSION);
        assertThat(Integer.parseInt(m.group(2))).isEqualTo(Abi.VERSION_MAJOR);
        assertThat(Integer.parseInt(m.group(3))).isEqualTo(Abi.VERSION_MINOR);
    }

    @Test
    void versionRefusalIsWordedAsTheDocumentSays() {
        Matcher m = Pattern.compile("refused at install with \"([^\"]+)\"").matcher(flat);
        assertThat(m.find()).isTrue();
        String template = m.group(1);
        int newer = (Abi.VERSION_MAJOR << 16) | (Abi.VERSION_MINOR + 3);
        String expected =
                template.replace("1.M", Abi.VERSION_MAJOR + "." + (Abi.VERSION_MINOR + 3))
                        .replace("1.N", Abi.VERSION_MAJOR + "." + Abi.VERSION_MINOR);
        assertThat(Abi.versionRefusal(newer)).isEqualTo(expected);
        assertThat(Abi.versionRefusal(Abi.VERSION)).isNull();
        assertThat(Abi.versionRefusal(2 << 16)).contains("major version 2");
        assertThat(flat)
                .contains(
                        "The major version is in the names: the import module `"
                                + Abi.IMPORT_MODULE
                                + "` and the marker export `"
                                + Abi.MARKER_EXPORT
                                + "`");
    }

    @Test
    void manifestTableMatchesManifestRecord() throws Exception {
        Table t = table("3.4", "field", "type", "required", "meaning");
        RecordComponent[] components = Manifest.class.getRecordComponents();
        assertThat(t.rows()).hasSameSizeAs(components);
        for (int i = 0; i < components.length; i++) {
            List<String> row = t.rows().get(i);
            String field = code(row.get(0));
            String camel = snakeToCamel(field);
            assertThat(components[i].getName()).as("component %d", i).isEqualTo(camel);
            Class<?> type = components[i].getType();
            switch (row.get(1)) {
                case "string" -> assertThat(type).isEqualTo(String.class);
                case "bool" -> assertThat(type).isEqualTo(boolean.class);
                case "int" -> assertThat(type).isEqualTo(Integer.class);
                default -> fail("unknown manifest type " + row.get(1));
            }
            boolean required = row.get(2).equals("yes");
            assertThat(required)
                    .as("%s is required exactly when it is a String", field)
                    .isEqualTo(type == String.class);
        }
        Table transportRow = t;
        String transports =
                transportRow.rows().stream()
                        .filter(r -> code(r.get(0)).equals("transport"))
                        .findFirst()
                        .orElseThrow()
                        .get(3);
        for (String tr : Manifest.TRANSPORTS) {
            assertThat(transports).contains("`" + tr + "`");
        }
        // The example manifest of §3.4 is valid.
        Matcher ex = Pattern.compile("Example: `(\\{[^`]+\\})`").matcher(document);
        assertThat(ex.find()).isTrue();
        Map<String, String> json = new LinkedHashMap<>();
        Matcher kv = Pattern.compile("\"(\\w+)\":\"([^\"]*)\"").matcher(ex.group(1));
        while (kv.find()) {
            json.put(kv.group(1), kv.group(2));
        }
        Manifest m =
                new Manifest(
                        json.get("name"),
                        json.get("version"),
                        json.get("protocol"),
                        json.get("transport"),
                        false,
                        null);
        assertThat(m.name()).isEqualTo("modbus");
    }

    private static String snakeToCamel(String s) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : s.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    @Test
    void layoutTableMatchesLayout() {
        Table t = table("4", "offset", "field", "meaning");
        assertThat(t.rows()).hasSize(Layout.FIELD_NAMES.size());
        Map<String, Long> minimums = new LinkedHashMap<>();
        for (List<String> row : t.rows()) {
            String field = code(row.get(1));
            assertThat(Layout.offsetOf(field))
                    .as("offset of %s", field)
                    .isEqualTo(number(row.get(0)));
            Matcher min = Pattern.compile("at least (\\d+)(?: × (\\d+))?").matcher(row.get(2));
            if (min.find()) {
                long v = Long.parseLong(min.group(1));
                if (min.group(2) != null) {
                    v *= Long.parseLong(min.group(2));
                }
                minimums.put(field, v);
            }
        }
        assertThat(minimums)
                .containsExactly(
                        Map.entry("cfg_cap", (long) Layout.MIN_CFG_CAP),
                        Map.entry("rx_cap", (long) Layout.MIN_RX_CAP),
                        Map.entry("tx_cap", (long) Layout.MIN_TX_CAP),
                        Map.entry("out_cap", (long) Layout.MIN_OUT_CAP),
                        Map.entry("blob_cap", (long) Layout.MIN_BLOB_CAP),
                        Map.entry("err_cap", (long) Layout.MIN_ERR_CAP));
        Map<String, String> meaning =
                t.rows().stream().collect(Collectors.toMap(r -> code(r.get(1)), r -> r.get(2)));
        Matcher magic =
                Pattern.compile("`(0x[0-9a-f]{8})` \\(the bytes `([0-9a-f ]+)`, \"(\\w+)\"\\)")
                        .matcher(meaning.get("magic"));
        assertThat(magic.find()).isTrue();
        assertThat(number(magic.group(1))).isEqualTo(Abi.LAYOUT_MAGIC);
        byte[] magicBytes = hexBytes(magic.group(2));
        assertThat(PointRecord.u32(magicBytes, 0)).isEqualTo(Abi.LAYOUT_MAGIC);
        assertThat(new String(magicBytes, StandardCharsets.US_ASCII)).isEqualTo(magic.group(3));
        assertThat(meaning.get("size")).contains(Abi.LAYOUT_SIZE + " in v1.0");
        assertThat(meaning.get("out_ptr")).contains(Layout.OUT_ALIGN + "-byte aligned");
        assertThat(meaning.get("out_cap")).contains("a multiple of " + Abi.RECORD_SIZE);
        assertThat(document)
                .contains("returns the address of a " + Abi.LAYOUT_SIZE + "-byte struct");
    }

    @Test
    void metaTableMatchesMeta() {
        Table t = table("4", "offset", "field", "written by", "meaning");
        List<Meta.Field> fromDoc = new ArrayList<>();
        for (List<String> row : t.rows()) {
            fromDoc.add(new Meta.Field((int) number(row.get(0)), code(row.get(1))));
            Matcher exports = Pattern.compile("`(weir_\\w+)`").matcher(row.get(2));
            while (exports.find()) {
                assertThat(Abi.Export.byName(exports.group(1)))
                        .as("meta writer %s", exports.group(1))
                        .isNotNull();
            }
        }
        assertThat(fromDoc).isEqualTo(Meta.FIELDS);
        assertThat(flat)
                .contains(
                        "follows the layout at `weir_layout() + "
                                + Meta.OFFSET_FROM_LAYOUT
                                + "`, "
                                + Abi.META_SIZE
                                + " bytes");
        assertThat(Meta.FIELDS.get(Meta.FIELDS.size() - 1).offset() + 4).isEqualTo(Abi.META_SIZE);
    }

    @Test
    void recordTableMatchesPointRecordFields() {
        Table t = table("6.1", "offset", "size", "field", "meaning");
        List<PointRecord.Field> fromDoc = new ArrayList<>();
        for (List<String> row : t.rows()) {
            fromDoc.add(
                    new PointRecord.Field(
                            (int) number(row.get(0)), (int) number(row.get(1)), code(row.get(2))));
        }
        assertThat(fromDoc).isEqualTo(PointRecord.FIELDS);
        PointRecord.Field last = fromDoc.get(fromDoc.size() - 1);
        assertThat(last.offset() + last.size()).isEqualTo(Abi.RECORD_SIZE);
        // Prove the offsets in the codec itself: each field decoded from its own offset.
        PointRecord r = new PointRecord(0x01020304L, 0x05, 0x02, 0x8003, 0x1112131415161718L, -2);
        byte[] b = r.toBytes();
        assertThat(PointRecord.u32(b, 0)).isEqualTo(0x01020304);
        assertThat(b[4]).isEqualTo((byte) 0x05);
        assertThat(b[5]).isEqualTo((byte) 0x02);
        assertThat(b[6] & 0xFF | (b[7] & 0xFF) << 8).isEqualTo(0x8003);
        assertThat(PointRecord.i64(b, 8)).isEqualTo(0x1112131415161718L);
        assertThat(PointRecord.i64(b, 16)).isEqualTo(-2);
        assertThat(PointRecord.decode(b, 0)).isEqualTo(r);
    }

    @Test
    void valueTypesMatchValueType() {
        Table t = table("6.1", "code", "name", "`value` holds");
        Map<Integer, String> fromDoc = new LinkedHashMap<>();
        for (List<String> row : t.rows()) {
            fromDoc.put((int) number(row.get(0)), code(row.get(1)));
        }
        Map<Integer, String> fromJava = new LinkedHashMap<>();
        for (ValueType v : ValueType.values()) {
            fromJava.put(v.code(), v.name());
        }
        assertThat(fromDoc).isEqualTo(fromJava);
    }

    @Test
    void flagsMatchRecordFlag() {
        Table t = table("6.1", "bit", "value", "name", "meaning");
        assertThat(t.rows()).hasSize(RecordFlag.values().length);
        for (List<String> row : t.rows()) {
            RecordFlag f = RecordFlag.valueOf(code(row.get(2)));
            assertThat(f.bit()).isEqualTo(number(row.get(0)));
            assertThat(f.mask()).isEqualTo(number(row.get(1)));
            assertThat(f.mask()).isEqualTo(1 << f.bit());
        }
    }

    @Test
    void qualityCodesMatchQuality() {
        assertThat(codeNames("6.1")).isEqualTo(codeNames(Quality.values(), Quality::code));
        Matcher classes =
                Pattern.compile(
                                "\\(`(0x[0-9a-f]{4})` good, `(0x[0-9a-f]{4})` uncertain, `(0x[0-9a-f]{4})` bad\\)")
                        .matcher(document);
        assertThat(classes.find()).isTrue();
        assertThat(Quality.classOf((int) number(classes.group(1))))
                .isEqualTo(Quality.QualityClass.GOOD);
        assertThat(Quality.classOf((int) number(classes.group(2))))
                .isEqualTo(Quality.QualityClass.UNCERTAIN);
        assertThat(Quality.classOf((int) number(classes.group(3))))
                .isEqualTo(Quality.QualityClass.BAD);
        assertThat(Quality.classOf(0x8123)).isEqualTo(Quality.QualityClass.BAD);
        assertThat(Quality.classOf(0x4007)).isEqualTo(Quality.QualityClass.UNCERTAIN);
    }

    @Test
    void framingReturnsUseAbiError() {
        Table t = table("7.2", "return", "meaning", "host action");
        boolean resync = false;
        for (List<String> row : t.rows()) {
            Matcher m = Pattern.compile("`(E_\\w+)` \\(([−-]\\d+)\\)").matcher(row.get(0));
            if (m.find()) {
                assertThat(AbiError.byName(m.group(1)).code()).isEqualTo(number(m.group(2)));
                resync = true;
            }
        }
        assertThat(resync).isTrue();
    }

    @Test
    void errorCodesMatchAbiError() {
        assertThat(codeNames("8")).isEqualTo(codeNames(AbiError.values(), AbiError::code));
        // "Codes −6 and −11 … −98 are reserved. A host meets an unknown negative code as
        // E_INTERNAL."
        assertThat(flat).contains("Codes −6 and −11 … −98 are reserved");
        assertThat(AbiError.of(-6)).isEqualTo(AbiError.E_INTERNAL);
        assertThat(AbiError.of(-50)).isEqualTo(AbiError.E_INTERNAL);
        assertThat(AbiError.of(-1000)).isEqualTo(AbiError.E_INTERNAL);
        for (AbiError e : AbiError.values()) {
            assertThat(e.code() == -6 || (e.code() <= -11 && e.code() >= -98)).isFalse();
        }
    }

    @Test
    void namesTableMatchesAbi() {
        Table t = table("10.1", "name", "value");
        Map<String, String> rows = rowsByName(t);
        assertThat(code(rows.remove("import module"))).isEqualTo(Abi.IMPORT_MODULE);
        assertThat(code(rows.remove("marker export"))).isEqualTo(Abi.MARKER_EXPORT);
        assertThat(number(rows.remove("layout magic"))).isEqualTo(Abi.LAYOUT_MAGIC);
        assertThat(number(rows.remove("layout size"))).isEqualTo(Abi.LAYOUT_SIZE);
        assertThat(number(rows.remove("meta size"))).isEqualTo(Abi.META_SIZE);
        assertThat(number(rows.remove("record size"))).isEqualTo(Abi.RECORD_SIZE);
        assertThat(number(rows.remove("ABI version"))).isEqualTo(Abi.VERSION);
        assertThat(rows).as("rows of §10.1 not checked").isEmpty();
    }

    @Test
    void hostDefaultsMatchAbi() {
        Table t = table("10.2", "name", "value");
        Map<String, String> rows = rowsByName(t);
        assertThat(rows.remove("default response timeout"))
                .isEqualTo(Abi.DEFAULT_RESPONSE_TIMEOUT_MS + " ms");
        assertThat(rows.remove("call budget")).isEqualTo(Abi.CALL_BUDGET_MS + " ms");
        assertThat(rows.remove("open budget")).isEqualTo(Abi.OPEN_BUDGET_MS + " ms");
        assertThat(rows.remove("cold-start grace"))
                .isEqualTo(Abi.COLD_START_CALLS + " calls per export");
        assertThat(rows.remove("memory cap")).isEqualTo(Abi.MEMORY_CAP_PAGES + " pages");
        assertThat(rows).as("rows of §10.2 not checked").isEmpty();
        assertThat(flat)
                .contains("at most " + Abi.MAX_MEMORY_PAGES + " pages (64 MiB) declared maximum")
                .contains("(default " + Abi.MEMORY_CAP_PAGES + " pages)")
                .contains("After " + Abi.QUARANTINE_TRAPS + " traps within 10 minutes")
                .contains("truncates messages to " + Abi.LOG_MESSAGE_MAX_BYTES + " bytes")
                .contains("default " + Abi.CALL_BUDGET_MS + " ms; 1 s for `weir_open`")
                .contains(
                        "the first "
                                + Abi.COLD_START_CALLS
                                + " calls of each of these exports, counted per driver version");
        assertThat(Abi.TRAP_WINDOW_MS).isEqualTo(10 * 60 * 1000L);
    }

    @Test
    void logLevelsMatchAbi() {
        Table t = table("10.3", "level", "name");
        assertThat(t.rows()).hasSize(Abi.LogLevel.values().length);
        for (List<String> row : t.rows()) {
            assertThat(Abi.LogLevel.valueOf(code(row.get(1))).level())
                    .isEqualTo(number(row.get(0)));
        }
    }

    private static Map<String, String> rowsByName(Table t) {
        Map<String, String> m = new LinkedHashMap<>();
        for (List<String> row : t.rows()) {
            m.put(row.get(0), row.get(1));
        }
        return m;
    }

    // ---- byte examples -------------------------------------------------------------------

    private static final Pattern LAYOUT_EXAMPLE =
            Pattern.compile("a layout at address (\\d+) with");
    private static final Pattern LAYOUT_REGION =
            Pattern.compile("`(\\w+)`\\s+at (\\d+) \\((\\d+)(?: bytes)?\\)");
    private static final Pattern VALUE_RECORD =
            Pattern.compile(
                    "^Byte example: point (\\d+), `(\\w+)` ([-\\d.]+), (\\w+), host timestamp:$");
    private static final Pattern EXCEPTION_RECORD =
            Pattern.compile("^Byte example: point (\\d+), Modbus exception (\\d+) \\(([^)]+)\\):$");
    private static final Pattern NAMED_RECORD =
            Pattern.compile(
                    "the name `([^`]+)` at blob offset (\\d+) is `([0-9a-f ]+)`; a record naming it,"
                            + " `(\\w+)` (\\d+), (\\w+):$");

    @Test
    void everyHexExampleDecodesToWhatTheTextSays() {
        int checked = 0;
        for (CodeBlock block : BLOCKS) {
            if (!isHexBlock(block.body())) {
                continue;
            }
            byte[] bytes = hexBytes(block.body());
            String before = block.before();
            Matcher layout = LAYOUT_EXAMPLE.matcher(before);
            Matcher value = VALUE_RECORD.matcher(before);
            Matcher exception = EXCEPTION_RECORD.matcher(before);
            Matcher named = NAMED_RECORD.matcher(before);
            if (layout.find()) {
                checkLayoutExample(before, Long.parseLong(layout.group(1)), bytes);
            } else if (value.matches()) {
                assertThat(bytes).hasSize(Abi.RECORD_SIZE);
                PointRecord r = PointRecord.decode(bytes, 0);
                assertThat(r.point()).isEqualTo(Long.parseLong(value.group(1)));
                ValueType type = ValueType.valueOf(value.group(2));
                assertThat(r.valueType()).isEqualTo(type);
                assertThat(type).as("example value type").isEqualTo(ValueType.F64);
                assertThat(r.f64()).isEqualTo(Double.parseDouble(value.group(3)));
                assertThat(Quality.classOf(r.quality()).text()).isEqualTo(value.group(4));
                assertThat(r.quality()).isEqualTo(Quality.GOOD.code());
                assertThat(r.flags()).isZero();
                assertThat(r.tsUs()).as("host timestamp: ts_us is 0").isZero();
                assertThat(r.toBytes()).isEqualTo(bytes);
            } else if (exception.matches()) {
                assertThat(bytes).hasSize(Abi.RECORD_SIZE);
                PointRecord r = PointRecord.decode(bytes, 0);
                assertThat(r.point()).isEqualTo(Long.parseLong(exception.group(1)));
                assertThat(r.quality()).isEqualTo(Quality.BAD_DEVICE.code());
                // The quality table says how a device exception is carried.
                Matcher how =
                        Pattern.compile(
                                        "`BAD_DEVICE` \\| [^|]*`vtype` `(\\w+)`, `value` = the device's exception code")
                                .matcher(document);
                assertThat(how.find()).isTrue();
                assertThat(r.valueType()).isEqualTo(ValueType.valueOf(how.group(1)));
                assertThat(r.value()).isEqualTo(Long.parseLong(exception.group(2)));
                assertThat(r.flags()).isZero();
                assertThat(r.tsUs()).isZero();
                assertThat(r.toBytes()).isEqualTo(bytes);
            } else if (named.find()) {
                String name = named.group(1);
                int blobOffset = Integer.parseInt(named.group(2));
                byte[] nameBytes = hexBytes(named.group(3));
                byte[] blob = new byte[blobOffset + nameBytes.length];
                System.arraycopy(nameBytes, 0, blob, blobOffset, nameBytes.length);
                assertThat(PointRecord.readName(blob, blob.length, blobOffset)).isEqualTo(name);
                PointRecord r = PointRecord.decode(bytes, 0);
                assertThat(r.named()).isTrue();
                assertThat(r.deviceTimestamp()).isFalse();
                assertThat(r.point()).isEqualTo(blobOffset);
                assertThat(PointRecord.readName(blob, blob.length, r.point())).isEqualTo(name);
                assertThat(r.valueType()).isEqualTo(ValueType.valueOf(named.group(4)));
                assertThat(r.value()).isEqualTo(Long.parseLong(named.group(5)));
                assertThat(Quality.classOf(r.quality()).text()).isEqualTo(named.group(6));
                assertThat(r.quality()).isEqualTo(Quality.GOOD.code());
                assertThat(r.toBytes()).isEqualTo(bytes);
            } else {
                fail(
                        "ABI.md §"
                                + block.section()
                                + " has a hex example this test does not know;"
                                + " teach AbiDocumentTest what it means. Text before it: "
                                + before);
            }
            checked++;
        }
        assertThat(checked).as("hex examples in ABI.md").isEqualTo(4);
    }

    private static void checkLayoutExample(String text, long address, byte[] bytes) {
        assertThat(bytes).hasSize(Abi.LAYOUT_SIZE);
        Layout l = Layout.decode(bytes, 0);
        assertThat(l.magic()).isEqualTo(Abi.LAYOUT_MAGIC);
        assertThat(l.size()).isEqualTo(Abi.LAYOUT_SIZE);
        Map<String, long[]> stated = new LinkedHashMap<>();
        Matcher m = LAYOUT_REGION.matcher(text);
        while (m.find()) {
            stated.put(
                    m.group(1),
                    new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        List<Layout.Region> regions = l.regions();
        assertThat(stated.keySet())
                .containsExactlyElementsOf(regions.stream().map(Layout.Region::name).toList());
        long end = 0;
        for (Layout.Region r : regions) {
            long[] s = stated.get(r.name());
            assertThat(r.ptr()).as("%s_ptr", r.name()).isEqualTo(s[0]);
            assertThat(r.cap()).as("%s_cap", r.name()).isEqualTo(s[1]);
            end = Math.max(end, r.end());
        }
        // The example is a valid layout in a memory just big enough for it.
        l.validate(address, end);
        long tooSmall = end - 1;
        assertThatThrownBy(() -> l.validate(address, tooSmall))
                .isInstanceOf(Layout.InvalidLayoutException.class);
        assertThat(l.encode()).isEqualTo(bytes);
    }

    @Test
    void configExampleParses() {
        List<CodeBlock> examples =
                BLOCKS.stream()
                        .filter(b -> b.section().equals("5"))
                        .filter(b -> b.before().startsWith("Example for"))
                        .toList();
        assertThat(examples).hasSize(1);
        CodeBlock ex = examples.get(0);
        DeviceConfig c = DeviceConfig.parse(ex.body());
        assertThat(c.text()).isEqualTo(ex.body());
        Matcher count = Pattern.compile("\\((\\w+) points\\)").matcher(ex.before());
        assertThat(count.find()).isTrue();
        List<String> words = List.of("zero", "one", "two", "three", "four", "five");
        assertThat(c.points()).hasSize(words.indexOf(count.group(1).toLowerCase(Locale.ROOT)));
        // The grammar block states the key and value character sets that DeviceConfig enforces.
        CodeBlock grammar =
                BLOCKS.stream()
                        .filter(b -> b.section().equals("5"))
                        .filter(b -> b.body().startsWith("config"))
                        .findFirst()
                        .orElseThrow();
        assertThat(grammar.body())
                .contains("key      = 1*( ALPHA / DIGIT / \"_\" / \"-\" / \".\" )")
                .contains("value    = 1*( %x21-7E except \"=\" )");
    }
}
