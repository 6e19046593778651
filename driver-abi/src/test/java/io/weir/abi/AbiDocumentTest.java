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
                    "3.2 export|signature|required|since|meaning",
                    "3.3 v1.1 item|section|with agreed version 1.0, or on a v1.0 host",
                    "3.3 v1.2 item|section|with agreed version 1.1 or lower, or on an older host",
                    "3.4 field|type|required|since|meaning",
                    "4 offset|field|meaning",
                    "4 offset|field|written by|since|meaning",
                    "5.1 key|since|value|meaning",
                    "6.1 offset|size|field|meaning",
                    "6.1 code|name|`value` holds",
                    "6.1 bit|value|name|since|meaning",
                    "6.1 code|name|meaning",
                    "6.4 offset|size|field|meaning",
                    "6.4 bit|value|name|meaning",
                    "6.4 dlc|classic data bytes|FD data bytes",
                    "7.1 bit|value|name|host action",
                    "7.2 return|meaning|host action",
                    "7.3 bit|value|name|host action",
                    "7.9 return|meaning|host action",
                    "7.10 return|meaning|host action",
                    "7.13 return|meaning|host action",
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
        Table t = table("3.2", "export", "signature", "required", "since", "meaning");
        Set<Abi.Export> seen = new HashSet<>();
        boolean memory = false;
        for (List<String> row : t.rows()) {
            String name = code(row.get(0));
            String required = row.get(2);
            assertThat(required).isIn("yes", "no");
            if (name.equals(Abi.MEMORY_EXPORT)) {
                assertThat(row.get(1)).isEqualTo("memory");
                assertThat(required).isEqualTo("yes");
                assertThat(row.get(3)).isEqualTo("1.0");
                assertThat(row.get(4)).contains("no more than " + Abi.MAX_MEMORY_PAGES + " pages");
                memory = true;
                continue;
            }
            Abi.Export e = Abi.Export.byName(name);
            assertThat(e).as("Abi.Export for %s", name).isNotNull();
            assertThat(e.signature()).as("signature of %s", name).isEqualTo(code(row.get(1)));
            assertThat(e.required())
                    .as("required flag of %s", name)
                    .isEqualTo(required.equals("yes"));
            assertThat(row.get(3)).as("since of %s", name).isEqualTo("1." + e.since());
            // A later minor never adds a required export: a v1.0 driver would lack it (§3.3).
            if (e.since() > Abi.MINOR_1_0) {
                assertThat(e.required()).as("%s is optional", name).isFalse();
                assertThat(row.get(4)).as("meaning of %s names its section", name).contains("§");
            }
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
                        .matcher(versionRow.get(4));
        assertThat(m.find()).isTrue();
        assertThat(number(m.group(1))).isEqualTo(Abi.VERSION);
        assertThat(Integer.parseInt(m.group(2))).isEqualTo(Abi.VERSION_MAJOR);
        assertThat(Integer.parseInt(m.group(3))).isEqualTo(Abi.MINOR_1_0);
        assertThat(versionRow.get(4)).contains("the oldest ABI the driver runs on");
    }

    @Test
    void everyExportHasOneTimeBudget() {
        // §9 lists the calls with the open budget and the data-plane calls with the call budget;
        // every export but the marker is in exactly one list.
        Matcher open =
                Pattern.compile(
                                "while loading, probing or opening: (.*?), and to the start"
                                        + " function")
                        .matcher(flat);
        Matcher data =
                Pattern.compile("The data-plane calls \\((.*?)\\) have the call budget")
                        .matcher(flat);
        assertThat(open.find()).as("the open-budget list of §9").isTrue();
        assertThat(data.find()).as("the data-plane list of §9").isTrue();
        Set<Abi.Export> openCalls = exportsNamedIn(open.group(1));
        Set<Abi.Export> dataCalls = exportsNamedIn(data.group(1));
        assertThat(openCalls).doesNotContainAnyElementsOf(dataCalls);
        Set<Abi.Export> all = new HashSet<>(openCalls);
        all.addAll(dataCalls);
        Set<Abi.Export> expected = new HashSet<>(Arrays.asList(Abi.Export.values()));
        expected.remove(Abi.Export.ABI_MARKER);
        assertThat(all).isEqualTo(expected);
    }

    private static Set<Abi.Export> exportsNamedIn(String text) {
        Set<Abi.Export> found = new HashSet<>();
        Matcher m = Pattern.compile("`(weir_\\w+)`").matcher(text);
        while (m.find()) {
            Abi.Export e = Abi.Export.byName(m.group(1));
            assertThat(e).as("export %s", m.group(1)).isNotNull();
            assertThat(found.add(e)).as("%s named twice", m.group(1)).isTrue();
        }
        return found;
    }

    @Test
    void versionRefusalIsWordedAsTheDocumentSays() {
        Matcher m = Pattern.compile("at install with \"([^\"]+)\"").matcher(flat);
        assertThat(m.find()).isTrue();
        String template = m.group(1);
        int newer = Abi.version(Abi.VERSION_MAJOR, Abi.LATEST_MINOR + 3);
        String expected =
                template.replace("1.M", Abi.VERSION_MAJOR + "." + (Abi.LATEST_MINOR + 3))
                        .replace("1.N", Abi.VERSION_MAJOR + "." + Abi.LATEST_MINOR);
        assertThat(Abi.versionRefusal(newer, Abi.LATEST_MINOR)).isEqualTo(expected);
        assertThat(Abi.versionRefusal(Abi.VERSION)).isNull();
        assertThat(Abi.versionRefusal(Abi.LATEST_VERSION, Abi.LATEST_MINOR)).isNull();
        // A host built before v1.1 speaks v1.0 and refuses a driver that needs v1.1.
        assertThat(Abi.versionRefusal(Abi.VERSION_1_1))
                .isEqualTo(template.replace("1.M", "1.1").replace("1.N", "1.0"));
        // §3.3: a driver reports the oldest version it runs on; v1.0 is 0x00010000.
        assertThat(flat).contains("reports `0x00010000` and loads there");
        assertThat(flat).contains("reports `0x00010001`");
        assertThat(Abi.VERSION).isEqualTo(0x00010000);
        assertThat(Abi.VERSION_1_1).isEqualTo(0x00010001);
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
        Table t = table("3.4", "field", "type", "required", "since", "meaning");
        RecordComponent[] components = Manifest.class.getRecordComponents();
        assertThat(t.rows()).hasSameSizeAs(components);
        // A manifest with every field set: §3.3 says a host honours the fields of a minor version
        // above the agreed one as unknown, which asAgreed(1.0) must do for exactly the rows
        // marked since 1.1.
        Manifest full =
                new Manifest(
                        "j1939",
                        "1.0.0",
                        "j1939",
                        "can",
                        true,
                        2,
                        List.of("can", "serial"),
                        true,
                        8);
        Manifest asV10 = full.asAgreed(Abi.MINOR_1_0);
        assertThat(full.asAgreed(Abi.MINOR_1_1)).isEqualTo(full);
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
                case "string array" -> assertThat(type).isEqualTo(List.class);
                default -> fail("unknown manifest type " + row.get(1));
            }
            boolean required = row.get(2).equals("yes");
            assertThat(required)
                    .as("%s is required exactly when it is a String", field)
                    .isEqualTo(type == String.class);
            Object value = components[i].getAccessor().invoke(full);
            Object honouredBy10 = components[i].getAccessor().invoke(asV10);
            switch (row.get(3)) {
                case "1.0" -> assertThat(honouredBy10).as("1.0 field %s", field).isEqualTo(value);
                case "1.1" -> {
                    assertThat(required).as("1.1 field %s is optional", field).isFalse();
                    assertThat(honouredBy10)
                            .as("1.1 field %s with agreed version 1.0", field)
                            .isNotEqualTo(value);
                }
                default -> fail("unknown since " + row.get(3) + " of manifest field " + field);
            }
        }
        String transports =
                t.rows().stream()
                        .filter(r -> code(r.get(0)).equals("transport"))
                        .findFirst()
                        .orElseThrow()
                        .get(4);
        for (String tr : Manifest.TRANSPORTS) {
            assertThat(transports).contains("`" + tr + "`");
        }
        assertThat(flat).contains("A host MUST ignore fields it does not know");
        // Every example manifest of §3.4 is valid.
        Matcher ex = Pattern.compile("Example(?: \\(1\\.1\\))?: `(\\{[^`]+\\})`").matcher(document);
        List<Manifest> examples = new ArrayList<>();
        while (ex.find()) {
            examples.add(manifestFromJson(ex.group(1)));
        }
        assertThat(examples).hasSize(2);
        assertThat(examples.get(0).name()).isEqualTo("modbus");
        assertThat(examples.get(0).transports()).isNull();
        assertThat(examples.get(1).allTransports()).containsExactly("tcp", "serial");
        assertThat(examples.get(1).maxDevices()).isEqualTo(64);
    }

    /** A flat manifest object of strings, booleans, integers and string arrays. */
    private static Manifest manifestFromJson(String json) {
        Map<String, Object> f = new LinkedHashMap<>();
        Matcher kv =
                Pattern.compile("\"(\\w+)\":(?:\"([^\"]*)\"|(true|false)|(\\d+)|\\[([^\\]]*)\\])")
                        .matcher(json);
        int end = 1;
        while (kv.find()) {
            assertThat(json.charAt(kv.start() - 1)).as("manifest JSON %s", json).isIn('{', ',');
            Object v;
            if (kv.group(2) != null) {
                v = kv.group(2);
            } else if (kv.group(3) != null) {
                v = Boolean.parseBoolean(kv.group(3));
            } else if (kv.group(4) != null) {
                v = Integer.parseInt(kv.group(4));
            } else {
                List<String> items = new ArrayList<>();
                Matcher item = Pattern.compile("\"([^\"]*)\"").matcher(kv.group(5));
                while (item.find()) {
                    items.add(item.group(1));
                }
                v = items;
            }
            assertThat(f.put(kv.group(1), v)).as("field %s given twice", kv.group(1)).isNull();
            end = kv.end();
        }
        assertThat(json.substring(end)).as("the rest of %s", json).isEqualTo("}");
        @SuppressWarnings("unchecked")
        List<String> transports = (List<String>) f.remove("transports");
        Manifest m =
                new Manifest(
                        (String) f.remove("name"),
                        (String) f.remove("version"),
                        (String) f.remove("protocol"),
                        (String) f.remove("transport"),
                        Boolean.TRUE.equals(f.remove("passive")),
                        (Integer) f.remove("state_schema"),
                        transports,
                        Boolean.TRUE.equals(f.remove("unsolicited")),
                        (Integer) f.remove("max_devices"));
        assertThat(f).as("fields of %s not in §3.4", json).isEmpty();
        return m;
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
        Table t = table("4", "offset", "field", "written by", "since", "meaning");
        List<Meta.Field> fromDoc = new ArrayList<>();
        for (List<String> row : t.rows()) {
            int since = row.get(3).equals("—") ? -1 : minorOf(row.get(3));
            fromDoc.add(new Meta.Field((int) number(row.get(0)), code(row.get(1)), since));
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
        // §4: v1.1 and v1.2 grow only through fields v1.0 reserved (offsets 20, 24, 28); v1.2
        // takes the last one, so the struct keeps its size and a v1.0 layout stays valid.
        for (Meta.Field f : Meta.FIELDS) {
            if (f.since() > Abi.MINOR_1_0) {
                assertThat(f.offset()).as("offset of %s", f.name()).isGreaterThanOrEqualTo(20);
            }
            assertThat(f.since()).as("since of %s", f.name()).isBetween(0, Abi.LATEST_MINOR);
        }
        assertThat(Meta.FIELDS).hasSize(Abi.META_SIZE / 4);
        assertThat(flat).contains("v1.2 uses the last reserved field");
    }

    /** "1.1" → 1. */
    private static int minorOf(String version) {
        Matcher m = Pattern.compile("1\\.(\\d+)").matcher(version);
        assertThat(m.matches()).as("a v1 version, got %s", version).isTrue();
        return Integer.parseInt(m.group(1));
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
        Table t = table("6.1", "bit", "value", "name", "since", "meaning");
        assertThat(t.rows()).hasSize(RecordFlag.values().length);
        for (List<String> row : t.rows()) {
            RecordFlag f = RecordFlag.valueOf(code(row.get(2)));
            assertThat(f.bit()).isEqualTo(number(row.get(0)));
            assertThat(f.mask()).isEqualTo(number(row.get(1)));
            assertThat(f.mask()).isEqualTo(1 << f.bit());
            assertThat(minorOf(row.get(3))).as("since of %s", f).isEqualTo(f.since());
        }
        // §3.3: with agreed version 1.0 the bits of 1.1 read as zero.
        assertThat(RecordFlag.known(0xFF, Abi.MINOR_1_0)).isEqualTo(0x03);
        assertThat(RecordFlag.known(0xFF, Abi.MINOR_1_1)).isEqualTo(0x0F);
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
    void agreedVersionTableCoversEveryV11Item() {
        Table t =
                table("3.3", "v1.1 item", "section", "with agreed version 1.0, or on a v1.0 host");
        Set<String> headings = new HashSet<>();
        Matcher h = Pattern.compile("(?m)^#{2,3} (\\d+(?:\\.\\d+)?)\\.? ").matcher(document);
        while (h.find()) {
            headings.add(h.group(1));
        }
        StringBuilder items = new StringBuilder();
        for (List<String> row : t.rows()) {
            Matcher sec = Pattern.compile("§(\\d+(?:\\.\\d+)?)").matcher(row.get(1));
            assertThat(sec.find()).as("section of %s", row.get(0)).isTrue();
            assertThat(headings)
                    .as("section §%s of %s", sec.group(1), row.get(0))
                    .contains(sec.group(1));
            assertThat(row.get(2)).as("1.0 behaviour of %s", row.get(0)).isNotBlank();
            items.append(row.get(0)).append(' ');
        }
        String named = items.toString();
        // Every v1.1 export but the negotiation itself, every v1.1 flag, meta field and manifest
        // field has its row.
        for (Abi.Export e : Abi.Export.values()) {
            if (e.since() == Abi.MINOR_1_1 && e != Abi.Export.HOST_ABI) {
                assertThat(named).contains("`" + e.exportName() + "`");
            }
        }
        for (RecordFlag f : RecordFlag.values()) {
            if (f.since() == Abi.MINOR_1_1) {
                assertThat(named).contains("`" + f.name() + "`");
            }
        }
        for (FrameFlag f : FrameFlag.values()) {
            assertThat(named).contains("`" + f.name() + "`");
        }
        for (RequestFlag f : RequestFlag.values()) {
            assertThat(named).doesNotContain("`" + f.name() + "`");
        }
        for (Meta.Field f : Meta.FIELDS) {
            if (f.since() == Abi.MINOR_1_1) {
                assertThat(named).contains("`" + f.name() + "`");
            }
        }
        for (String field : List.of("transports", "unsolicited", "max_devices")) {
            assertThat(named).contains("`" + field + "`");
        }
        assertThat(named).contains("`weir.*`");
    }

    @Test
    void agreedVersionTableCoversEveryV12Item() {
        Table t =
                table(
                        "3.3",
                        "v1.2 item",
                        "section",
                        "with agreed version 1.1 or lower, or on an older host");
        StringBuilder items = new StringBuilder();
        for (List<String> row : t.rows()) {
            assertThat(row.get(1)).as("section of %s", row.get(0)).matches("§\\d+(\\.\\d+)?");
            assertThat(row.get(2)).as("older behaviour of %s", row.get(0)).isNotBlank();
            items.append(row.get(0)).append(' ');
        }
        String named = items.toString();
        for (Abi.Export e : Abi.Export.values()) {
            if (e.since() == Abi.MINOR_1_2) {
                assertThat(named).contains("`" + e.exportName() + "`");
            }
        }
        for (Meta.Field f : Meta.FIELDS) {
            if (f.since() == Abi.MINOR_1_2) {
                assertThat(named).contains("`" + f.name() + "`");
            }
        }
        for (RequestFlag f : RequestFlag.values()) {
            assertThat(named).contains("`" + f.name() + "`");
        }
        assertThat(named).contains("`" + AbiError.E_PARTIAL.name() + "`");
        // §3.3: how a v1.2 host and a v1.2 driver agree with each other and with older peers.
        assertThat(flat)
                .contains("A v1.2 host calls `weir_host_abi(0x00010002)`")
                .contains("`0x00010002` for a v1.2 host");
        assertThat(Abi.VERSION_1_2).isEqualTo(0x00010002).isEqualTo(Abi.LATEST_VERSION);
        // A v1.1 driver answers a v1.2 host with 1.1; a 1.2 driver answers a v1.1 host with 1.1.
        assertThat(Abi.agreedVersionProblem(Abi.VERSION, Abi.MINOR_1_2, Abi.VERSION_1_1)).isNull();
        assertThat(Abi.agreedVersionProblem(Abi.VERSION, Abi.MINOR_1_2, Abi.VERSION_1_2)).isNull();
        assertThat(Abi.agreedVersionProblem(Abi.VERSION, Abi.MINOR_1_1, Abi.VERSION_1_2))
                .contains("must be 1.0 to 1.1");
        assertThat(Abi.Export.ON_BYTES.callableWith(Abi.MINOR_1_1)).isFalse();
        assertThat(Abi.Export.ON_BYTES.callableWith(Abi.MINOR_1_2)).isTrue();
    }

    @Test
    void requestFlagsMatchRequestFlag() {
        Table t = table("7.1", "bit", "value", "name", "host action");
        assertThat(t.rows()).hasSize(RequestFlag.values().length);
        for (List<String> row : t.rows()) {
            RequestFlag f = RequestFlag.valueOf(code(row.get(2)));
            assertThat(f.bit()).isEqualTo(number(row.get(0)));
            assertThat(f.mask()).isEqualTo(number(row.get(1))).isEqualTo(1 << f.bit());
        }
        assertThat(flat)
                .contains("`weir_poll` writes `meta.req_flags` whenever it returns a request");
    }

    @Test
    void onBytesReturnsUseAbiError() {
        Table t = table("7.13", "return", "meaning", "host action");
        Set<AbiError> named = new HashSet<>();
        for (List<String> row : t.rows()) {
            Matcher m = Pattern.compile("`(E_\\w+)` \\(([−-]\\d+)\\)").matcher(row.get(0));
            if (m.find()) {
                assertThat(AbiError.byName(m.group(1)).code()).isEqualTo(number(m.group(2)));
                named.add(AbiError.byName(m.group(1)));
            }
        }
        assertThat(named).containsExactlyInAnyOrder(AbiError.E_PARTIAL, AbiError.E_RESYNC);
        assertThat(t.rows().get(0).get(0)).isEqualTo("`n ≥ 0`");
        assertThat(flat).contains("`E_PARTIAL` is returned by `weir_on_bytes` only");
    }

    @Test
    void agreedVersionRulesAsThe33TextSays() {
        // "the greater of its weir_abi_version minor and the smaller of the host's minor and the
        // newest minor the driver knows"; the host checks the answer.
        assertThat(flat).contains("The driver returns the agreed version `(1 << 16) | m`");
        assertThat(Abi.agreedVersionProblem(Abi.VERSION, Abi.MINOR_1_1, Abi.VERSION_1_1)).isNull();
        assertThat(Abi.agreedVersionProblem(Abi.VERSION, Abi.MINOR_1_1, Abi.VERSION)).isNull();
        assertThat(Abi.agreedVersionProblem(Abi.VERSION_1_1, Abi.MINOR_1_1, Abi.VERSION))
                .contains("must be 1.1 to 1.1");
        assertThat(Abi.agreedVersionProblem(Abi.VERSION, Abi.MINOR_1_0, Abi.VERSION_1_1))
                .contains("must be 1.0 to 1.0");
        assertThat(Abi.agreedVersionProblem(Abi.VERSION, Abi.MINOR_1_1, 2 << 16))
                .contains("0x00020000");
        assertThat(Abi.agreedVersionProblem(Abi.VERSION, Abi.MINOR_1_1, -7))
                .contains("E_UNSUPPORTED");
        assertThat(Abi.agreedVersionProblem(Abi.VERSION_1_1, Abi.MINOR_1_0, Abi.VERSION_1_1))
                .contains("driver needs ABI 1.1, host speaks 1.0");
        for (Abi.Export e : Abi.Export.values()) {
            assertThat(e.callableWith(Abi.MINOR_1_0)).isEqualTo(e.since() == Abi.MINOR_1_0);
            assertThat(e.callableWith(Abi.MINOR_1_1)).isEqualTo(e.since() <= Abi.MINOR_1_1);
            assertThat(e.callableWith(Abi.MINOR_1_2)).isTrue();
        }
    }

    @Test
    void hostKeysMatchAbi() {
        Table t = table("5.1", "key", "since", "value", "meaning");
        List<String> keys = new ArrayList<>();
        for (List<String> row : t.rows()) {
            String key = code(row.get(0));
            assertThat(key).startsWith(Abi.HOST_KEY_PREFIX);
            assertThat(DeviceConfig.isHostKey(key)).isTrue();
            assertThat(minorOf(row.get(1))).isBetween(Abi.MINOR_1_1, Abi.LATEST_MINOR);
            keys.add(key);
        }
        assertThat(keys).isEqualTo(Abi.HOST_KEYS);
        String transportValues =
                t.rows().stream()
                        .filter(r -> code(r.get(0)).equals(Abi.HOST_KEY_TRANSPORT))
                        .findFirst()
                        .orElseThrow()
                        .get(2);
        for (String tr : Manifest.TRANSPORTS) {
            assertThat(transportValues).contains("`" + tr + "`");
        }
        assertThat(flat)
                .contains("Keys that start with `" + Abi.HOST_KEY_PREFIX + "` are host keys");
        // The example is the operator's config with the host keys appended to the device line.
        List<CodeBlock> examples =
                BLOCKS.stream()
                        .filter(b -> b.section().equals("5.1"))
                        .filter(b -> b.before().startsWith("Example for"))
                        .toList();
        assertThat(examples).hasSize(1);
        DeviceConfig passed = DeviceConfig.parse(examples.get(0).body());
        Map<String, String> operatorDevice = new LinkedHashMap<>();
        Map<String, String> host = new LinkedHashMap<>();
        passed.device()
                .forEach((k, v) -> (DeviceConfig.isHostKey(k) ? host : operatorDevice).put(k, v));
        assertThat(host.keySet()).isNotEmpty().isSubsetOf(Abi.HOST_KEYS);
        DeviceConfig operator = new DeviceConfig(operatorDevice, passed.points());
        assertThat(operator.hostKeyProblem()).isNull();
        assertThat(operator.withHostKeys(host).text()).isEqualTo(examples.get(0).body());
        assertThat(passed.hostKeyProblem()).contains("reserved for the host");
        assertThatThrownBy(() -> operator.withHostKeys(Map.of("transport", "tcp")))
                .hasMessageContaining("not a host key");
    }

    @Test
    void canHeaderTablesMatchCanFrame() {
        Table header = table("6.4", "offset", "size", "field", "meaning");
        List<CanFrame.Field> fromDoc = new ArrayList<>();
        for (List<String> row : header.rows()) {
            if (code(row.get(1)).equals("len")) {
                // the data row: its size is the len field
                assertThat(code(row.get(2))).isEqualTo("data");
                assertThat(number(row.get(0))).isEqualTo(Abi.CAN_HEADER_SIZE);
                continue;
            }
            fromDoc.add(
                    new CanFrame.Field(
                            (int) number(row.get(0)), (int) number(row.get(1)), code(row.get(2))));
        }
        assertThat(fromDoc).isEqualTo(CanFrame.HEADER_FIELDS);
        CanFrame.Field last = fromDoc.get(fromDoc.size() - 1);
        assertThat(last.offset() + last.size()).isEqualTo(Abi.CAN_HEADER_SIZE);

        Table flags = table("6.4", "bit", "value", "name", "meaning");
        assertThat(flags.rows()).hasSize(CanFrame.Flag.values().length);
        for (List<String> row : flags.rows()) {
            CanFrame.Flag f = CanFrame.Flag.valueOf(code(row.get(2)));
            assertThat(f.bit()).isEqualTo(number(row.get(0)));
            assertThat(f.mask()).isEqualTo(number(row.get(1))).isEqualTo(1 << f.bit());
        }

        Table lengths = table("6.4", "dlc", "classic data bytes", "FD data bytes");
        int covered = 0;
        for (List<String> row : lengths.rows()) {
            Matcher range = Pattern.compile("(\\d+)(?:–(\\d+))?").matcher(row.get(0));
            assertThat(range.matches()).isTrue();
            int from = Integer.parseInt(range.group(1));
            int to = range.group(2) == null ? from : Integer.parseInt(range.group(2));
            for (int dlc = from; dlc <= to; dlc++) {
                assertThat(row.get(1))
                        .as("classic bytes for dlc %d", dlc)
                        .isEqualTo(
                                range.group(2) == null
                                        ? "" + CanFrame.dataLength(dlc, false)
                                        : from + "–" + to);
                assertThat(row.get(2))
                        .as("FD bytes for dlc %d", dlc)
                        .isEqualTo(
                                range.group(2) == null
                                        ? "" + CanFrame.dataLength(dlc, true)
                                        : from + "–" + to);
                if (range.group(2) != null) {
                    assertThat(CanFrame.dataLength(dlc, false)).isEqualTo(dlc);
                    assertThat(CanFrame.dataLength(dlc, true)).isEqualTo(dlc);
                }
                covered++;
            }
        }
        assertThat(covered).as("dlc codes 0..15").isEqualTo(16);
    }

    @Test
    void frameFlagsMatchFrameFlag() {
        Table t = table("7.3", "bit", "value", "name", "host action");
        assertThat(t.rows()).hasSize(FrameFlag.values().length);
        for (List<String> row : t.rows()) {
            FrameFlag f = FrameFlag.valueOf(code(row.get(2)));
            assertThat(f.bit()).isEqualTo(number(row.get(0)));
            assertThat(f.mask()).isEqualTo(number(row.get(1))).isEqualTo(1 << f.bit());
        }
        assertThat(flat).contains("`weir_on_frame` writes `meta.frame_flags`");
    }

    @Test
    void linkUpAndFrameEndReturnsUseAbiError() {
        for (String section : List.of("7.9", "7.10")) {
            Table t = table(section, "return", "meaning", "host action");
            int errors = 0;
            for (List<String> row : t.rows()) {
                Matcher m = Pattern.compile("`(E_\\w+)` \\(([−-]\\d+)\\)").matcher(row.get(0));
                if (m.find()) {
                    assertThat(AbiError.byName(m.group(1)).code()).isEqualTo(number(m.group(2)));
                    errors++;
                }
            }
            assertThat(errors).as("error rows of §%s", section).isPositive();
            assertThat(t.rows().get(0).get(0)).isIn("`0`", "`n > 0`");
        }
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
        assertThat(flat).contains("Codes −6 and −12 … −98 are reserved");
        assertThat(AbiError.of(-6)).isEqualTo(AbiError.E_INTERNAL);
        assertThat(AbiError.of(-50)).isEqualTo(AbiError.E_INTERNAL);
        assertThat(AbiError.of(-1000)).isEqualTo(AbiError.E_INTERNAL);
        for (AbiError e : AbiError.values()) {
            assertThat(e.code() == -6 || (e.code() <= -12 && e.code() >= -98)).isFalse();
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
        assertThat(number(rows.remove("CAN frame header size"))).isEqualTo(Abi.CAN_HEADER_SIZE);
        assertThat(code(rows.remove("host key prefix"))).isEqualTo(Abi.HOST_KEY_PREFIX);
        assertThat(number(rows.remove("ABI version of this document")))
                .isEqualTo(Abi.LATEST_VERSION);
        assertThat(number(rows.remove("base version (v1.0)"))).isEqualTo(Abi.VERSION);
        assertThat(document)
                .startsWith("# Weir driver ABI\n\n**Status: v1." + Abi.LATEST_MINOR + ",");
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
        assertThat(rows.remove("response timeout cap")).isEqualTo(Abi.MAX_TIMEOUT_MS + " ms");
        assertThat(rows.remove("module size cap")).isEqualTo(Abi.MODULE_SIZE_CAP_BYTES + " bytes");
        assertThat(rows.remove("requests per cycle")).isEqualTo("" + Abi.MAX_REQUESTS_PER_CYCLE);
        assertThat(rows.remove("bytes sent per cycle"))
                .isEqualTo(Abi.MAX_TX_BYTES_PER_CYCLE + " bytes");
        assertThat(rows.remove("records per call")).isEqualTo("" + Abi.MAX_RECORDS_PER_CALL);
        assertThat(rows.remove("blob bytes per call"))
                .isEqualTo(Abi.MAX_BLOB_BYTES_PER_CALL + " bytes, at most the blob capacity");
        assertThat(rows.remove("memory growth per call"))
                .isEqualTo(Abi.MAX_GROW_PAGES_PER_CALL + " pages, for calls with the call budget");
        assertThat(rows).as("rows of §10.2 not checked").isEmpty();
        // §9 states each 1.1 limit with the same numbers.
        assertThat(flat)
                .contains("a module larger than " + Abi.MODULE_SIZE_CAP_BYTES + " bytes (4 MiB)")
                .contains(
                        "at most "
                                + Abi.MAX_REQUESTS_PER_CYCLE
                                + " requests and "
                                + Abi.MAX_TX_BYTES_PER_CYCLE
                                + " bytes (1 MiB) sent per cycle")
                .contains(
                        "a `meta.timeout_ms` above "
                                + Abi.MAX_TIMEOUT_MS
                                + " ms is clamped to "
                                + Abi.MAX_TIMEOUT_MS
                                + " ms")
                .contains(
                        "at most "
                                + Abi.MAX_RECORDS_PER_CALL
                                + " records and at most "
                                + Abi.MAX_BLOB_BYTES_PER_CALL
                                + " bytes (1 MiB) of `meta.blob_used`")
                .contains("a module that declares " + Abi.WASM_MAX_PAGES + " pages")
                .contains(
                        "may grow memory by at most "
                                + Abi.MAX_GROW_PAGES_PER_CALL
                                + " pages (4 MiB) in all")
                .contains("A negative `meta.timeout_ms` is a violation");
        assertThat(4 * 1024 * 1024).isEqualTo(Abi.MODULE_SIZE_CAP_BYTES);
        assertThat(1 << 20)
                .isEqualTo(Abi.MAX_TX_BYTES_PER_CYCLE)
                .isEqualTo(Abi.MAX_BLOB_BYTES_PER_CALL);
        assertThat(Abi.maxBlobBytesPerCall(4096)).isEqualTo(4096);
        assertThat(Abi.maxBlobBytesPerCall(8L << 20)).isEqualTo(Abi.MAX_BLOB_BYTES_PER_CALL);
        assertThat(Abi.effectiveTimeoutMs(0)).isEqualTo(Abi.DEFAULT_RESPONSE_TIMEOUT_MS);
        assertThat(Abi.effectiveTimeoutMs(3_600_000)).isEqualTo(Abi.MAX_TIMEOUT_MS);
        assertThat(Abi.effectiveTimeoutMs(250)).isEqualTo(250);
        assertThatThrownBy(() -> Abi.effectiveTimeoutMs(-1)).hasMessageContaining("violation");
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

    private static final Pattern WRITE_RESULT_RECORD =
            Pattern.compile(
                    "^Byte example: a write result for point (\\d+), `(\\w+)` (\\d+) confirmed by the"
                            + " device:$");
    private static final Pattern DEVICE_STATUS_RECORD =
            Pattern.compile("^Byte example: a device status, `(\\w+)` \\(([^)]+)\\):$");
    private static final Pattern CAN_EXAMPLE =
            Pattern.compile("^Byte example: CAN frame `([^`]+)` \\((.+)\\):$");

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
            Matcher writeResult = WRITE_RESULT_RECORD.matcher(before);
            Matcher deviceStatus = DEVICE_STATUS_RECORD.matcher(before);
            Matcher can = CAN_EXAMPLE.matcher(before);
            if (writeResult.matches()) {
                PointRecord r = PointRecord.decode(bytes, 0);
                assertThat(bytes).hasSize(Abi.RECORD_SIZE);
                assertThat(r.point()).isEqualTo(Long.parseLong(writeResult.group(1)));
                assertThat(r.valueType()).isEqualTo(ValueType.valueOf(writeResult.group(2)));
                assertThat(r.value()).isEqualTo(Long.parseLong(writeResult.group(3)));
                assertThat(r.flags()).isEqualTo(RecordFlag.WRITE_RESULT.mask());
                assertThat(r.writeResult()).isTrue();
                assertThat(r.quality()).as("confirmed").isEqualTo(Quality.GOOD.code());
                assertThat(r.tsUs()).isZero();
                assertThat(r.toBytes()).isEqualTo(bytes);
            } else if (deviceStatus.matches()) {
                PointRecord r = PointRecord.decode(bytes, 0);
                assertThat(bytes).hasSize(Abi.RECORD_SIZE);
                assertThat(r.flags()).isEqualTo(RecordFlag.DEVICE_STATUS.mask());
                assertThat(r.deviceStatus()).isTrue();
                assertThat(r.point()).as("§6.3: point is 0").isZero();
                assertThat(r.quality()).isEqualTo(Quality.valueOf(deviceStatus.group(1)).code());
                assertThat(r.valueType()).isEqualTo(ValueType.NULL);
                assertThat(r.value()).isZero();
                assertThat(PointRecord.deviceStatus(Quality.valueOf(deviceStatus.group(1))))
                        .isEqualTo(r);
                assertThat(r.toBytes()).isEqualTo(bytes);
            } else if (can.matches()) {
                CanFrame fromText = CanFrame.parseCandump(can.group(1));
                assertThat(fromText.encode()).as("CAN frame %s", can.group(1)).isEqualTo(bytes);
                CanFrame decoded = CanFrame.decode(bytes, 0, bytes.length);
                assertThat(decoded).isEqualTo(fromText);
                assertThat(decoded.toCandump()).isEqualTo(can.group(1).toUpperCase(Locale.ROOT));
                String what = can.group(2);
                assertThat(decoded.extended()).isEqualTo(can.group(1).indexOf('#') == 8);
                assertThat(decoded.fd()).isEqualTo(what.startsWith("FD"));
                assertThat(decoded.remote()).isEqualTo(what.startsWith("remote"));
                Matcher n = Pattern.compile("(\\d+) data bytes").matcher(what);
                if (n.find()) {
                    assertThat(decoded.data()).hasSize(Integer.parseInt(n.group(1)));
                }
                if (what.contains("bit rate switch")) {
                    assertThat(CanFrame.Flag.BRS.isSet(decoded.flags())).isTrue();
                }
                Matcher rtr = Pattern.compile("remote request for (\\d+) bytes").matcher(what);
                if (rtr.find()) {
                    assertThat(decoded.dlc()).isEqualTo(Integer.parseInt(rtr.group(1)));
                }
                Matcher j1939 =
                        Pattern.compile(
                                        "J1939 \\w+, PGN (\\d+), from source address (\\d+),"
                                                + " wheel-based vehicle speed (\\d+) km/h")
                                .matcher(what);
                if (j1939.find()) {
                    // J1939-71: PGN in id bits 8-25, source address in bits 0-7; CCVS bytes 2-3
                    // (little-endian) carry the wheel-based speed in 1/256 km/h.
                    assertThat((decoded.id() >> 8) & 0x3FFFF)
                            .isEqualTo(Integer.parseInt(j1939.group(1)));
                    assertThat(decoded.id() & 0xFF).isEqualTo(Integer.parseInt(j1939.group(2)));
                    byte[] d = decoded.data();
                    assertThat(((d[1] & 0xFF) | (d[2] & 0xFF) << 8) / 256)
                            .isEqualTo(Integer.parseInt(j1939.group(3)));
                }
            } else if (layout.find()) {
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
        assertThat(checked).as("hex examples in ABI.md").isEqualTo(9);
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
