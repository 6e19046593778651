package io.weir.host.lifecycle;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.weir.abi.Abi;
import io.weir.abi.AbiError;
import io.weir.abi.CanFrame;
import io.weir.abi.DeviceConfig;
import io.weir.abi.FrameFlag;
import io.weir.abi.Quality;
import io.weir.abi.RecordFlag;
import io.weir.abi.ValueType;
import io.weir.host.driver.DriverException;
import io.weir.host.driver.DriverInstance;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRecord;
import io.weir.host.driver.DriverRefused;
import io.weir.host.driver.FrameLength;
import io.weir.host.driver.Request;
import io.weir.host.driver.Watchdog;
import io.weir.host.points.Value;
import io.weir.host.wasm.WasmEngine;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs golden vectors (format: driver-abi/VECTORS.md) through the real host runtime: Chicory, the
 * ABI pre-flight, {@link DriverModule} and {@link DriverInstance}, as a v1.0 or a v1.1 host as each
 * vector's {@code host_abi} asks (ABI §3.3). The Rust harness and the AssemblyScript runner
 * implement the same rules; a malformed file throws {@link MalformedVector} before any call, a
 * driver that disagrees with a vector throws {@link AssertionError} naming the step, expected and
 * actual.
 */
public final class VectorRunner {

    /** VECTORS.md: every step uses this {@code now_us}. */
    public static final long NOW_US = 1_700_000_000_000_000L;

    private static final int DEV = 0;

    /** Duplicate keys are refused, as the other runners refuse them. */
    public static final JsonMapper JSON =
            JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private static final HexFormat HEX = HexFormat.of();

    private static final List<String> FILE_FIELDS = List.of("driver", "vectors");
    private static final List<String> VECTOR_FIELDS =
            List.of(
                    "name",
                    "source",
                    "config",
                    "steps",
                    "expect_open_error",
                    "expect_last_error",
                    "host_abi",
                    "expect_abi_version",
                    "expect_agreed");

    /**
     * VECTORS.md: the calls and fields of a v1.1 host, which need {@code "host_abi": "1.1"}; a v1.0
     * vector that names one is malformed.
     */
    static final List<String> V11_CALLS = List.of("link_up", "frame_end", "tick", "unsolicited");

    static final List<String> V11_STEP_FIELDS =
            List.of("can", "expect_can", "expect_corr", "expect_frame_flags");

    static final List<String> V11_RECORD_FIELDS = List.of("write_result", "device_status");

    /** The newest minor version of the ABI that {@code io.weir.host} speaks. */
    public static final int HOST_MINOR = Abi.LATEST_MINOR;

    private static final List<String> RECORD_FIELDS =
            List.of(
                    "point",
                    "name",
                    "type",
                    "value",
                    "quality",
                    "ts_us",
                    "write_result",
                    "device_status");
    private static final List<String> TYPES =
            List.of("null", "bool", "i64", "u64", "f64", "str", "bytes");

    private static List<String> common(String... fields) {
        List<String> out =
                new ArrayList<>(List.of("call", "expect_error", "expect_last_error", "at_ms"));
        out.addAll(List.of(fields));
        return List.copyOf(out);
    }

    /** VECTORS.md: the fields of each call, in the order the table gives the calls. */
    static final Map<String, List<String>> STEP_FIELDS =
            Map.ofEntries(
                    Map.entry(
                            "poll",
                            common(
                                    "expect_hex",
                                    "expect_text",
                                    "expect_can",
                                    "expect_timeout_ms",
                                    "expect_response")),
                    Map.entry("observe", common("hex", "text", "expect_corr")),
                    Map.entry(
                            "frame_len",
                            common(
                                    "hex",
                                    "text",
                                    "can",
                                    "expect_len",
                                    "expect_need",
                                    "expect_skip",
                                    "expect_corr")),
                    Map.entry(
                            "frame", common("hex", "text", "can", "expect", "expect_frame_flags")),
                    Map.entry("timeout", common("expect")),
                    Map.entry(
                            "write",
                            common(
                                    "point",
                                    "type",
                                    "value",
                                    "expect_hex",
                                    "expect_text",
                                    "expect_can",
                                    "expect_response")),
                    Map.entry("save_state", common("expect_hex", "expect_len")),
                    Map.entry("reopen_with_state", common("hex")),
                    Map.entry("open", common("config")),
                    Map.entry("link_up", common()),
                    Map.entry(
                            "frame_end",
                            common("hex", "text", "expect_len", "expect_skip", "expect_corr")),
                    Map.entry("tick", common("expect")),
                    Map.entry(
                            "unsolicited",
                            common("hex", "text", "can", "expect", "expect_frame_flags")));

    private static final List<String> CALLS =
            List.of(
                    "poll",
                    "observe",
                    "frame_len",
                    "frame",
                    "timeout",
                    "write",
                    "save_state",
                    "reopen_with_state",
                    "open",
                    "link_up",
                    "frame_end",
                    "tick",
                    "unsolicited");

    /** VECTORS.md: the checks of a successful call, which {@code expect_error} excludes. */
    private static final List<String> SUCCESS_CHECKS =
            List.of(
                    "expect",
                    "expect_hex",
                    "expect_text",
                    "expect_len",
                    "expect_need",
                    "expect_timeout_ms",
                    "expect_can",
                    "expect_corr",
                    "expect_frame_flags",
                    "expect_response");

    /** A vector file that breaks VECTORS.md: an unknown call or field, a missing field … */
    public static final class MalformedVector extends RuntimeException {
        public MalformedVector(String message) {
            super(message);
        }
    }

    private VectorRunner() {}

    /** Reads and checks a vector file (every rule that does not need the driver). */
    public static JsonNode read(Path file) throws IOException {
        JsonNode doc;
        try {
            doc = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MalformedVector(file + ": not valid JSON: " + e.getOriginalMessage());
        }
        try {
            check(doc);
        } catch (MalformedVector e) {
            throw new MalformedVector(file + ": " + e.getMessage());
        }
        return doc;
    }

    /**
     * Reads and checks vector file bytes, e.g. an entry of a driver package.
     *
     * @param where the file, for messages
     */
    public static JsonNode parse(String where, byte[] bytes) {
        JsonNode doc;
        try {
            doc = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new MalformedVector(where + ": not valid JSON: " + e.getMessage());
        }
        try {
            check(doc);
        } catch (MalformedVector e) {
            throw new MalformedVector(where + ": " + e.getMessage());
        }
        return doc;
    }

    public static void check(JsonNode doc) {
        checkKeys(doc, FILE_FIELDS, "file");
        if (!doc.path("driver").isTextual()) {
            throw new MalformedVector("missing string \"driver\"");
        }
        if (!doc.path("vectors").isArray()) {
            throw new MalformedVector("no \"vectors\" array");
        }
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode v : doc.get("vectors")) {
            i++;
            String where =
                    "vector "
                            + i
                            + (v.path("name").isTextual()
                                    ? " \"" + v.get("name").asText() + "\""
                                    : "");
            checkKeys(v, VECTOR_FIELDS, where);
            for (String field : List.of("name", "source", "config")) {
                if (!v.path(field).isTextual() || v.get(field).asText().isEmpty()) {
                    throw new MalformedVector(where + ": missing string \"" + field + "\"");
                }
            }
            if (!names.add(v.get("name").asText())) {
                throw new MalformedVector(where + ": name is not unique in the file");
            }
            if (!v.path("steps").isArray()) {
                throw new MalformedVector(where + ": missing array \"steps\"");
            }
            for (String field : List.of("host_abi", "expect_abi_version", "expect_agreed")) {
                if (v.has(field) && !List.of("1.0", "1.1").contains(v.get(field).asText(""))) {
                    throw new MalformedVector(
                            where
                                    + ": \""
                                    + field
                                    + "\" must be \"1.0\" or \"1.1\", not "
                                    + v.get(field));
                }
            }
            if (v.has("expect_agreed") && !needsV11Host(v)) {
                throw new MalformedVector(
                        where + ": \"expect_agreed\" needs \"host_abi\": \"1.1\"");
            }
            boolean v11 = needsV11Host(v);
            checkErrorName(v, "expect_open_error", where);
            checkString(v, "expect_last_error", where);
            if (v.has("expect_last_error") && !v.has("expect_open_error")) {
                throw new MalformedVector(
                        where + ": \"expect_last_error\" on a vector needs \"expect_open_error\"");
            }
            if (v.get("steps").isEmpty() && !v.has("expect_open_error")) {
                throw new MalformedVector(
                        where
                                + ": \"steps\" is empty (only a vector with \"expect_open_error\""
                                + " may have no steps)");
            }
            int j = 0;
            long atMs = 0;
            for (JsonNode step : v.get("steps")) {
                String stepWhere = where + " step " + ++j;
                checkStep(step, stepWhere, v11);
                if (step.has("at_ms")) {
                    if (step.get("at_ms").asLong() < atMs) {
                        throw new MalformedVector(
                                stepWhere
                                        + ": \"at_ms\" "
                                        + step.get("at_ms")
                                        + " goes back in time (an earlier step is at "
                                        + atMs
                                        + ")");
                    }
                    atMs = step.get("at_ms").asLong();
                }
            }
        }
    }

    /** VECTORS.md: a vector for a v1.1 host. */
    public static boolean needsV11Host(JsonNode vector) {
        return vector.path("host_abi").asText("1.0").equals("1.1");
    }

    private static void checkKeys(JsonNode obj, List<String> allowed, String what) {
        checkKeys(obj, allowed, what, true);
    }

    /**
     * A field not listed for the object fails; so does a v1.1 field in a vector for a v1.0 host
     * ({@code v11} false), with a message saying so.
     */
    private static void checkKeys(JsonNode obj, List<String> allowed, String what, boolean v11) {
        if (!obj.isObject()) {
            throw new MalformedVector(what + " must be a JSON object, not " + obj);
        }
        obj.fieldNames()
                .forEachRemaining(
                        k -> {
                            if ((!v11 || !allowed.contains(k))
                                    && (V11_STEP_FIELDS.contains(k)
                                            || V11_RECORD_FIELDS.contains(k))) {
                                throw new MalformedVector(
                                        what
                                                + ": field \""
                                                + k
                                                + "\" needs a vector with \"host_abi\": \"1.1\"");
                            }
                            if (!allowed.contains(k)) {
                                throw new MalformedVector(
                                        what
                                                + ": unknown field \""
                                                + k
                                                + "\" (allowed: "
                                                + String.join(", ", allowed)
                                                + ")");
                            }
                        });
    }

    private static void checkErrorName(JsonNode obj, String key, String where) {
        if (!obj.has(key)) {
            return;
        }
        JsonNode name = obj.get(key);
        try {
            if (!name.isTextual()) {
                throw new IllegalArgumentException();
            }
            AbiError.byName(name.asText());
        } catch (IllegalArgumentException e) {
            throw new MalformedVector(where + ": \"" + key + "\": unknown ABI error name " + name);
        }
    }

    private static void checkString(JsonNode obj, String key, String where) {
        if (obj.has(key) && !obj.get(key).isTextual()) {
            throw new MalformedVector(where + ": \"" + key + "\" must be a string");
        }
    }

    private static void checkUint(JsonNode obj, String key, String where) {
        if (obj.has(key)
                && !(obj.get(key).canConvertToInt()
                        && obj.get(key).isIntegralNumber()
                        && obj.get(key).asInt() >= 0)) {
            throw new MalformedVector(where + ": \"" + key + "\" must be a non-negative integer");
        }
    }

    /** A step's {@code hex} or {@code text} input, one of which it must have. */
    private static byte[] inputBytes(JsonNode step, String where) {
        return step.has("text")
                ? textBytes(step.get("text").asText(), "text", where)
                : hex(step, "hex", where);
    }

    /**
     * VECTORS.md's text form of bytes: each character of the JSON string is one byte, U+0000 to
     * U+00FF (so {@code "\\r\\n"} and {@code "\\u0002"} are the control bytes); a character above
     * U+00FF is refused rather than encoded, since a byte count must not depend on an encoding.
     */
    static byte[] textBytes(String text, String key, String where) {
        byte[] b = new byte[text.length()];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0xFF) {
                throw new MalformedVector(
                        String.format(
                                "%s: \"%s\" character %d is U+%04X, above U+00FF (in the text"
                                        + " form each character is one byte; write other bytes"
                                        + " with \\u00XX escapes or as \"hex\")",
                                where, key, i, (int) c));
            }
            b[i] = (byte) c;
        }
        return b;
    }

    /** Bytes in the text form, escaped as JSON would: for messages about text steps. */
    static String asText(byte[] bytes) {
        StringBuilder b = new StringBuilder("\"");
        for (byte x : bytes) {
            int c = x & 0xFF;
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7F) {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.append((char) c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static byte[] hex(JsonNode obj, String key, String where) {
        if (!obj.path(key).isTextual()) {
            throw new MalformedVector(where + ": missing string \"" + key + "\"");
        }
        String text = obj.get(key).asText();
        try {
            return HEX.parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedVector(
                    where + ": \"" + text + "\" is not an even-length hex string");
        }
    }

    private static void checkStep(JsonNode step, String where, boolean v11) {
        if (!step.isObject()) {
            throw new MalformedVector(where + " must be a JSON object");
        }
        if (!step.has("call")) {
            throw new MalformedVector(where + ": missing \"call\"");
        }
        String call = step.get("call").asText();
        List<String> fields = STEP_FIELDS.get(call);
        if (!v11 && V11_CALLS.contains(call)) {
            throw new MalformedVector(
                    where + ": call \"" + call + "\" needs a vector with \"host_abi\": \"1.1\"");
        }
        if (fields == null || !step.get("call").isTextual()) {
            throw new MalformedVector(
                    where
                            + ": unknown call "
                            + step.get("call")
                            + " ("
                            + String.join(", ", CALLS)
                            + ")");
        }
        checkKeys(step, fields, where, v11);
        checkErrorName(step, "expect_error", where);
        for (String key :
                List.of("hex", "text", "can", "expect_hex", "expect_text", "expect_last_error")) {
            checkString(step, key, where);
        }
        for (String key :
                List.of("expect_len", "expect_need", "expect_skip", "expect_timeout_ms", "at_ms")) {
            checkUint(step, key, where);
        }
        checkString(step, "config", where);
        if (step.has("expect_response") && !step.get("expect_response").isBoolean()) {
            throw new MalformedVector(where + ": \"expect_response\" must be true or false");
        }
        if (step.has("hex")) {
            hex(step, "hex", where);
        }
        if (step.has("text")) {
            textBytes(step.get("text").asText(), "text", where);
        }
        if (step.has("expect_text")) {
            textBytes(step.get("expect_text").asText(), "expect_text", where);
        }
        if ((step.has("hex") ? 1 : 0) + (step.has("text") ? 1 : 0) + (step.has("can") ? 1 : 0)
                > 1) {
            throw new MalformedVector(
                    where + ": a step has one of \"hex\", \"text\" and \"can\", not more");
        }
        if ((step.has("expect_hex") ? 1 : 0)
                        + (step.has("expect_text") ? 1 : 0)
                        + (step.has("expect_can") ? 1 : 0)
                > 1) {
            throw new MalformedVector(
                    where
                            + ": a step has one of \"expect_hex\", \"expect_text\" and"
                            + " \"expect_can\", not more");
        }
        if (step.has("can")) {
            candump(step.get("can").asText(), where);
        }
        if (step.has("expect_can")) {
            if (!step.get("expect_can").isArray()) {
                throw new MalformedVector(
                        where + ": \"expect_can\" must be an array of candump frames");
            }
            for (JsonNode f : step.get("expect_can")) {
                if (!f.isTextual()) {
                    throw new MalformedVector(
                            where + ": \"expect_can\" must be an array of candump frames");
                }
                candump(f.asText(), where);
            }
        }
        if (step.has("expect_frame_flags")) {
            if (!step.get("expect_frame_flags").isArray()) {
                throw new MalformedVector(
                        where + ": \"expect_frame_flags\" must be an array of flag names");
            }
            for (JsonNode f : step.get("expect_frame_flags")) {
                frameFlag(f, where);
            }
        }
        if (step.has("expect_corr")) {
            JsonNode c = step.get("expect_corr");
            if (!c.isIntegralNumber() || c.asLong() < 0 || c.asLong() > 0xFFFF_FFFFL) {
                throw new MalformedVector(where + ": \"expect_corr\" must be a u32");
            }
            if ((call.equals("frame_len") || call.equals("frame_end"))
                    && step.path("expect_len").asInt(0) <= 0) {
                throw new MalformedVector(where + ": \"expect_corr\" needs \"expect_len\" > 0");
            }
        }
        boolean hasError = step.has("expect_error");
        for (String key : SUCCESS_CHECKS) {
            if (hasError && step.has(key)) {
                throw new MalformedVector(
                        where
                                + ": \"expect_error\" excludes \""
                                + key
                                + "\" (a check that could never run)");
            }
        }
        switch (call) {
            case "poll" -> {
                if (!hasError
                        && !step.has("expect_hex")
                        && !step.has("expect_text")
                        && !step.has("expect_can")) {
                    throw new MalformedVector(where + ": missing \"expect_hex\"");
                }
            }
            case "observe" -> inputBytes(step, where);
            case "frame", "unsolicited" -> {
                if (!step.has("can")) {
                    inputBytes(step, where);
                }
                if (!hasError && !step.has("expect")) {
                    throw new MalformedVector(where + ": missing array \"expect\"");
                }
            }
            case "timeout", "tick" -> {
                if (!hasError && !step.has("expect")) {
                    throw new MalformedVector(where + ": missing array \"expect\"");
                }
            }
            case "frame_end" -> {
                inputBytes(step, where);
                if (step.has("expect_skip")
                        && !step.path("expect_error").asText().equals("E_RESYNC")) {
                    throw new MalformedVector(
                            where + ": \"expect_skip\" needs \"expect_error\": \"E_RESYNC\"");
                }
                if (hasError == step.has("expect_len")) {
                    throw new MalformedVector(
                            where
                                    + ": a frame_end step has exactly one of \"expect_len\" and"
                                    + " \"expect_error\"");
                }
            }
            case "frame_len" -> {
                if (!step.has("can")) {
                    inputBytes(step, where);
                }
                if (step.has("expect_need") && step.path("expect_len").asInt(-1) != 0) {
                    throw new MalformedVector(where + ": \"expect_need\" needs \"expect_len\": 0");
                }
                if (step.has("expect_skip")
                        && !step.path("expect_error").asText().equals("E_RESYNC")) {
                    throw new MalformedVector(
                            where + ": \"expect_skip\" needs \"expect_error\": \"E_RESYNC\"");
                }
                if (hasError == step.has("expect_len")) {
                    throw new MalformedVector(
                            where
                                    + ": a frame_len step has exactly one of \"expect_len\" and"
                                    + " \"expect_error\"");
                }
            }
            case "write" -> {
                if (!step.path("point").canConvertToInt()
                        || !step.path("point").isIntegralNumber()) {
                    throw new MalformedVector(where + ": missing integer \"point\"");
                }
                String type = step.path("type").asText();
                if (!TYPES.contains(type) || !step.get("type").isTextual()) {
                    throw new MalformedVector(
                            where
                                    + ": unknown write type "
                                    + step.get("type")
                                    + " ("
                                    + String.join(", ", TYPES)
                                    + ")");
                }
                if (!step.has("value")) {
                    throw new MalformedVector(where + ": missing \"value\"");
                }
                writeValue(type, step.get("value"), where);
                if (!hasError
                        && !step.has("expect_hex")
                        && !step.has("expect_text")
                        && !step.has("expect_can")) {
                    throw new MalformedVector(where + ": missing \"expect_hex\"");
                }
            }
            default -> {}
        }
        if (step.has("expect")) {
            if (!step.get("expect").isArray()) {
                throw new MalformedVector(where + ": \"expect\" must be an array of records");
            }
            int i = 0;
            for (JsonNode r : step.get("expect")) {
                checkRecord(r, where + " expected record " + ++i, v11);
            }
        }
    }

    private static CanFrame candump(String text, String where) {
        try {
            return CanFrame.parseCandump(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedVector(where + ": " + e.getMessage());
        }
    }

    private static FrameFlag frameFlag(JsonNode name, String where) {
        if (name.isTextual()) {
            for (FrameFlag f : FrameFlag.values()) {
                if (f.name().equals(name.asText())) {
                    return f;
                }
            }
        }
        throw new MalformedVector(
                where + ": unknown frame flag " + name + " (NOT_ANSWER, POLL_NOW)");
    }

    private static void checkRecord(JsonNode r, String where, boolean v11) {
        checkKeys(r, RECORD_FIELDS, where, v11);
        for (String flag : V11_RECORD_FIELDS) {
            if (r.has(flag) && !(r.get(flag).isBoolean() && r.get(flag).asBoolean())) {
                throw new MalformedVector(where + ": \"" + flag + "\" must be true");
            }
        }
        if (r.has("device_status")) {
            if (r.has("point") || r.has("name")) {
                throw new MalformedVector(
                        where + ": a device status has neither \"point\" nor \"name\"");
            }
        } else if (r.has("point") == r.has("name")) {
            throw new MalformedVector(where + ": exactly one of \"point\" and \"name\"");
        }
        if (r.has("point")
                && !(r.get("point").isIntegralNumber() && r.get("point").asLong() >= 0)) {
            throw new MalformedVector(where + ": \"point\" must be an integer");
        }
        checkString(r, "name", where);
        if (!r.path("type").isTextual() || !TYPES.contains(r.get("type").asText())) {
            throw new MalformedVector(where + ": unknown type " + r.get("type"));
        }
        try {
            Quality.byName(r.path("quality").asText());
        } catch (IllegalArgumentException e) {
            throw new MalformedVector(where + ": unknown quality name " + r.get("quality"));
        }
        if (!r.has("value")) {
            throw new MalformedVector(where + ": missing \"value\"");
        }
        if (r.has("ts_us") && !r.get("ts_us").canConvertToLong()) {
            throw new MalformedVector(where + ": \"ts_us\" must be an integer");
        }
        if (r.has("ts_us") && !r.get("ts_us").isIntegralNumber()) {
            throw new MalformedVector(where + ": \"ts_us\" must be an integer");
        }
    }

    /** A write value: the scalar bits, or (for str/bytes) the bytes that go to cfg. */
    private record WriteValue(ValueType type, long bits, byte[] blob) {}

    private static WriteValue writeValue(String type, JsonNode v, String where) {
        MalformedVector bad =
                new MalformedVector(where + ": write value " + v + " is not a " + type);
        return switch (type) {
            case "null" -> {
                if (!v.isNull()) {
                    throw bad;
                }
                yield new WriteValue(ValueType.NULL, 0, null);
            }
            case "bool" -> {
                if (!v.isBoolean()) {
                    throw bad;
                }
                yield new WriteValue(ValueType.BOOL, v.asBoolean() ? 1 : 0, null);
            }
            case "i64" -> {
                if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                    throw bad;
                }
                yield new WriteValue(ValueType.I64, v.longValue(), null);
            }
            case "u64" -> {
                if (!v.isIntegralNumber()
                        || v.bigIntegerValue().signum() < 0
                        || v.bigIntegerValue().bitLength() > 64) {
                    throw bad;
                }
                yield new WriteValue(ValueType.U64, v.bigIntegerValue().longValue(), null);
            }
            case "f64" -> {
                if (!v.isNumber()) {
                    throw bad;
                }
                yield new WriteValue(
                        ValueType.F64, Double.doubleToRawLongBits(v.doubleValue()), null);
            }
            case "str" -> {
                if (!v.isTextual()) {
                    throw bad;
                }
                yield new WriteValue(ValueType.STR, 0, v.asText().getBytes(StandardCharsets.UTF_8));
            }
            case "bytes" -> {
                if (!v.isTextual()) {
                    throw bad;
                }
                try {
                    yield new WriteValue(ValueType.BYTES, 0, HEX.parseHex(v.asText()));
                } catch (IllegalArgumentException e) {
                    throw new MalformedVector(
                            where + ": \"" + v.asText() + "\" is not an even-length hex string");
                }
            }
            default -> throw new MalformedVector(where + ": unknown write type \"" + type + "\"");
        };
    }

    // ---- running ----------------------------------------------------------------------------

    /**
     * One driver as hosts of each minor version load it (ABI §3.3): a v1.0 host refuses a driver
     * that needs 1.1 and never calls {@code weir_host_abi}; a v1.1 host agrees on a version with
     * it. Each is loaded once, when a vector first needs it.
     */
    public static final class Hosts {
        private final String name;
        private final java.util.function.IntFunction<DriverModule> load;
        private final Map<Integer, Object> loaded = new HashMap<>();

        public Hosts(String name, java.util.function.IntFunction<DriverModule> load) {
            this.name = name;
            this.load = load;
        }

        /** Loads {@code wasm} with {@code engine} and {@code limits} as each host would. */
        public static Hosts of(WasmEngine engine, String name, byte[] wasm, DriverLimits limits) {
            return new Hosts(
                    name,
                    minor ->
                            DriverModule.load(
                                    engine, name, wasm, limits, Watchdog.shared(), minor));
        }

        /** The same module for every host: a test's own module, whatever minor it speaks. */
        public static Hosts fixed(DriverModule module) {
            return new Hosts(module.label(), minor -> module);
        }

        /**
         * The driver as a host of ABI {@code 1.minor} loads it.
         *
         * @throws AssertionError if that host refuses the driver (VECTORS.md: a v1.0 vector of a
         *     driver that needs 1.1 fails, as a v1.0 host refuses it)
         */
        public synchronized DriverModule module(int minor) {
            Object m = loaded.computeIfAbsent(minor, this::tryLoad);
            if (m instanceof DriverRefused e) {
                throw new AssertionError(
                        "a v1." + minor + " host refuses " + name + ": " + e.getMessage(), e);
            }
            return (DriverModule) m;
        }

        private Object tryLoad(int minor) {
            try {
                return load.apply(minor);
            } catch (DriverRefused e) {
                return e;
            }
        }
    }

    /** The checks that need the driver: {@code driver} is its manifest name (ABI §3.4). */
    public static void checkDriver(DriverModule module, JsonNode doc) {
        String name = module.manifest().name();
        if (!doc.get("driver").asText().equals(name)) {
            throw new MalformedVector(
                    "\"driver\" is "
                            + doc.get("driver")
                            + ", but the driver's manifest name is \""
                            + name
                            + "\"");
        }
    }

    /** One vector's run: the instance under test and what {@code reopen_with_state} needs. */
    private static final class Run {
        final DriverModule module;
        String config;
        int points;
        DriverInstance d;
        byte[] saved;
        long nowUs = NOW_US;

        Run(DriverModule module, String config, DriverInstance d) {
            this.module = module;
            this.d = d;
            config(config);
        }

        int agreed() {
            return d.agreedMinor();
        }

        void config(String text) {
            config = text;
            // A config the driver is meant to refuse need not parse; count its point lines.
            int n;
            try {
                n = DeviceConfig.parse(text).points().size();
            } catch (IllegalArgumentException e) {
                n = (int) text.lines().filter(l -> l.startsWith("point")).count();
            }
            points = n;
        }
    }

    /** The minor version of the host a vector asks for (VECTORS.md {@code host_abi}). */
    public static int hostMinor(JsonNode vector) {
        return needsV11Host(vector) ? Abi.MINOR_1_1 : Abi.MINOR_1_0;
    }

    /**
     * VECTORS.md: with agreed version 1.1 the device line ends with the host keys, {@code
     * weir.transport} among them; with 1.0 the config holds no {@code weir.} key (ABI §5.1).
     */
    static String hostKeyProblem(String config, int agreed) {
        String deviceLine = config.lines().findFirst().orElse("");
        List<String> keys = new ArrayList<>();
        String[] words = deviceLine.split(" ");
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            keys.add(eq < 0 ? words[i] : words[i].substring(0, eq));
        }
        if (agreed >= Abi.MINOR_1_1) {
            if (!keys.contains(Abi.HOST_KEY_TRANSPORT)) {
                return "the agreed version is 1.1, but the config's device line lacks the host key"
                        + " weir.transport a v1.1 host adds (ABI §5.1)";
            }
            boolean host = false;
            for (String k : keys) {
                if (DeviceConfig.isHostKey(k)) {
                    host = true;
                } else if (host) {
                    return "the host keys come last on the device line (ABI §5.1)";
                }
            }
            return null;
        }
        for (String w : config.split("[ \n]")) {
            if (w.startsWith(Abi.HOST_KEY_PREFIX)) {
                return "the agreed version is 1.0, but the config holds a weir. key (a v1.0 host"
                        + " adds none, ABI §5.1)";
            }
        }
        return null;
    }

    /** Runs one (checked) vector on a fresh instance of the module its host loads. */
    public static void run(Hosts hosts, JsonNode vector) throws DriverException {
        run(hosts.module(hostMinor(vector)), vector);
    }

    /**
     * Runs one (checked) vector on a fresh instance of {@code module}, which must be loaded as the
     * host the vector asks for.
     */
    public static void run(DriverModule module, JsonNode vector) throws DriverException {
        if (module.hostMinor() != hostMinor(vector)) {
            throw new IllegalArgumentException(
                    "vector \""
                            + vector.get("name").asText()
                            + "\" needs a v1."
                            + hostMinor(vector)
                            + " host; "
                            + module.label()
                            + " was loaded by a v1."
                            + module.hostMinor()
                            + " host");
        }
        if (vector.has("expect_abi_version")) {
            String got = Abi.major(module.abiVersion()) + "." + Abi.minor(module.abiVersion());
            if (!got.equals(vector.get("expect_abi_version").asText())) {
                throw new AssertionError(
                        "weir_abi_version: expected "
                                + vector.get("expect_abi_version").asText()
                                + ", actual "
                                + got);
            }
        }
        String config = vector.get("config").asText();
        // ABI §3.3: the module's instantiate() calls weir_host_abi as its host does.
        DriverInstance d = module.instantiate("vectors");
        if (vector.has("expect_agreed")) {
            String got = "1." + d.agreedMinor();
            if (!got.equals(vector.get("expect_agreed").asText())) {
                throw new AssertionError(
                        "agreed version: expected "
                                + vector.get("expect_agreed").asText()
                                + ", actual "
                                + got);
            }
        }
        String keyProblem = hostKeyProblem(config, d.agreedMinor());
        if (keyProblem != null) {
            throw new MalformedVector(
                    "vector \"" + vector.get("name").asText() + "\": " + keyProblem);
        }
        AbiError openError = null;
        try {
            d.open(DEV, config, NOW_US);
        } catch (DriverException e) {
            openError = e.error();
            if (!vector.has("expect_open_error")) {
                throw new AssertionError("open failed with " + describe(e));
            }
        }
        if (vector.has("expect_open_error")) {
            String want = vector.get("expect_open_error").asText();
            if (openError == null) {
                throw new AssertionError("open: expected " + want + ", but weir_open returned 0");
            }
            if (!openError.name().equals(want)) {
                throw new AssertionError(
                        "open: expected "
                                + want
                                + ", got "
                                + openError.name()
                                + "; last_error: "
                                + quoted(d.lastError(DEV)));
            }
            if (vector.has("expect_last_error")) {
                String text = d.lastError(DEV);
                String substring = vector.get("expect_last_error").asText();
                if (!text.contains(substring)) {
                    throw new AssertionError(
                            "open: last_error does not contain "
                                    + quoted(substring)
                                    + "\n  actual: "
                                    + quoted(text));
                }
            }
        }
        Run run = new Run(module, config, d);
        int stepNo = 0;
        for (JsonNode step : vector.get("steps")) {
            stepNo++;
            // VECTORS.md: a step without at_ms runs at the time of the step before.
            run.nowUs = NOW_US + step.path("at_ms").asLong((run.nowUs - NOW_US) / 1000) * 1000;
            String where = "step " + stepNo + " (" + step.get("call").asText() + ")";
            try {
                step(run, step);
            } catch (AssertionError e) {
                throw new AssertionError(where + ": " + e.getMessage(), e);
            } catch (MalformedVector e) {
                throw new MalformedVector(where + ": " + e.getMessage());
            }
            if (step.has("expect_last_error")) {
                String text = run.d.lastError(DEV);
                String substring = step.get("expect_last_error").asText();
                if (!text.contains(substring)) {
                    throw new AssertionError(
                            where
                                    + ": last_error does not contain "
                                    + quoted(substring)
                                    + "\n  actual: "
                                    + quoted(text));
                }
            }
        }
    }

    private static String quoted(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(DriverException e) {
        return e.error().name() + " (" + e.code() + "): " + quoted(e.driverText());
    }

    /** A driver call that may fail with an ABI error. */
    @FunctionalInterface
    private interface Call<T> {
        T call() throws DriverException;
    }

    /**
     * Runs {@code call}; returns its result, or {@code null} if it failed with the expected error.
     */
    private static <T> T expecting(JsonNode step, Call<T> call) {
        String want = step.has("expect_error") ? step.get("expect_error").asText() : null;
        T result;
        try {
            result = call.call();
        } catch (DriverException e) {
            if (want == null) {
                throw new AssertionError("call failed with " + describe(e));
            }
            if (!e.error().name().equals(want)) {
                throw new AssertionError("expected " + want + ", got " + describe(e));
            }
            return null;
        }
        if (want != null) {
            throw new AssertionError("expected " + want + ", but the call succeeded");
        }
        return result;
    }

    /** The bytes of a step's {@code hex} or (1.1) {@code can} input. */
    private static byte[] input(JsonNode step) {
        if (step.has("text")) {
            return textBytes(step.get("text").asText(), "text", "step");
        }
        return step.has("can")
                ? CanFrame.parseCandump(step.get("can").asText()).encode()
                : HEX.parseHex(step.get("hex").asText());
    }

    private static boolean usesV11(JsonNode step) {
        if (V11_CALLS.contains(step.get("call").asText())) {
            return true;
        }
        for (String f : V11_STEP_FIELDS) {
            if (step.has(f)) {
                return true;
            }
        }
        return false;
    }

    private static void step(Run run, JsonNode step) throws DriverException {
        String call = step.get("call").asText();
        DriverInstance d = run.d;
        long now = run.nowUs;
        if (usesV11(step) && run.agreed() < Abi.MINOR_1_1) {
            // VECTORS.md: a host would not make this call.
            throw new AssertionError(
                    call
                            + " uses v1.1, but the driver agreed on ABI 1.0: a host would not make"
                            + " this call");
        }
        switch (call) {
            case "poll" -> {
                Request r = expecting(step, () -> d.poll(DEV, now));
                if (r != null) {
                    requestBytes(step, r);
                    expectResponse(step, r);
                    if (step.has("expect_timeout_ms")
                            && r.bytes().length > 0
                            && r.timeoutMs() != step.get("expect_timeout_ms").asInt()) {
                        throw new AssertionError(
                                "timeout_ms: expected "
                                        + step.get("expect_timeout_ms").asInt()
                                        + ", actual "
                                        + r.timeoutMs());
                    }
                }
            }
            case "observe" -> {
                byte[] bytes = input(step);
                Long corr = expecting(step, () -> d.observe(DEV, bytes));
                if (corr != null) {
                    expectCorr(step, corr);
                }
            }
            case "frame_len" -> frameLen(d, step, false);
            case "frame_end" -> frameLen(d, step, true);
            case "link_up" ->
                    expecting(
                            step,
                            () -> {
                                d.linkUp(DEV, now);
                                return Boolean.TRUE;
                            });
            case "frame", "unsolicited", "timeout", "tick" -> {
                if (call.equals("unsolicited") && !run.module.manifest().receivesUnsolicited()) {
                    throw new AssertionError(
                            "the manifest is neither passive nor unsolicited: a host drops bytes"
                                    + " that arrive with no request outstanding (ABI §7.3)");
                }
                boolean framed = call.equals("frame") || call.equals("unsolicited");
                List<DriverRecord> records;
                if (framed) {
                    byte[] frame = input(step);
                    records = expecting(step, () -> d.onFrame(DEV, frame, 0, frame.length, now));
                } else if (call.equals("timeout")) {
                    records = expecting(step, () -> d.onTimeout(DEV, now));
                } else {
                    records = expecting(step, () -> d.tick(DEV, now));
                }
                if (records != null) {
                    compareRecords(step.get("expect"), records, now, run);
                    if (framed && run.agreed() >= Abi.MINOR_1_1) {
                        frameFlags(step, d.frameFlags());
                    }
                }
            }
            case "write" -> {
                WriteValue v = writeValue(step.get("type").asText(), step.get("value"), "write");
                int point = step.get("point").asInt();
                Request r =
                        expecting(
                                step,
                                () ->
                                        v.blob() != null
                                                // ABI §7.6: the host puts the bytes into cfg.
                                                ? d.write(DEV, point, v.type(), v.blob(), now)
                                                : d.write(DEV, point, v.type(), v.bits(), now));
                if (r != null) {
                    requestBytes(step, r);
                    expectResponse(step, r);
                }
            }
            case "save_state" -> {
                byte[] payload = expecting(step, () -> d.saveState(DEV));
                if (payload != null) {
                    if (step.has("expect_hex")
                            && !HEX.formatHex(payload).equals(step.get("expect_hex").asText())) {
                        throw new AssertionError(
                                "state payload differs\n  expected: "
                                        + step.get("expect_hex")
                                        + "\n  actual:   \""
                                        + HEX.formatHex(payload)
                                        + "\"");
                    }
                    if (step.has("expect_len")
                            && payload.length != step.get("expect_len").asInt()) {
                        throw new AssertionError(
                                "state payload length: expected "
                                        + step.get("expect_len").asInt()
                                        + ", actual "
                                        + payload.length);
                    }
                    run.saved = payload;
                }
            }
            case "reopen_with_state" -> {
                byte[] payload =
                        step.has("hex") ? HEX.parseHex(step.get("hex").asText()) : run.saved;
                if (payload == null) {
                    throw new MalformedVector(
                            "no state to load: no earlier save_state step succeeded and no"
                                    + " \"hex\"");
                }
                try {
                    d.close(DEV);
                } catch (DriverException e) {
                    throw new AssertionError("weir_close failed with " + describe(e));
                }
                // ABI §7.7: the hot swap opens the device on a new instance with the same
                // config; the instance agrees on a version as every instance does (§3.3).
                d.close();
                DriverInstance fresh = run.module.instantiate("vectors");
                run.d = fresh;
                try {
                    fresh.open(DEV, run.config, now);
                } catch (DriverException e) {
                    throw new AssertionError("reopen: weir_open failed with " + describe(e));
                }
                expecting(
                        step,
                        () -> {
                            fresh.loadState(DEV, payload);
                            return Boolean.TRUE;
                        });
            }
            case "open" -> {
                // ABI §2.6: weir_open of an open handle discards the device and opens it afresh.
                String text = step.has("config") ? step.get("config").asText() : run.config;
                String keyProblem = hostKeyProblem(text, run.agreed());
                if (keyProblem != null) {
                    throw new MalformedVector(keyProblem);
                }
                Boolean opened =
                        expecting(
                                step,
                                () -> {
                                    d.open(DEV, text, now);
                                    return Boolean.TRUE;
                                });
                if (opened != null) {
                    run.config(text);
                }
            }
            default -> throw new MalformedVector("unknown call \"" + call + "\"");
        }
    }

    private static void expectCorr(JsonNode step, long corr) {
        if (step.has("expect_corr") && corr != step.get("expect_corr").asLong()) {
            throw new AssertionError(
                    String.format(
                            "meta.corr: expected 0x%x, actual 0x%x",
                            step.get("expect_corr").asLong(), corr));
        }
    }

    private static void frameFlags(JsonNode step, int actual) {
        int want = 0;
        List<String> wantNames = new ArrayList<>();
        for (JsonNode f : step.path("expect_frame_flags")) {
            FrameFlag flag = frameFlag(f, "expect_frame_flags");
            want |= flag.mask();
            wantNames.add(flag.name());
        }
        if (actual != want) {
            List<String> got = new ArrayList<>();
            for (FrameFlag f : FrameFlag.values()) {
                if (f.isSet(actual)) {
                    got.add(f.name());
                }
            }
            throw new AssertionError(
                    String.format(
                            "meta.frame_flags: expected %s, actual %s (0x%x)",
                            wantNames, got, actual));
        }
    }

    private static void expectResponse(JsonNode step, Request r) {
        if (step.has("expect_response")
                && r.bytes().length > 0
                && r.expectResponse() != step.get("expect_response").asBoolean()) {
            throw new AssertionError(
                    "meta.expect: expected "
                            + (step.get("expect_response").asBoolean() ? 1 : 0)
                            + ", actual "
                            + (r.expectResponse() ? 1 : 0));
        }
    }

    private static void requestBytes(JsonNode step, Request r) {
        if (step.has("expect_can")) {
            List<String> got = new ArrayList<>();
            try {
                for (CanFrame f : CanFrame.decodeAll(r.bytes(), 0, r.bytes().length)) {
                    got.add(f.toCandump());
                }
            } catch (IllegalArgumentException e) {
                throw new AssertionError("tx holds a malformed CAN frame: " + e.getMessage(), e);
            }
            List<String> want = new ArrayList<>();
            for (JsonNode f : step.get("expect_can")) {
                want.add(CanFrame.parseCandump(f.asText()).toCandump());
            }
            if (!got.equals(want)) {
                throw new AssertionError(
                        "CAN frames differ\n  expected: " + want + "\n  actual:   " + got);
            }
            return;
        }
        if (step.has("expect_text")) {
            byte[] want = textBytes(step.get("expect_text").asText(), "expect_text", "step");
            if (!java.util.Arrays.equals(want, r.bytes())) {
                throw new AssertionError(
                        "request bytes differ\n  expected: "
                                + asText(want)
                                + "\n  actual:   "
                                + asText(r.bytes())
                                + "\n  (hex "
                                + HEX.formatHex(r.bytes())
                                + ")");
            }
            return;
        }
        String want = step.get("expect_hex").asText();
        String got = HEX.formatHex(r.bytes());
        if (!got.equals(want)) {
            throw new AssertionError(
                    "request bytes differ\n  expected: \""
                            + want
                            + "\"\n  actual:   \""
                            + got
                            + "\"");
        }
    }

    /** {@code frame_len} or (1.1) {@code frame_end}: lengths, need, skip, correlation key. */
    private static void frameLen(DriverInstance d, JsonNode step, boolean atSilence)
            throws DriverException {
        byte[] rx = input(step);
        String want = step.has("expect_error") ? step.get("expect_error").asText() : null;
        FrameLength f;
        try {
            f = atSilence ? d.frameEnd(DEV, rx, 0, rx.length) : d.frameLen(DEV, rx, 0, rx.length);
        } catch (DriverException e) {
            if (want == null) {
                throw new AssertionError("call failed with " + describe(e));
            }
            if (!e.error().name().equals(want)) {
                throw new AssertionError("expected " + want + ", got " + describe(e));
            }
            return;
        }
        if (f.kind() == FrameLength.Kind.RESYNC) {
            // DriverInstance already refuses a skip outside 1..len (ABI §7.2, §7.10).
            if (want == null) {
                throw new AssertionError(
                        "expected length "
                                + step.get("expect_len").asInt()
                                + ", actual E_RESYNC with skip "
                                + f.skip());
            }
            if (!want.equals(AbiError.E_RESYNC.name())) {
                throw new AssertionError(
                        "expected " + want + ", actual E_RESYNC with skip " + f.skip());
            }
            if (step.has("expect_skip") && f.skip() != step.get("expect_skip").asInt()) {
                throw new AssertionError(
                        "skip: expected "
                                + step.get("expect_skip").asInt()
                                + ", actual "
                                + f.skip());
            }
            return;
        }
        if (want != null) {
            throw new AssertionError("expected " + want + ", actual " + f);
        }
        int expected = step.get("expect_len").asInt();
        int got = f.kind() == FrameLength.Kind.COMPLETE ? f.length() : 0;
        if (got != expected) {
            throw new AssertionError(
                    "expected length "
                            + expected
                            + (atSilence && expected == 0 ? " (discard)" : "")
                            + ", actual "
                            + f);
        }
        if (step.has("expect_need") && f.need() != step.get("expect_need").asInt()) {
            throw new AssertionError(
                    "meta.need: expected "
                            + step.get("expect_need").asInt()
                            + ", actual "
                            + f.need());
        }
        if (got > 0) {
            expectCorr(step, f.corr());
        }
    }

    private static void compareRecords(
            JsonNode expected, List<DriverRecord> actual, long nowUs, Run run) {
        int agreed = run.agreed();
        // ABI §9: every record that is neither named nor a device status names a point of the
        // point map.
        for (DriverRecord r : actual) {
            boolean status = RecordFlag.DEVICE_STATUS.isSet(RecordFlag.known(r.flags(), agreed));
            if (!r.named() && !status && r.point() >= run.points) {
                throw new AssertionError(
                        "record "
                                + r
                                + " names point "
                                + r.point()
                                + ", outside the point map of "
                                + run.points
                                + " points (ABI §9)");
            }
        }
        if (actual.size() != expected.size()) {
            throw new AssertionError(
                    "expected "
                            + expected.size()
                            + " records, actual "
                            + actual.size()
                            + RecordDiff.of(expected, actual));
        }
        for (int i = 0; i < expected.size(); i++) {
            try {
                compareRecord(expected.get(i), actual.get(i), nowUs, agreed);
            } catch (AssertionError e) {
                throw new AssertionError(
                        "record " + i + ": " + e.getMessage() + RecordDiff.of(expected, actual), e);
            }
        }
    }

    private static void compareRecord(JsonNode e, DriverRecord r, long nowUs, int agreed) {
        int unknownFlags = r.flags() & ~RecordFlag.known(0xFF, agreed);
        if (unknownFlags != 0) {
            throw new AssertionError(
                    String.format(
                            "flag bits 0x%02x are not defined by ABI §6.1 for agreed version 1.%d,"
                                    + " actual %s",
                            unknownFlags, agreed, RecordDiff.actualLine(r)));
        }
        boolean status = RecordFlag.DEVICE_STATUS.isSet(r.flags());
        if (e.has("device_status")) {
            if (!status) {
                throw new AssertionError(
                        "expected a device status, actual flag DEVICE_STATUS clear: "
                                + RecordDiff.actualLine(r));
            }
        } else if (status) {
            throw new AssertionError(
                    "expected no device status, actual flag DEVICE_STATUS: "
                            + RecordDiff.actualLine(r));
        } else if (e.has("name")) {
            if (!e.get("name").asText().equals(r.name())) {
                throw new AssertionError(
                        "expected name " + e.get("name") + ", actual " + RecordDiff.actualLine(r));
            }
        } else if (r.named() || r.point() != e.get("point").asInt()) {
            throw new AssertionError(
                    "expected point " + e.get("point") + ", actual " + RecordDiff.actualLine(r));
        }
        boolean writeResult = RecordFlag.WRITE_RESULT.isSet(r.flags());
        if (e.has("write_result") != writeResult) {
            throw new AssertionError(
                    writeResult
                            ? "expected a reading, actual flag WRITE_RESULT set: " + r
                            : "expected a write result, actual flag WRITE_RESULT clear: "
                                    + RecordDiff.actualLine(r));
        }
        ValueType type = ValueType.byName(e.get("type").asText());
        if (r.value().type() != type) {
            throw new AssertionError(
                    "type: expected "
                            + e.get("type").asText()
                            + ", got "
                            + RecordDiff.actualLine(r));
        }
        String quality = Quality.nameOf(r.quality());
        if (!quality.equals(e.get("quality").asText())) {
            throw new AssertionError(
                    "quality: expected " + e.get("quality").asText() + ", got " + quality);
        }
        if (!sameValue(type, r.value(), e.get("value"))) {
            throw new AssertionError(
                    "value: expected " + e.get("value") + ", got " + RecordDiff.actualLine(r));
        }
        if (e.has("ts_us")) {
            long want = e.get("ts_us").asLong();
            if (!r.deviceTs()) {
                throw new AssertionError(
                        "expected device timestamp " + want + ", actual flag DEVICE_TS clear");
            }
            if (r.tsUs() != want) {
                throw new AssertionError("expected ts_us " + want + ", actual " + r.tsUs());
            }
        } else if (r.deviceTs()) {
            throw new AssertionError(
                    "expected no device timestamp, actual flag DEVICE_TS with ts_us " + r.tsUs());
        } else if (r.tsUs() != nowUs) {
            throw new AssertionError(
                    "ts_us "
                            + r.tsUs()
                            + " without flag DEVICE_TS: the host should have stamped"
                            + " now_us "
                            + nowUs);
        }
    }

    private static boolean sameValue(ValueType type, Value actual, JsonNode expected) {
        return switch (type) {
            case NULL -> actual == Value.NULL && expected.isNull();
            case BOOL ->
                    expected.isBoolean()
                            && actual instanceof Value.Bool b
                            && b.value() == expected.asBoolean();
            case I64, U64 -> {
                if (!expected.isIntegralNumber()) {
                    yield false;
                }
                BigInteger a =
                        actual instanceof Value.U64 u
                                ? u.bigValue()
                                : BigInteger.valueOf(((Value.I64) actual).value());
                yield a.equals(expected.bigIntegerValue());
            }
            case F64 -> {
                if (!expected.isNumber()) {
                    yield false;
                }
                double a = ((Value.F64) actual).value();
                double x = expected.doubleValue();
                // VECTORS.md: f64 equal within 1e-9 relative.
                yield a == x || Math.abs(a - x) <= Math.abs(x) * 1e-9;
            }
            case STR ->
                    expected.isTextual() && expected.asText().equals(((Value.Str) actual).value());
            case BYTES ->
                    expected.isTextual()
                            && HEX.formatHex(((Value.Bytes) actual).value())
                                    .equals(expected.asText());
        };
    }
}
