package io.weir.tools.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.weir.host.points.Value;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * The value of a write, from the command line or the admin API's JSON: {@code true}/{@code false} a
 * bool, an integer an i64 (a u64 above 2^63−1), a decimal or exponent number an f64, anything else
 * a string. The driver then encodes it for the point's own type (ABI §7.6) or refuses it.
 */
public final class WriteValues {
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private WriteValues() {}

    /** A value as the admin API takes it. */
    public static Value fromJson(JsonNode v) {
        if (v.isBoolean()) {
            return Value.of(v.booleanValue());
        }
        if (v.isIntegralNumber()) {
            return integer(v.bigIntegerValue(), v.asText());
        }
        if (v.isNumber()) {
            return Value.f64(v.doubleValue());
        }
        if (v.isTextual()) {
            return Value.str(v.textValue());
        }
        throw new IllegalArgumentException(
                "value must be a boolean, a number or a string, not " + v.getNodeType());
    }

    /**
     * A value typed on the command line, as JSON for the admin API.
     *
     * @param asString take it as text even if it looks like a number or a boolean
     */
    public static JsonNode fromText(String text, boolean asString) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (asString) {
            return f.textNode(text);
        }
        if (text.equals("true") || text.equals("false")) {
            return f.booleanNode(Boolean.parseBoolean(text));
        }
        if (INTEGER.matcher(text).matches()) {
            BigInteger b = new BigInteger(text);
            integer(b, text);
            return f.numberNode(b);
        }
        if (DECIMAL.matcher(text).matches()) {
            return f.numberNode(Double.parseDouble(text));
        }
        return f.textNode(text);
    }

    private static Value integer(BigInteger b, String text) {
        if (b.bitLength() <= 63) {
            return Value.i64(b.longValue());
        }
        if (b.signum() > 0 && b.compareTo(U64_MAX) <= 0) {
            return Value.u64(b.longValue());
        }
        throw new IllegalArgumentException(
                "value " + text + " is outside -2^63 .. 2^64-1, the integers a point can hold");
    }
}
