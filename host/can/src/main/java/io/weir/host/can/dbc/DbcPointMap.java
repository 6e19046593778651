package io.weir.host.can.dbc;

import io.weir.abi.DeviceConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A DBC file as the {@code can-dbc} driver's point map (drivers/can-dbc/README.md): ABI §5 cannot
 * carry a file, so the host turns every signal into one point line, named {@code MESSAGE.SIGNAL}.
 * One call makes it: {@link #read(Path)}.
 *
 * <ul>
 *   <li>a message is {@code id=0x1F4} (plus {@code ext=1} for a 29-bit id, {@code fd=1} for a CAN
 *       FD message) and {@code size=N}; a J1939 message ({@code ProtocolType} J1939 or {@code
 *       VFrameFormat} J1939PG) is {@code pgn=N}, plus {@code sa=N} unless its source address is the
 *       placeholder 0xFE (or 0xFF), in which case it matches any source and gets one more point,
 *       {@code MESSAGE.source_address} ({@code field=source});
 *   <li>a signal is {@code start len}, {@code order=motorola}, {@code signed=1}, {@code
 *       float=32|64}, {@code factor offset} (when not 1 and 0), {@code min max} (when not both 0),
 *       {@code choices=V:LABEL,…} (labels %XX-escaped), {@code switch=P mux=V} for a signal shown
 *       when the multiplexer at point P is V;
 *   <li>the device line gets {@code j1939=1} when any message is J1939.
 * </ul>
 *
 * Numbers are copied as the DBC writes them. {@code tools/gen_vectors.py} of the driver makes the
 * same lines from the same files, independently; DbcPointMapTest holds the two together.
 *
 * @param file the DBC file
 * @param deviceKeys the device line's keys the DBC implies
 * @param points one key map per point line, in index order
 * @param names the point names, index for index
 */
public record DbcPointMap(
        Path file,
        Map<String, String> deviceKeys,
        List<Map<String, String>> points,
        List<String> names) {

    public DbcPointMap {
        deviceKeys = Collections.unmodifiableMap(new LinkedHashMap<>(deviceKeys));
        List<Map<String, String>> copy = new ArrayList<>();
        for (Map<String, String> p : points) {
            copy.add(Collections.unmodifiableMap(new LinkedHashMap<>(p)));
        }
        points = Collections.unmodifiableList(copy);
        names = List.copyOf(names);
        if (names.size() != points.size()) {
            throw new IllegalArgumentException(
                    names.size() + " names for " + points.size() + " points");
        }
    }

    /** Reads a DBC file and converts it. */
    public static DbcPointMap read(Path dbc) throws DbcException {
        return of(dbc, DbcReader.read(dbc));
    }

    /** Converts a parsed DBC; {@code file} names it in errors. */
    public static DbcPointMap of(Path file, Dbc dbc) throws DbcException {
        Map<String, String> device = new LinkedHashMap<>();
        List<Map<String, String>> points = new ArrayList<>();
        List<String> names = new ArrayList<>();
        boolean anyJ1939 = false;
        for (Dbc.Message m : dbc.messages()) {
            if (m.rawId() == DbcReader.INDEPENDENT_SIGNALS) {
                continue;
            }
            String format = m.frameFormat();
            boolean j1939 =
                    m.extended()
                            && (format.equals("J1939PG")
                                    || dbc.protocolJ1939() && !format.equals("ExtendedCAN"));
            boolean fd = format.endsWith("_FD") || m.size() > 8 && !j1939;
            int sa = m.canId() & 0xFF;
            boolean anySource = sa == 0xFE || sa == 0xFF;
            Map<String, String> head = new LinkedHashMap<>();
            if (j1939) {
                anyJ1939 = true;
                int pf = (m.canId() >> 16) & 0xFF;
                int pgn = (m.canId() >> 8) & (pf >= 240 ? 0x3FFFF : 0x3FF00);
                head.put("pgn", Integer.toString(pgn));
                if (!anySource) {
                    head.put("sa", Integer.toString(sa));
                }
            } else {
                head.put("id", "0x" + Integer.toHexString(m.canId()).toUpperCase(Locale.ROOT));
                if (m.extended()) {
                    head.put("ext", "1");
                }
                if (m.size() > 64) {
                    throw new DbcException(
                            file,
                            m.line(),
                            "BO_ "
                                    + m.name()
                                    + ": a CAN frame carries at most 64 bytes, not "
                                    + m.size()
                                    + " (only J1939 transport carries more)");
                }
            }
            head.put("size", Integer.toString(m.size()));
            if (fd) {
                head.put("fd", "1");
            }
            int first = points.size();
            int switchPoint = -1;
            for (int i = 0; i < m.signals().size(); i++) {
                if (m.signals().get(i).multiplexer().equals("M")) {
                    if (switchPoint >= 0) {
                        throw new DbcException(
                                file,
                                m.signals().get(i).line(),
                                "BO_ " + m.name() + " has two multiplexer (M) signals");
                    }
                    switchPoint = first + i;
                }
            }
            for (Dbc.Signal s : m.signals()) {
                Map<String, String> p = new LinkedHashMap<>(head);
                p.put("start", Integer.toString(s.start()));
                p.put("len", Integer.toString(s.length()));
                if (s.motorola()) {
                    p.put("order", "motorola");
                }
                if (s.signed()) {
                    p.put("signed", "1");
                }
                if (s.floatBits() != 0) {
                    p.put("float", Integer.toString(s.floatBits()));
                }
                if (Double.parseDouble(s.factor()) != 1) {
                    p.put("factor", s.factor());
                }
                if (Double.parseDouble(s.offset()) != 0) {
                    p.put("offset", s.offset());
                }
                if (!(Double.parseDouble(s.min()) == 0 && Double.parseDouble(s.max()) == 0)) {
                    p.put("min", s.min());
                    p.put("max", s.max());
                }
                if (!s.choices().isEmpty()) {
                    StringBuilder b = new StringBuilder();
                    for (Map.Entry<Long, String> c : s.choices().entrySet()) {
                        if (b.length() > 0) {
                            b.append(',');
                        }
                        b.append(c.getKey()).append(':').append(escape(c.getValue()));
                    }
                    p.put("choices", b.toString());
                }
                String mux = s.multiplexer();
                if (mux.startsWith("m")) {
                    if (switchPoint < 0) {
                        throw new DbcException(
                                file,
                                s.line(),
                                "SG_ "
                                        + s.name()
                                        + " is multiplexed ("
                                        + mux
                                        + ") but BO_ "
                                        + m.name()
                                        + " has no multiplexer (M) signal");
                    }
                    p.put("switch", Integer.toString(switchPoint));
                    p.put("mux", mux.substring(1));
                }
                points.add(p);
                names.add(m.name() + "." + s.name());
            }
            if (j1939 && anySource) {
                Map<String, String> p = new LinkedHashMap<>(head);
                p.put("field", "source");
                points.add(p);
                names.add(m.name() + ".source_address");
            }
        }
        if (anyJ1939) {
            device.put("j1939", "1");
        }
        return new DbcPointMap(file, device, points, names);
    }

    /**
     * The driver's config: the DBC's device keys, then the operator's (an operator's key wins, e.g.
     * {@code j1939=0}), and the point lines.
     */
    public DeviceConfig config(Map<String, String> operatorDeviceKeys) {
        Map<String, String> device = new LinkedHashMap<>(deviceKeys);
        device.putAll(operatorDeviceKeys);
        return new DeviceConfig(device, points);
    }

    /** The config text the driver gets (without host keys): the device line and the point lines. */
    public String text() {
        StringBuilder b = new StringBuilder("device");
        deviceKeys.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        b.append('\n');
        for (int i = 0; i < points.size(); i++) {
            b.append("point ").append(i);
            points.get(i).forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * A value table label as a config value: every byte outside {@code [A-Za-z0-9_.+/-]} as %XX.
     */
    static String escape(String label) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < label.length(); ) {
            int cp = label.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x80 && (Character.isLetterOrDigit(cp) || "_.+/-".indexOf(cp) >= 0)) {
                b.append((char) cp);
            } else {
                for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    b.append(String.format(Locale.ROOT, "%%%02X", x & 0xFF));
                }
            }
        }
        return b.toString();
    }
}
