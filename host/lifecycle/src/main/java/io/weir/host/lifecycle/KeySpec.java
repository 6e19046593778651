package io.weir.host.lifecycle;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One key of a driver's config text (ABI §5) as its package declares it: the type and range of the
 * values the driver accepts, whether it is required, its default and what it means. {@code weir
 * config check} checks a gateway config against these before the driver sees it, and the docs show
 * them.
 *
 * @param key the key as written on the device or point line, {@code [A-Za-z0-9_.-]+}, never a host
 *     key ({@code weir.*}, ABI §5.1)
 * @param type what the value is
 * @param min the smallest value of an {@code int} or {@code number}, or {@code null}
 * @param max the largest value of an {@code int} or {@code number}, or {@code null}
 * @param values the allowed values of an {@code enum}; empty for other types
 * @param required whether every line must carry the key
 * @param defaultValue the value the driver assumes without the key, as text, or {@code null}
 * @param doc what the key means, one line
 */
public record KeySpec(
        String key,
        Type type,
        BigDecimal min,
        BigDecimal max,
        List<String> values,
        boolean required,
        String defaultValue,
        String doc) {

    /** ABI §5: {@code key = 1*( ALPHA / DIGIT / "_" / "-" / "." )}. */
    public static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** The types a key's value can have. */
    public enum Type {
        /** A decimal integer, optionally signed. */
        INT,
        /** A finite decimal number. */
        NUMBER,
        /** {@code true} or {@code false}. */
        BOOL,
        /** One of {@link #values()}. */
        ENUM,
        /** Any value the config text grammar allows. */
        STRING;

        public String written() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Type parse(String text) {
            for (Type t : values()) {
                if (t.written().equals(text)) {
                    return t;
                }
            }
            throw new IllegalArgumentException(
                    "type \"" + text + "\" is not one of int, number, bool, enum, string");
        }
    }

    private static final Pattern INT = Pattern.compile("[+-]?[0-9]{1,30}");
    private static final Pattern NUMBER =
            Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]{1,4})?");

    public KeySpec {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException(
                    "key \"" + key + "\" is not 1-64 letters, digits, '_', '.' or '-' (ABI §5)");
        }
        if (key.startsWith("weir.")) {
            throw new IllegalArgumentException(
                    "key \"" + key + "\": keys starting with weir. are the host's (ABI §5.1)");
        }
        if (type == null) {
            throw new IllegalArgumentException("key \"" + key + "\" needs a type");
        }
        values = values == null ? List.of() : List.copyOf(values);
        if (type == Type.ENUM && values.isEmpty()) {
            throw new IllegalArgumentException(
                    "key \"" + key + "\" is an enum and needs its \"values\"");
        }
        if (type != Type.ENUM && !values.isEmpty()) {
            throw new IllegalArgumentException(
                    "key \"" + key + "\" has \"values\" but is not an enum");
        }
        if ((min != null || max != null) && type != Type.INT && type != Type.NUMBER) {
            throw new IllegalArgumentException(
                    "key \"" + key + "\" has \"min\"/\"max\" but is not an int or a number");
        }
        if (type == Type.INT
                && ((min != null && min.stripTrailingZeros().scale() > 0)
                        || (max != null && max.stripTrailingZeros().scale() > 0))) {
            throw new IllegalArgumentException(
                    "key \"" + key + "\" is an int but its \"min\"/\"max\" is not whole");
        }
        if (min != null && max != null && min.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    "key \"" + key + "\": \"min\" " + min + " is above \"max\" " + max);
        }
        if (doc == null) {
            doc = "";
        }
        if (defaultValue != null) {
            String problem = problemOf(key, type, min, max, values, defaultValue);
            if (problem != null) {
                throw new IllegalArgumentException(
                        "key \"" + key + "\": its default does not fit: " + problem);
            }
        }
    }

    /**
     * What is wrong with a value of this key, in the words of the driver's own messages ({@code
     * unit=256 is out of range 0..255}), or {@code null} if the driver accepts it.
     */
    public String problem(String value) {
        return problemOf(key, type, min, max, values, value);
    }

    private static String problemOf(
            String key,
            Type type,
            BigDecimal min,
            BigDecimal max,
            List<String> values,
            String value) {
        String kv = key + "=" + value;
        switch (type) {
            case INT, NUMBER -> {
                boolean ok = (type == Type.INT ? INT : NUMBER).matcher(value).matches();
                if (!ok) {
                    return kv + " is not " + (type == Type.INT ? "an integer" : "a number");
                }
                BigDecimal v = new BigDecimal(value);
                if ((min != null && v.compareTo(min) < 0)
                        || (max != null && v.compareTo(max) > 0)) {
                    return kv + " is out of range " + range(min, max);
                }
                return null;
            }
            case BOOL -> {
                return value.equals("true") || value.equals("false")
                        ? null
                        : kv + " is not true or false";
            }
            case ENUM -> {
                return values.contains(value)
                        ? null
                        : kv + " is not one of " + String.join(", ", values);
            }
            default -> {
                return null;
            }
        }
    }

    /** {@code 0..255}, {@code ..255}, {@code 0..}. */
    public String range() {
        return range(min, max);
    }

    private static String range(BigDecimal min, BigDecimal max) {
        return (min == null ? "" : min.toPlainString())
                + ".."
                + (max == null ? "" : max.toPlainString());
    }
}
