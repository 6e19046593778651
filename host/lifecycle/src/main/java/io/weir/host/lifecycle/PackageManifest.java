package io.weir.host.lifecycle;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code weir-package.json}, the package manifest: who made the driver and what its config keys
 * are. What the module says about itself — ABI version, protocol, transport — is not restated here:
 * it is read from the module ({@code weir_abi_version}, {@code weir_describe}), and the name and
 * version here must equal the module's.
 *
 * <pre>
 * {
 *   "package_format": 1,
 *   "name": "modbus",
 *   "version": "0.1.0",
 *   "vendor": "Weir",
 *   "description": "Modbus TCP client: FC1-4 reads, FC5/6/16 writes",
 *   "activate": true,
 *   "device_keys": [{"key": "unit", "type": "int", "min": 0, "max": 255, "default": "1",
 *                    "doc": "unit identifier"}],
 *   "point_keys": [{"key": "area", "type": "enum", "values": ["coil", "holding"],
 *                   "required": true}]
 * }
 * </pre>
 *
 * @param name driver name, {@code [a-z0-9-]{1,32}} (ABI §3.4)
 * @param version semantic version (ABI §3.4)
 * @param vendor who made it
 * @param description one line
 * @param activate whether a gateway activates the version as soon as it is installed from the drop
 *     folder
 * @param keys the config keys the driver accepts
 */
public record PackageManifest(
        String name,
        String version,
        String vendor,
        String description,
        boolean activate,
        KeyTable keys) {

    /** The format this code writes and reads. */
    public static final int FORMAT = 1;

    public static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,32}");

    /** semver.org 2.0.0, its official regular expression (as {@code io.weir.abi.Manifest}). */
    public static final Pattern SEMVER =
            Pattern.compile(
                    "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
                            + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)"
                            + "(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                            + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?");

    private static final List<String> FIELDS =
            List.of(
                    "package_format",
                    "name",
                    "version",
                    "vendor",
                    "description",
                    "activate",
                    "device_keys",
                    "point_keys");
    private static final List<String> KEY_FIELDS =
            List.of("key", "type", "min", "max", "values", "required", "default", "doc");

    static final JsonMapper JSON =
            JsonMapper.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .build();

    public PackageManifest {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "\"name\" " + quote(name) + " must match [a-z0-9-]{1,32} (ABI §3.4)");
        }
        if (version == null || !SEMVER.matcher(version).matches()) {
            throw new IllegalArgumentException(
                    "\"version\" "
                            + quote(version)
                            + " is not a semantic version such as 0.1.0 (ABI §3.4)");
        }
        if (vendor == null || vendor.isBlank() || vendor.length() > 128) {
            throw new IllegalArgumentException("\"vendor\" must be 1-128 characters");
        }
        if (description == null || description.isBlank() || description.length() > 1024) {
            throw new IllegalArgumentException("\"description\" must be 1-1024 characters");
        }
        if (keys == null) {
            keys = KeyTable.NONE;
        }
    }

    /** {@code name version}, e.g. {@code modbus 0.1.0}. */
    public String label() {
        return name + " " + version;
    }

    /**
     * Reads a manifest, naming the first field that is missing, unknown or wrong.
     *
     * @param where the file, for messages
     * @throws PackageRefused naming the file and the field
     */
    public static PackageManifest parse(String where, byte[] json) throws PackageRefused {
        JsonNode doc;
        try {
            doc = JSON.readTree(json);
        } catch (IOException e) {
            throw new PackageRefused(where + ": not valid JSON: " + oneLine(e));
        }
        if (doc == null || !doc.isObject()) {
            throw new PackageRefused(where + ": must be a JSON object");
        }
        try {
            for (Iterator<String> it = doc.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!FIELDS.contains(f)) {
                    throw new IllegalArgumentException(
                            "unknown field \""
                                    + f
                                    + "\" (fields: "
                                    + String.join(", ", FIELDS)
                                    + ")");
                }
            }
            JsonNode format = doc.get("package_format");
            if (format == null) {
                throw new IllegalArgumentException("missing field \"package_format\"");
            }
            if (!format.isInt() || format.asInt() != FORMAT) {
                throw new IllegalArgumentException(
                        "\"package_format\" is "
                                + format
                                + "; this weir reads format "
                                + FORMAT
                                + " (a newer weir may read it)");
            }
            return new PackageManifest(
                    text(doc, "name"),
                    text(doc, "version"),
                    text(doc, "vendor"),
                    text(doc, "description"),
                    bool(doc, "activate", "the package manifest"),
                    new KeyTable(keys(doc, "device_keys"), keys(doc, "point_keys")));
        } catch (IllegalArgumentException e) {
            throw new PackageRefused(where + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode doc, String field) {
        JsonNode v = doc.get(field);
        if (v == null) {
            throw new IllegalArgumentException("missing field \"" + field + "\"");
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string");
        }
        return v.asText();
    }

    private static boolean bool(JsonNode obj, String field, String what) {
        JsonNode v = obj.get(field);
        if (v == null) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(
                    "\"" + field + "\" of " + what + " must be true or false");
        }
        return v.asBoolean();
    }

    private static Optional<List<KeySpec>> keys(JsonNode doc, String field) {
        JsonNode arr = doc.get(field);
        if (arr == null) {
            return Optional.empty();
        }
        if (!arr.isArray()) {
            throw new IllegalArgumentException("\"" + field + "\" must be an array of keys");
        }
        List<KeySpec> out = new ArrayList<>();
        int i = 0;
        for (JsonNode k : arr) {
            String where = field + "[" + i++ + "]";
            if (!k.isObject()) {
                throw new IllegalArgumentException(where + " must be an object");
            }
            for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!KEY_FIELDS.contains(f)) {
                    throw new IllegalArgumentException(
                            where
                                    + ": unknown field \""
                                    + f
                                    + "\" (fields: "
                                    + String.join(", ", KEY_FIELDS)
                                    + ")");
                }
            }
            try {
                if (!k.path("key").isTextual()) {
                    throw new IllegalArgumentException("missing string \"key\"");
                }
                if (!k.path("type").isTextual()) {
                    throw new IllegalArgumentException("missing string \"type\"");
                }
                List<String> values = new ArrayList<>();
                if (k.has("values")) {
                    if (!k.get("values").isArray()) {
                        throw new IllegalArgumentException(
                                "\"values\" must be an array of strings");
                    }
                    for (JsonNode v : k.get("values")) {
                        if (!v.isTextual()) {
                            throw new IllegalArgumentException(
                                    "\"values\" must be an array of strings");
                        }
                        values.add(v.asText());
                    }
                }
                if (k.has("default") && !k.get("default").isValueNode()) {
                    throw new IllegalArgumentException("\"default\" must be a value");
                }
                if (k.has("doc") && !k.get("doc").isTextual()) {
                    throw new IllegalArgumentException("\"doc\" must be a string");
                }
                out.add(
                        new KeySpec(
                                k.get("key").asText(),
                                KeySpec.Type.parse(k.get("type").asText()),
                                number(k, "min"),
                                number(k, "max"),
                                values,
                                bool(k, "required", "a key"),
                                k.has("default") ? k.get("default").asText() : null,
                                k.path("doc").asText("")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
        }
        return Optional.of(out);
    }

    private static BigDecimal number(JsonNode k, String field) {
        JsonNode v = k.get(field);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a number");
        }
        return v.decimalValue();
    }

    /** The manifest as {@code weir-package.json} holds it. */
    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("package_format", FORMAT);
        o.put("name", name);
        o.put("version", version);
        o.put("vendor", vendor);
        o.put("description", description);
        if (activate) {
            o.put("activate", true);
        }
        keys.device().ifPresent(l -> o.set("device_keys", keysJson(l)));
        keys.point().ifPresent(l -> o.set("point_keys", keysJson(l)));
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key table as JSON objects, for {@code inspect --json} and the admin API. */
    public static ArrayNode keysJson(List<KeySpec> keys) {
        ArrayNode arr = JSON.createArrayNode();
        for (KeySpec k : keys) {
            ObjectNode o = arr.addObject();
            o.put("key", k.key());
            o.put("type", k.type().written());
            if (k.min() != null) {
                o.put("min", k.min());
            }
            if (k.max() != null) {
                o.put("max", k.max());
            }
            if (!k.values().isEmpty()) {
                ArrayNode v = o.putArray("values");
                k.values().forEach(v::add);
            }
            if (k.required()) {
                o.put("required", true);
            }
            if (k.defaultValue() != null) {
                o.put("default", k.defaultValue());
            }
            if (!k.doc().isEmpty()) {
                o.put("doc", k.doc());
            }
        }
        return arr;
    }

    static String quote(String s) {
        if (s == null) {
            return "(missing)";
        }
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            return "\"?\"";
        }
    }

    static String oneLine(IOException e) {
        String m =
                e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                        ? j.getOriginalMessage()
                        : e.getMessage();
        return m == null ? e.toString() : m.replace('\n', ' ');
    }
}
