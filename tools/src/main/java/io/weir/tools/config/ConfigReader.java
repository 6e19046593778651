package io.weir.tools.config;

import io.weir.host.can.CanTransport;
import io.weir.host.can.dbc.DbcException;
import io.weir.host.can.dbc.DbcPointMap;
import io.weir.host.io.LinkAddress;
import io.weir.host.serial.SerialAddress;
import io.weir.tools.cli.HostPort;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Reads a config file with tomlj, which keeps the line and column of every key and array element
 * and goes on after a syntax error, and collects every problem instead of stopping at the first.
 *
 * <p>After a TOML error the tree may lack what the broken line swallowed. So that one mistake gives
 * one line, a table whose text holds a TOML error reports no missing keys, and a device whose text
 * holds one is not shown to its driver.
 */
final class ConfigReader {

    static final Set<String> ROOT_KEYS = ordered("gateway", "uplink", "admin", "devices");
    static final Set<String> GATEWAY_KEYS = ordered("name", "data_dir", "busy_poll_us");
    static final Set<String> UPLINK_KEYS = ordered("receiver", "pki");
    static final Set<String> ADMIN_KEYS = ordered("listen");

    /** The keys the host reads from a device; every other key goes to the driver (ABI §5). */
    static final Set<String> DEVICE_HOST_KEYS =
            ordered("name", "driver", "link", "interval", "points", "dbc");

    /**
     * Link schemes this build opens and the transport (ABI §3.4, §5.1 {@code weir.transport}) a
     * driver speaks over them: {@code rtu+tcp://} is a TCP connection that carries serial framing
     * (a serial device server in transparent mode), so its drivers frame as on a serial line.
     * {@code weir run} wires the same transports.
     */
    static final Map<String, String> TRANSPORTS =
            Map.of(
                    "tcp", "tcp",
                    "rtu+tcp", "serial",
                    "serial", "serial",
                    "slcan", "can",
                    "socketcand", "can",
                    "candump", "can");

    /** The link forms this build opens, for messages. */
    static final String LINK_FORMS =
            "tcp://HOST:PORT, rtu+tcp://HOST:PORT, serial:/dev/PORT?baud=19200,"
                    + " slcan:/dev/PORT?bitrate=500000, socketcand://HOST:PORT/BUS or"
                    + " candump:/PATH/FILE.log";

    private static final Pattern ABI_KEY = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern ABI_VALUE = Pattern.compile("[\\x21-\\x3C\\x3E-\\x7E]+");

    /**
     * What a file gave.
     *
     * @param problems every problem, in file order
     * @param config the config, if there are no problems
     * @param devices every device whose host keys and driver keys are valid, in file order
     * @param checkable the devices a driver may judge: valid, and no TOML error in their text
     * @param deviceTables how many {@code [[devices]]} tables the file has
     * @param pointTables how many point tables
     * @param admin the admin API's address, when the file gives a valid one (the default when it
     *     gives none)
     */
    record Result(
            Path file,
            List<Problem> problems,
            GatewayConfig config,
            Gateway gateway,
            Optional<UplinkSection> uplink,
            AdminSection admin,
            List<DeviceConfigEntry> devices,
            List<DeviceConfigEntry> checkable,
            int deviceTables,
            int pointTables) {}

    private final Path file;
    private final Path baseDir;
    private final List<Problem> problems = new ArrayList<>();

    /** Missing keys and tables, with the line of the table they belong to (0 = the file). */
    private final List<Map.Entry<Integer, Problem>> absences = new ArrayList<>();

    private final NavigableSet<Integer> tomlErrorLines = new TreeSet<>();
    private final NavigableSet<Integer> tableLines = new TreeSet<>();
    private final NavigableSet<Integer> deviceBoundaries = new TreeSet<>();

    /** Root keys a misspelt key stands for: their absence is said once, by the misspelling. */
    private final Set<String> rootMisspelt = new java.util.HashSet<>();

    private int deviceTables;
    private int pointTables;

    private ConfigReader(Path file) {
        this.file = file;
        Path parent = file.toAbsolutePath().normalize().getParent();
        this.baseDir = parent == null ? Path.of("/") : parent;
    }

    static Result read(Path file) {
        return new ConfigReader(file).run();
    }

    private Result run() {
        String text = readText();
        if (text == null) {
            return result(null, null, Optional.empty(), null, List.of(), List.of());
        }
        TomlParseResult toml = Toml.parse(text);
        for (TomlParseError e : toml.errors()) {
            TomlPosition p = e.position();
            int line = p == null ? 0 : p.line();
            // The parser may report a broken line twice (the header, then the table); once is
            // enough.
            if (line > 0 && !tomlErrorLines.add(line)) {
                continue;
            }
            String msg = e.getMessage();
            String where =
                    msg.indexOf(" (line ") > 0 ? msg.substring(0, msg.lastIndexOf(" (line ")) : msg;
            problems.add(
                    new Problem(
                            file,
                            line,
                            p == null ? 0 : p.column(),
                            "",
                            "TOML: "
                                    + TerminalText.escape(lowerFirst(where))
                                    + (p == null ? "" : " (column " + p.column() + ")")
                                    + quoteHint(text, line)));
        }
        collectTableLines(toml);

        for (String key : toml.keySet()) {
            if (!ROOT_KEYS.contains(key)) {
                String meant = closest(key, ROOT_KEYS);
                if (meant != null && toml.contains(List.of(meant))) {
                    meant = null;
                }
                if (meant != null) {
                    rootMisspelt.add(meant);
                }
                problems.add(
                        new Problem(
                                file,
                                line(toml, key),
                                column(toml, key),
                                keyPath("", key),
                                meant == null
                                        ? "unknown table or key (expected "
                                                + String.join(", ", ROOT_KEYS)
                                                + ")"
                                        : "unknown table or key; did you mean " + meant + "?"));
            }
        }
        Gateway gateway = readGateway(toml);
        Optional<UplinkSection> uplink = readUplink(toml);
        AdminSection admin = readAdmin(toml);
        List<DeviceConfigEntry> devices = new ArrayList<>();
        List<DeviceConfigEntry> checkable = new ArrayList<>();
        readDevices(toml, devices, checkable);

        GatewayConfig config = null;
        if (problemsAfterAbsences().isEmpty()
                && gateway != null
                && admin != null
                && (uplink.isPresent() || !toml.contains(List.of("uplink")))
                && devices.size() == deviceTables
                && !devices.isEmpty()) {
            config = new GatewayConfig(file, gateway, uplink, admin, devices);
        }
        return result(config, gateway, uplink, admin, devices, checkable);
    }

    private Result result(
            GatewayConfig config,
            Gateway gateway,
            Optional<UplinkSection> uplink,
            AdminSection admin,
            List<DeviceConfigEntry> devices,
            List<DeviceConfigEntry> checkable) {
        List<Problem> all = problemsAfterAbsences();
        return new Result(
                file,
                all,
                all.isEmpty() ? config : null,
                gateway,
                uplink,
                admin,
                List.copyOf(devices),
                List.copyOf(checkable),
                deviceTables,
                pointTables);
    }

    /** Every problem, with absences the TOML errors may have caused left out, in file order. */
    private List<Problem> problemsAfterAbsences() {
        List<Problem> all = new ArrayList<>();
        for (Problem p : problems) {
            // On a line with a TOML error the value is whatever the parser salvaged (127.0 of
            // an unquoted 127.0.0.1:9780): the TOML error is the one mistake to report there.
            if (p.key().isEmpty() || !tomlErrorLines.contains(p.line())) {
                all.add(p);
            }
        }
        for (Map.Entry<Integer, Problem> a : absences) {
            if (!textBroken(a.getKey(), tableLines)) {
                all.add(a.getValue());
            }
        }
        all.sort(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        return all;
    }

    // ---- the file -----------------------------------------------------------------------------

    private String readText() {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                problems.add(new Problem(file, 0, 0, "", "is a folder, not a config file"));
                return null;
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            problems.add(new Problem(file, 0, 0, "", "no such file"));
            return null;
        } catch (AccessDeniedException e) {
            problems.add(new Problem(file, 0, 0, "", "permission denied"));
            return null;
        } catch (IOException e) {
            problems.add(new Problem(file, 0, 0, "", "cannot read: " + e.getMessage()));
            return null;
        }
        // TOML 1.0: "A TOML file must be a valid UTF-8 encoded Unicode document."
        CharsetDecoder utf8 =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = utf8.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            problems.add(
                    new Problem(
                            file,
                            line,
                            0,
                            "",
                            "TOML: the file is not UTF-8 (byte "
                                    + String.format("0x%02x", bytes[at] & 0xff)
                                    + " at offset "
                                    + at
                                    + "); save it as UTF-8"));
            return null;
        }
        utf8.flush(out);
        return out.flip().toString();
    }

    private static final Pattern BARE_VALUE =
            Pattern.compile("\\s*([A-Za-z0-9_-]+)\\s*=\\s*([^\"'\\[{\\s#][^#]*?)\\s*(#.*)?");

    /**
     * The commonest TOML mistake is a string without quotes ({@code type = f32}); the parser only
     * says which character it did not expect. When quoting the value makes the line valid, say so.
     */
    static String quoteHint(String text, int line) {
        if (line < 1) {
            return "";
        }
        String[] lines = text.split("\n", -1);
        if (line > lines.length) {
            return "";
        }
        java.util.regex.Matcher m = BARE_VALUE.matcher(lines[line - 1]);
        if (!m.matches()) {
            return "";
        }
        String value = m.group(2);
        if (!Toml.parse("x = " + value).hasErrors()
                || Toml.parse("x = \"" + value + "\"").hasErrors()) {
            return "";
        }
        return "; a string needs quotes: "
                + TerminalText.escape(m.group(1))
                + " = "
                + TerminalText.quote(value);
    }

    /** The line of every table, so that the text of each table is known (TOML errors in it). */
    private void collectTableLines(TomlParseResult toml) {
        for (String key : toml.keySet()) {
            Object v = toml.get(List.of(key));
            if (v instanceof TomlTable) {
                tableLines.add(line(toml, key));
                deviceBoundaries.add(line(toml, key));
            } else if (v instanceof TomlArray a && !a.isEmpty() && allTables(a)) {
                for (int i = 0; i < a.size(); i++) {
                    int line = position(a, i);
                    tableLines.add(line);
                    deviceBoundaries.add(line);
                    if (key.equals("devices") && a.get(i) instanceof TomlTable d) {
                        Object pts = d.get(List.of("points"));
                        if (pts instanceof TomlArray pa && allTables(pa)) {
                            for (int j = 0; j < pa.size(); j++) {
                                tableLines.add(position(pa, j));
                            }
                        }
                    }
                }
            }
        }
        tableLines.remove(0);
        deviceBoundaries.remove(0);
    }

    /**
     * Whether a TOML error lies in the text of the table at {@code line}: from its header to the
     * next header of {@code boundaries}. Line 0 is the whole file.
     */
    private boolean textBroken(int line, NavigableSet<Integer> boundaries) {
        if (tomlErrorLines.isEmpty()) {
            return false;
        }
        if (line == 0) {
            return true;
        }
        Integer end = boundaries.higher(line);
        return !tomlErrorLines
                .subSet(line, true, end == null ? Integer.MAX_VALUE : end, false)
                .isEmpty();
    }

    // ---- sections -----------------------------------------------------------------------------

    private Gateway readGateway(TomlParseResult toml) {
        Table t = table(toml, "gateway", true, "[gateway] with name and data_dir");
        if (t == null) {
            return null;
        }
        t.unknownKeys(GATEWAY_KEYS);
        String name = t.string("name", true);
        if (name != null && !Gateway.NAME.matcher(name).matches()) {
            t.problem("name", TerminalText.quote(name) + " must be " + Gateway.NAME_RULE);
            name = null;
        }
        Path dataDir = t.path("data_dir", true);
        Object spin = t.raw("busy_poll_us");
        Duration busyPoll = null;
        if (spin instanceof Long us && us >= 0 && us <= Gateway.BUSY_POLL_MAX_US) {
            busyPoll = Duration.ofNanos(us * 1000);
        } else if (spin != null) {
            t.problem(
                    "busy_poll_us",
                    "must be an integer of microseconds, 0 (sleep at once) to "
                            + Gateway.BUSY_POLL_MAX_US
                            + ", not "
                            + (spin instanceof Long ? spin.toString() : typeName(spin)));
        }
        if (name == null || dataDir == null) {
            return null;
        }
        return new Gateway(name, dataDir, busyPoll, t.lines());
    }

    private Optional<UplinkSection> readUplink(TomlParseResult toml) {
        Table t = table(toml, "uplink", false, null);
        if (t == null) {
            return Optional.empty();
        }
        t.unknownKeys(UPLINK_KEYS);
        HostPort receiver = t.hostPort("receiver", true);
        Path pki = t.path("pki", true);
        if (receiver == null || pki == null) {
            return Optional.empty();
        }
        return Optional.of(new UplinkSection(receiver, pki, t.lines()));
    }

    private AdminSection readAdmin(TomlParseResult toml) {
        Table t = table(toml, "admin", false, null);
        if (t == null) {
            return toml.contains(List.of("admin")) ? null : AdminSection.DEFAULT;
        }
        t.unknownKeys(ADMIN_KEYS);
        if (t.raw("listen") == null) {
            return new AdminSection(AdminSection.DEFAULT_LISTEN, t.lines());
        }
        HostPort listen = t.hostPort("listen", false);
        return listen == null ? null : new AdminSection(listen, t.lines());
    }

    private void readDevices(
            TomlParseResult toml,
            List<DeviceConfigEntry> devices,
            List<DeviceConfigEntry> checkable) {
        Object v = toml.get(List.of("devices"));
        if (v == null) {
            if (rootMisspelt.contains("devices")) {
                return;
            }
            absent(
                    0,
                    new Problem(
                            file,
                            0,
                            0,
                            "devices",
                            "no [[devices]] table: a gateway needs at least one device to poll"));
            return;
        }
        if (!(v instanceof TomlArray arr) || (!arr.isEmpty() && !allTables(arr))) {
            problems.add(
                    new Problem(
                            file,
                            line(toml, "devices"),
                            column(toml, "devices"),
                            "devices",
                            "must be an array of tables, written [[devices]], not " + typeName(v)));
            return;
        }
        if (arr.isEmpty()) {
            problems.add(
                    new Problem(
                            file,
                            line(toml, "devices"),
                            column(toml, "devices"),
                            "devices",
                            "is empty: a gateway needs at least one device to poll"));
            return;
        }
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < arr.size(); i++) {
            deviceTables++;
            TomlTable dt = arr.getTable(i);
            Table t = new Table(dt, "devices[" + i + "]", position(arr, i));
            DeviceConfigEntry d = readDevice(i, t, names);
            if (d != null) {
                devices.add(d);
                if (!textBroken(d.line(), deviceBoundaries)) {
                    checkable.add(d);
                }
            }
        }
    }

    private DeviceConfigEntry readDevice(int index, Table t, Map<String, String> names) {
        boolean valid = true;
        String name = t.string("name", true);
        if (name != null && !DeviceConfigEntry.NAME.matcher(name).matches()) {
            t.problem("name", TerminalText.quote(name) + " must be " + DeviceConfigEntry.NAME_RULE);
            name = null;
        } else if (name != null) {
            String first = names.putIfAbsent(name, t.path + " (line " + t.lineOf("name") + ")");
            if (first != null) {
                t.problem(
                        "name",
                        "device name " + TerminalText.quote(name) + " is taken by " + first);
            }
        }
        DriverRef driver = null;
        String driverText = t.string("driver", true);
        if (driverText != null) {
            try {
                driver = DriverRef.parse(driverText, baseDir);
            } catch (IllegalArgumentException e) {
                t.problem("driver", e.getMessage());
            }
        }
        LinkAddress link = null;
        String linkText = t.string("link", true);
        if (linkText != null) {
            try {
                link = parseLink(linkText);
            } catch (IllegalArgumentException e) {
                t.problem("link", TerminalText.escape(e.getMessage()));
            }
        }
        Duration interval = DeviceConfigEntry.DEFAULT_INTERVAL;
        if (t.raw("interval") instanceof String text
                && DeviceConfigEntry.CONTINUOUS.matcher(text).matches()) {
            interval = Duration.ZERO;
        } else if (t.raw("interval") != null) {
            interval = t.duration("interval");
            if (interval != null && interval.compareTo(DeviceConfigEntry.MAX_INTERVAL) > 0) {
                t.problem(
                        "interval",
                        "a poll interval of "
                                + TerminalText.quote((String) t.raw("interval"))
                                + " is longer than the longest, "
                                + DurationText.format(DeviceConfigEntry.MAX_INTERVAL));
                interval = null;
            }
            valid &= interval != null;
        }
        Map<String, String> deviceKeys = new LinkedHashMap<>();
        for (String key : t.table.keySet()) {
            if (!DEVICE_HOST_KEYS.contains(key)) {
                String value = t.driverValue(key);
                if (value == null) {
                    valid = false;
                } else {
                    deviceKeys.put(key, value);
                }
            }
        }
        List<PointConfigEntry> points = new ArrayList<>();
        Object pv = t.raw("points");
        if (pv != null) {
            if (!(pv instanceof TomlArray pa) || (!pa.isEmpty() && !allTables(pa))) {
                t.problem(
                        "points",
                        "must be an array of tables, written [[devices.points]] after the device,"
                                + " not "
                                + typeName(pv));
                valid = false;
            } else {
                Map<String, String> pointNames = new HashMap<>();
                for (int j = 0; j < pa.size(); j++) {
                    pointTables++;
                    Table pt =
                            new Table(
                                    pa.getTable(j), t.path + ".points[" + j + "]", position(pa, j));
                    PointConfigEntry p = readPoint(j, pt, pointNames);
                    if (p == null) {
                        valid = false;
                    } else {
                        points.add(p);
                    }
                }
            }
        }
        if (t.raw("dbc") != null) {
            valid &= readDbc(t, deviceKeys, points);
        }
        if (!valid || name == null || driver == null || link == null) {
            return null;
        }
        return new DeviceConfigEntry(
                file, index, name, driver, link, interval, deviceKeys, points, t.lines());
    }

    /**
     * {@code dbc = "FILE"}: the device's points come from a DBC file, converted to the can-dbc
     * driver's point lines (drivers/can-dbc/README.md); the keys the DBC implies ({@code j1939})
     * join the device keys unless the table writes them. A DBC the converter refuses is a problem
     * at the {@code dbc} key naming the DBC's own file and line.
     */
    private boolean readDbc(
            Table t, Map<String, String> deviceKeys, List<PointConfigEntry> points) {
        Path dbc = t.path("dbc", false);
        if (dbc == null) {
            return false;
        }
        if (!points.isEmpty()) {
            t.problem(
                    "dbc",
                    "a device takes its points from dbc or from [[devices.points]], not both");
            return false;
        }
        DbcPointMap map;
        try {
            map = DbcPointMap.read(dbc);
        } catch (DbcException e) {
            t.problem("dbc", TerminalText.escape(e.getMessage()));
            return false;
        }
        map.deviceKeys().forEach(deviceKeys::putIfAbsent);
        SourceLines at = new SourceLines(t.lineOf("dbc"), Map.of());
        for (int i = 0; i < map.points().size(); i++) {
            String pointName = map.names().get(i);
            if (!DeviceConfigEntry.NAME.matcher(pointName).matches()) {
                t.problem(
                        "dbc",
                        TerminalText.escape(dbc.toString())
                                + ": point name "
                                + TerminalText.quote(pointName)
                                + " must be "
                                + DeviceConfigEntry.NAME_RULE);
                return false;
            }
            points.add(new PointConfigEntry(i, pointName, map.points().get(i), at));
        }
        return true;
    }

    private PointConfigEntry readPoint(int index, Table t, Map<String, String> names) {
        boolean valid = true;
        String name = t.string("name", true);
        if (name != null && !DeviceConfigEntry.NAME.matcher(name).matches()) {
            t.problem("name", TerminalText.quote(name) + " must be " + DeviceConfigEntry.NAME_RULE);
            name = null;
        } else if (name != null) {
            String first = names.putIfAbsent(name, t.path + " (line " + t.lineOf("name") + ")");
            if (first != null) {
                t.problem(
                        "name",
                        "point name "
                                + TerminalText.quote(name)
                                + " is taken by "
                                + first
                                + " in the same device");
            }
        }
        Map<String, String> keys = new LinkedHashMap<>();
        for (String key : t.table.keySet()) {
            if (!key.equals("name")) {
                String value = t.driverValue(key);
                if (value == null) {
                    valid = false;
                } else {
                    keys.put(key, value);
                }
            }
        }
        return valid && name != null ? new PointConfigEntry(index, name, keys, t.lines()) : null;
    }

    // ---- values -------------------------------------------------------------------------------

    /**
     * A device's {@code link}: a {@link LinkAddress} whose scheme this build opens, with what its
     * transport needs.
     */
    static LinkAddress parseLink(String text) {
        LinkAddress a = LinkAddress.parse(text);
        String kind = TRANSPORTS.get(a.scheme());
        if (kind == null) {
            throw new IllegalArgumentException(
                    "no transport opens \""
                            + a.scheme()
                            + ":\" links in this build; it opens "
                            + LINK_FORMS);
        }
        if (a.scheme().equals("tcp") || a.scheme().equals("rtu+tcp")) {
            String what = a.scheme().equals("tcp") ? "a TCP link" : "an RTU-over-TCP link";
            if (a.host() == null || a.port() < 0) {
                throw new IllegalArgumentException(
                        "\""
                                + text
                                + "\": "
                                + what
                                + " needs a host and a port, e.g. "
                                + a.scheme()
                                + "://10.0.0.5:"
                                + (a.scheme().equals("tcp") ? "502" : "4001"));
            }
            if (!a.path().isEmpty() || !a.params().isEmpty()) {
                throw new IllegalArgumentException(
                        "\""
                                + text
                                + "\": "
                                + what
                                + " takes no path or parameters ("
                                + a.scheme()
                                + "://HOST:PORT)");
            }
        } else if (kind.equals("serial")) {
            // host/serial's own reading: a port path, baud, data, parity, stop, silence … checked.
            SerialAddress.parse(a);
        } else {
            CanTransport.check(a);
        }
        return a;
    }

    /** {@code HOST:PORT} (IPv6 as {@code [::1]:9780}) with a port 1..65535. */
    static HostPort parseHostPort(String text) {
        String form = " (write HOST:PORT, e.g. 127.0.0.1:9780 or [::1]:9780)";
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(
                    TerminalText.quote(text) + " is not HOST:PORT" + form);
        }
        String host = text.substring(0, colon);
        String port = text.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException(
                    TerminalText.quote(text) + ": an IPv6 host needs brackets" + form);
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9._:%-]+")) {
            throw new IllegalArgumentException(
                    TerminalText.quote(text) + " has no valid host" + form);
        }
        if (!port.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException(
                    TerminalText.quote(text)
                            + ": port "
                            + TerminalText.quote(port)
                            + " is not a number 1..65535");
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException(
                    TerminalText.quote(text) + ": port must be 1..65535, got " + p);
        }
        return new HostPort(host, p);
    }

    /** TOML's name for a value's type, with an article, for "must be a string, not …". */
    static String typeName(Object v) {
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Long) {
            return "an integer";
        }
        if (v instanceof Double) {
            return "a float";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof TomlArray a) {
            return allTables(a) ? "an array of tables" : "an array";
        }
        if (v instanceof TomlTable) {
            return "a table";
        }
        if (v instanceof TemporalAccessor) {
            return "a date/time";
        }
        return "nothing";
    }

    /**
     * A float as a driver reads it back: plain decimal, never an exponent, and always with a point
     * so that it stays a float.
     */
    static String decimal(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        String s = BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        return s.contains(".") ? s : s + ".0";
    }

    // ---- tables -------------------------------------------------------------------------------

    private Table table(TomlParseResult toml, String key, boolean required, String what) {
        Object v = toml.get(List.of(key));
        if (v == null) {
            if (required && !rootMisspelt.contains(key)) {
                absent(0, new Problem(file, 0, 0, key, "missing: the file needs " + what));
            }
            return null;
        }
        if (!(v instanceof TomlTable t)) {
            problems.add(
                    new Problem(
                            file,
                            line(toml, key),
                            column(toml, key),
                            key,
                            "must be a table, written [" + key + "], not " + typeName(v)));
            return null;
        }
        return new Table(t, key, line(toml, key));
    }

    private void absent(int tableLine, Problem p) {
        absences.add(Map.entry(tableLine, p));
    }

    /** One table being read: its key path and line, and the problems of its keys. */
    private final class Table {
        final TomlTable table;
        final String path;
        final int line;

        /** Known keys that an unknown key of this table looks like a misspelling of. */
        final Set<String> misspelt = new java.util.HashSet<>();

        Table(TomlTable table, String path, int line) {
            this.table = table;
            this.path = path;
            this.line = line;
        }

        Object raw(String key) {
            return table.get(List.of(key));
        }

        int lineOf(String key) {
            TomlPosition p = table.inputPositionOf(List.of(key));
            return p == null ? line : p.line();
        }

        int columnOf(String key) {
            TomlPosition p = table.inputPositionOf(List.of(key));
            return p == null ? 0 : p.column();
        }

        SourceLines lines() {
            Map<String, Integer> keys = new LinkedHashMap<>();
            for (String k : table.keySet()) {
                keys.put(k, lineOf(k));
            }
            return new SourceLines(line, keys);
        }

        void problem(String key, String message) {
            problems.add(
                    new Problem(file, lineOf(key), columnOf(key), keyPath(path, key), message));
        }

        void unknownKeys(Set<String> known) {
            for (String key : table.keySet()) {
                if (!known.contains(key)) {
                    String meant = closest(key, known);
                    if (meant != null && !table.contains(List.of(meant))) {
                        misspelt.add(meant);
                        problem(key, "unknown key; did you mean " + meant + "?");
                    } else {
                        problem(key, "unknown key (expected " + String.join(", ", known) + ")");
                    }
                }
            }
        }

        String string(String key, boolean required) {
            Object v = raw(key);
            if (v == null) {
                if (required && !misspelt.contains(key)) {
                    String hint = "";
                    if (path.startsWith("devices[")) {
                        // Device and point tables pass unknown keys to the driver; a misspelt
                        // host key would reach it and is worth naming here.
                        Set<String> others = new LinkedHashSet<>(table.keySet());
                        others.removeAll(DEVICE_HOST_KEYS);
                        String near = closest(key, others);
                        if (near != null) {
                            hint =
                                    " (is "
                                            + TerminalText.quote(near)
                                            + " meant to be "
                                            + key
                                            + "?)";
                        }
                    }
                    absent(
                            line,
                            new Problem(
                                    file,
                                    line,
                                    0,
                                    keyPath(path, key),
                                    "missing; write " + key + " = \"…\" in " + tableName() + hint));
                }
                return null;
            }
            if (!(v instanceof String s)) {
                problem(
                        key,
                        "must be a string, not " + typeName(v) + " (write " + key + " = \"…\")");
                return null;
            }
            if (s.isBlank()) {
                problem(key, "is empty");
                return null;
            }
            return s;
        }

        Path path(String key, boolean required) {
            String s = string(key, required);
            if (s == null) {
                return null;
            }
            if (s.indexOf('\0') >= 0) {
                problem(key, "a path cannot hold a NUL character");
                return null;
            }
            try {
                return baseDir.resolve(s).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                problem(key, TerminalText.quote(s) + " is not a valid path: " + e.getReason());
                return null;
            }
        }

        HostPort hostPort(String key, boolean required) {
            String s = string(key, required);
            if (s == null) {
                return null;
            }
            try {
                return parseHostPort(s);
            } catch (IllegalArgumentException e) {
                problem(key, e.getMessage());
                return null;
            }
        }

        Duration duration(String key) {
            Object v = raw(key);
            if (!(v instanceof String s)) {
                problem(
                        key,
                        "must be a string holding a duration, not "
                                + typeName(v)
                                + "; write "
                                + DurationText.FORMS);
                return null;
            }
            try {
                return DurationText.parse(s);
            } catch (IllegalArgumentException e) {
                problem(key, e.getMessage());
                return null;
            }
        }

        /** A value for the driver's config text: ABI §5 grammar, or a problem saying why not. */
        String driverValue(String key) {
            if (!ABI_KEY.matcher(key).matches()) {
                problem(
                        key,
                        "this key cannot go to the driver: ABI §5 keys are letters, digits, '_',"
                                + " '-' or '.'");
                return null;
            }
            Object v = raw(key);
            String text;
            if (v instanceof String s) {
                text = s;
            } else if (v instanceof Long || v instanceof Boolean) {
                text = v.toString();
            } else if (v instanceof Double d) {
                text = decimal(d);
            } else if (v instanceof TemporalAccessor) {
                text = v.toString();
            } else {
                problem(
                        key,
                        typeName(v)
                                + " cannot go to the driver; a driver key takes a string, a number"
                                + " or a boolean");
                return null;
            }
            if (text.isEmpty()) {
                problem(
                        key,
                        "an empty string cannot go to the driver (ABI §5: a value has at least one"
                                + " character)");
                return null;
            }
            if (!ABI_VALUE.matcher(text).matches()) {
                problem(
                        key,
                        TerminalText.quote(text)
                                + " cannot go to the driver: ABI §5 values are printable ASCII"
                                + " without spaces or '='");
                return null;
            }
            return text;
        }

        private String tableName() {
            if (path.startsWith("devices[") && path.contains(".points[")) {
                return "the point's [[devices.points]] table";
            }
            if (path.startsWith("devices[")) {
                return "the device's [[devices]] table";
            }
            return "[" + path + "]";
        }
    }

    // ---- small pieces -------------------------------------------------------------------------

    /** TOML 1.0 arrays may mix types; an array of tables holds tables only. */
    private static boolean allTables(TomlArray a) {
        for (int i = 0; i < a.size(); i++) {
            if (!(a.get(i) instanceof TomlTable)) {
                return false;
            }
        }
        return true;
    }

    private static int line(TomlTable t, String key) {
        TomlPosition p = t.inputPositionOf(List.of(key));
        return p == null ? 0 : p.line();
    }

    private static int column(TomlTable t, String key) {
        TomlPosition p = t.inputPositionOf(List.of(key));
        return p == null ? 0 : p.column();
    }

    private static int position(TomlArray a, int i) {
        TomlPosition p = a.inputPositionOf(i);
        return p == null ? 0 : p.line();
    }

    /** {@code devices[0].unit}; a key that is not a bare TOML key is quoted. */
    static String keyPath(String path, String key) {
        String k = Toml.joinKeyPath(List.of(key));
        return path.isEmpty() ? TerminalText.escape(k) : path + "." + TerminalText.escape(k);
    }

    /**
     * The candidate {@code key} is most likely a misspelling of: at most 2 edits away, or the
     * candidate with a word added ({@code pki_dir} for {@code pki}); {@code null} if none is.
     */
    private static String closest(String key, Set<String> candidates) {
        String best = null;
        int bestDistance = 3;
        for (String c : candidates) {
            if (c.equals(key)) {
                continue;
            }
            // pki_dir, receiver-address: the known key with a word added.
            if ((key.startsWith(c + "_") || key.startsWith(c + "-")) && c.length() >= 3) {
                return c;
            }
            int d =
                    editDistance(
                            key.toLowerCase(java.util.Locale.ROOT),
                            c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance && !c.equals(key)) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance, with a swap of two neighbours counted as one edit. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] =
                        Math.min(
                                Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1
                        && j > 1
                        && a.charAt(i - 1) == b.charAt(j - 2)
                        && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    private static Set<String> ordered(String... keys) {
        return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(List.of(keys)));
    }
}
