package io.weir.tools.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values a simulator serves, read from a register file or from {@code --generator} flags.
 *
 * <p>Register file (TOML): one table per value, named {@code <area>.<address>}; keys {@code name}
 * (the plant name clients show, {@code [a-z0-9_./-]{1,64}}, unique in the map; optional), {@code
 * type} (bool, u16, i16, u32, i32, f32, u64, i64, f64; default u16, bool for bit areas), {@code
 * order} (ABCD, CDAB, BADC, DCBA; default ABCD), {@code gen} and the generator's numbers:
 *
 * <pre>
 * [holding.100]
 * name = "boiler_temp_c"
 * type = "f32"
 * order = "CDAB"
 * gen = "sine"
 * period = 10
 * amplitude = 50
 * offset = 20
 *
 * [coil.5]
 * gen = "toggle"
 * period = 2
 * </pre>
 *
 * A flag is the same in one string: {@code
 * holding.100=sine:name=boiler_temp_c,type=f32,order=CDAB,period=10}.
 */
public final class RegisterMap {
    private static final ObjectMapper TOML = new TomlMapper();
    private final List<SimPoint> points;

    public RegisterMap(List<SimPoint> points) {
        List<SimPoint> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparing(SimPoint::area).thenComparingInt(SimPoint::address));
        for (int i = 1; i < sorted.size(); i++) {
            SimPoint a = sorted.get(i - 1);
            SimPoint b = sorted.get(i);
            if (a.area() == b.area() && a.address() + a.width() > b.address()) {
                throw new IllegalArgumentException(
                        a.area().key()
                                + "."
                                + a.address()
                                + " ("
                                + a.kind().key()
                                + ") overlaps "
                                + b.area().key()
                                + "."
                                + b.address());
            }
        }
        Map<String, SimPoint> byName = new java.util.HashMap<>();
        for (SimPoint p : sorted) {
            // Unnamed values go by their location, so a name may not take another's location.
            SimPoint other = byName.putIfAbsent(p.pointName(), p);
            if (other != null) {
                throw new IllegalArgumentException(
                        "["
                                + p.area().key()
                                + "."
                                + p.address()
                                + "]: point name \""
                                + p.pointName()
                                + "\" is already the point name of ["
                                + other.area().key()
                                + "."
                                + other.address()
                                + "]");
            }
        }
        this.points = List.copyOf(sorted);
    }

    public List<SimPoint> points() {
        return points;
    }

    /** The built-in map: every type and order, every generator, all four areas. */
    public static RegisterMap builtIn() {
        try (InputStream in = RegisterMap.class.getResourceAsStream("default-registers.toml")) {
            if (in == null) {
                throw new IllegalStateException(
                        "default-registers.toml missing from the classpath");
            }
            return parse(
                    new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8),
                    "built-in map");
        } catch (IOException e) {
            throw new IllegalStateException("reading the built-in register map", e);
        }
    }

    public static RegisterMap read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, not a register file (TOML)");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text, so not a register file (TOML)", e);
        }
        return parse(text, file.toString());
    }

    @SuppressWarnings("unchecked")
    public static RegisterMap parse(String toml, String source) throws IOException {
        Map<String, Object> root;
        try {
            root = TOML.readValue(toml, Map.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(source + ": not valid TOML: " + e.getOriginalMessage(), e);
        }
        List<SimPoint> points = new ArrayList<>();
        long seed = 1;
        for (Map.Entry<String, Object> areaEntry : root.entrySet()) {
            Area area;
            try {
                area = Area.of(areaEntry.getKey());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        source + ": table [" + areaEntry.getKey() + "]: " + e.getMessage());
            }
            if (!(areaEntry.getValue() instanceof Map<?, ?> byAddress)) {
                throw new IllegalArgumentException(
                        source
                                + ": "
                                + area.key()
                                + " must hold tables such as ["
                                + area.key()
                                + ".100]");
            }
            for (Map.Entry<?, ?> e : byAddress.entrySet()) {
                String where = source + ": [" + area.key() + "." + e.getKey() + "]";
                if (!(e.getValue() instanceof Map<?, ?> settings)) {
                    throw new IllegalArgumentException(where + " must be a table of settings");
                }
                points.add(
                        point(
                                area,
                                address(e.getKey().toString(), where),
                                (Map<String, Object>) settings,
                                where,
                                seed++));
            }
        }
        try {
            return new RegisterMap(points);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** Adds or replaces values given as {@code area.address=gen[:key=value,...]} flags. */
    public RegisterMap with(List<String> flags) {
        Map<String, SimPoint> byName = new LinkedHashMap<>();
        for (SimPoint p : points) {
            byName.put(p.location(), p);
        }
        long seed = 1000;
        for (String flag : flags) {
            String where = "--generator " + flag;
            int eq = flag.indexOf('=');
            int dot = flag.indexOf('.');
            if (eq < 0 || dot < 0 || dot > eq) {
                throw new IllegalArgumentException(
                        where
                                + ": expected AREA.ADDRESS=GEN[:key=value,...], e.g. holding.100=sine:type=f32,period=10");
            }
            Area area = Area.of(flag.substring(0, dot));
            int address = address(flag.substring(dot + 1, eq), where);
            String rest = flag.substring(eq + 1);
            Map<String, Object> settings = new LinkedHashMap<>();
            int colon = rest.indexOf(':');
            settings.put("gen", colon < 0 ? rest : rest.substring(0, colon));
            if (colon >= 0) {
                for (String kv : rest.substring(colon + 1).split(",")) {
                    int k = kv.indexOf('=');
                    if (k <= 0) {
                        throw new IllegalArgumentException(
                                where + ": \"" + kv + "\" is not key=value");
                    }
                    settings.put(kv.substring(0, k).trim(), kv.substring(k + 1).trim());
                }
            }
            SimPoint p = point(area, address, settings, where, seed++);
            byName.put(p.location(), p);
        }
        return new RegisterMap(new ArrayList<>(byName.values()));
    }

    private static int address(String text, String where) {
        try {
            int a = Integer.parseInt(text.trim());
            if (a < 0 || a > 0xFFFF) {
                throw new NumberFormatException();
            }
            return a;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    where + ": address \"" + text + "\" is not 0..65535");
        }
    }

    private static SimPoint point(
            Area area, int address, Map<String, Object> settings, String where, long seed) {
        Object type = settings.get("type");
        Object order = settings.get("order");
        Object name = settings.get("name");
        try {
            ValueKind kind =
                    type == null
                            ? (area.bits() ? ValueKind.BOOL : ValueKind.U16)
                            : ValueKind.of(type.toString());
            WordOrder wo = order == null ? WordOrder.ABCD : WordOrder.of(order.toString());
            if (name != null
                    && !(name instanceof String text && SimPoint.NAME.matcher(text).matches())) {
                throw new IllegalArgumentException(
                        "name "
                                + (name instanceof String ? "\"" + name + "\"" : name.toString())
                                + " must be a string of 1 to 64 characters a-z 0-9 _ . / -"
                                + " (e.g. \"boiler_temp_c\")");
            }
            return new SimPoint(
                    area, address, kind, wo, Generator.of(settings, where, seed), (String) name);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            throw new IllegalArgumentException(msg.startsWith(where) ? msg : where + ": " + msg, e);
        }
    }
}
