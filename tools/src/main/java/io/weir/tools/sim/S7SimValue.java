package io.weir.tools.sim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One value the S7 simulator moves: its address (with its STEP 7 type) and its generator, or the
 * text of a STRING or CHAR.
 *
 * <p>Flag syntax: {@code ADDRESS[:TYPE]=GEN[:key=value,...]}, the address as the S7 driver's point
 * map writes it, e.g. {@code DB1.DBD14:REAL=sine:period=10,amplitude=50} or {@code
 * DB1.DBB26:STRING[20]=text:value=hello}. GEN is constant, sine, ramp, counter, toggle, random (the
 * Modbus simulator's generators) or text.
 *
 * @param address where the value lives, and its type
 * @param generator how a number moves ({@code null} for text)
 * @param text the text of a STRING or CHAR ({@code null} for a number)
 */
public record S7SimValue(S7Address address, Generator generator, String text) {

    public S7SimValue {
        Objects.requireNonNull(address);
        S7Type.Kind kind = address.type().kind();
        boolean textual = kind == S7Type.Kind.STRING || kind == S7Type.Kind.CHAR;
        if ((generator == null) == (text == null)) {
            throw new IllegalArgumentException(address + ": give a generator or a text, not both");
        }
        if (textual != (text != null)) {
            throw new IllegalArgumentException(
                    address
                            + (textual
                                    ? ": a "
                                            + address.type().key()
                                            + " takes gen=text with value=..."
                                    : ": gen=text is for STRING and CHAR values"));
        }
    }

    /** The value's bytes at {@code t} seconds since the simulator started. */
    public byte[] bytes(double t) {
        return text != null
                ? address.type().encode(text)
                : address.type().encode(generator.valueAt(t));
    }

    /**
     * A constant (or text) is set once and then kept, as a PLC keeps a setpoint: what a client
     * writes stays.
     */
    public boolean constant() {
        return text != null || generator instanceof Generator.Constant;
    }

    /** Words for the startup listing. */
    public String describe() {
        return text != null ? "text(\"" + text + "\")" : generator.describe();
    }

    /** Parses a {@code --generator} flag (syntax above); errors name the flag. */
    public static S7SimValue parse(String flag, long seed) {
        String where = "--generator " + flag;
        int eq = flag.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(
                    where
                            + ": expected ADDRESS[:TYPE]=GEN[:key=value,...], e.g."
                            + " DB1.DBD14:REAL=sine:period=10");
        }
        try {
            S7Address address = S7Address.parse(flag.substring(0, eq));
            String rest = flag.substring(eq + 1);
            int colon = rest.indexOf(':');
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("gen", colon < 0 ? rest : rest.substring(0, colon));
            if (colon >= 0) {
                for (String kv : rest.substring(colon + 1).split(",")) {
                    int k = kv.indexOf('=');
                    if (k <= 0) {
                        throw new IllegalArgumentException("\"" + kv + "\" is not key=value");
                    }
                    settings.put(kv.substring(0, k).trim(), kv.substring(k + 1).trim());
                }
            }
            if ("text".equals(settings.get("gen"))) {
                if (!settings.keySet().equals(java.util.Set.of("gen", "value"))) {
                    throw new IllegalArgumentException("gen=text takes value=... and nothing else");
                }
                return new S7SimValue(address, null, settings.get("value").toString());
            }
            return new S7SimValue(address, Generator.of(settings, where, seed), null);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            throw new IllegalArgumentException(msg.startsWith(where) ? msg : where + ": " + msg, e);
        }
    }

    /** Parses flags in order; a later flag for the same address replaces an earlier one. */
    public static List<S7SimValue> parseAll(List<String> flags, long seed) {
        Map<String, S7SimValue> byAddress = new LinkedHashMap<>();
        for (String f : flags) {
            S7SimValue v = parse(f, seed++);
            byAddress.remove(v.address().toString());
            byAddress.put(v.address().toString(), v);
        }
        return List.copyOf(byAddress.values());
    }
}
