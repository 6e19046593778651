package io.weir.host.can.dbc;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small, strict reader of DBC files: {@code BO_}, {@code SG_} (with simple multiplexing), {@code
 * VAL_}, {@code SIG_VALTYPE_}, {@code BA_DEF_}/{@code BA_DEF_DEF_}/{@code BA_} (for {@code
 * ProtocolType} and {@code VFrameFormat}) and {@code SG_MUL_VAL_} where it restates simple
 * multiplexing. Every other section of the format is skipped whole; anything it does not understand
 * is an error naming the file and line. Extended multiplexing ({@code m1M}, {@code SG_MUL_VAL_}
 * with ranges) is refused, since the driver does not decode it.
 */
public final class DbcReader {
    /** Statements that end with ';' and carry nothing Weir uses. */
    private static final Set<String> SKIPPED =
            Set.of(
                    "CM_",
                    "BA_DEF_REL_",
                    "BA_REL_",
                    "BA_DEF_DEF_REL_",
                    "BA_DEF_SGTYPE_",
                    "BA_SGTYPE_",
                    "BO_TX_BU_",
                    "VAL_TABLE_",
                    "EV_",
                    "ENVVAR_DATA_",
                    "SGTYPE_",
                    "SGTYPE_VAL_",
                    "SIG_TYPE_REF_",
                    "SIG_GROUP_",
                    "SIGTYPE_VALTYPE_",
                    "CAT_DEF_",
                    "CAT_",
                    "FILTER",
                    "BU_SG_REL_",
                    "BU_EV_REL_",
                    "BU_BO_REL_");

    /** The id of Vector's pseudo message for signals that belong to no message. */
    public static final long INDEPENDENT_SIGNALS = 0xC000_0000L;

    private final Path file;
    private final List<Token> tokens;
    private int at;

    private record Token(String text, boolean string, int line) {}

    private static final class SignalBuilder {
        final Dbc.Signal base;
        int floatBits;
        Map<Long, String> choices = Map.of();

        SignalBuilder(Dbc.Signal base) {
            this.base = base;
        }
    }

    private static final class MessageBuilder {
        final long rawId;
        final String name;
        final int size;
        final int line;
        final List<SignalBuilder> signals = new ArrayList<>();

        MessageBuilder(long rawId, String name, int size, int line) {
            this.rawId = rawId;
            this.name = name;
            this.size = size;
            this.line = line;
        }

        SignalBuilder signal(String name) {
            for (SignalBuilder s : signals) {
                if (s.base.name().equals(name)) {
                    return s;
                }
            }
            return null;
        }
    }

    private DbcReader(Path file, List<Token> tokens) {
        this.file = file;
        this.tokens = tokens;
    }

    /** Reads a DBC file (UTF-8, or Windows-1252 as many tools write it). */
    public static Dbc read(Path file) throws DbcException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DbcException(file, 0, "cannot read the DBC file: " + e.getMessage());
        }
        String text;
        try {
            text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .decode(java.nio.ByteBuffer.wrap(bytes))
                            .toString();
        } catch (CharacterCodingException e) {
            text = new String(bytes, java.nio.charset.Charset.forName("windows-1252"));
        }
        return parse(file, text);
    }

    /** Parses DBC text; {@code file} names it in errors. */
    public static Dbc parse(Path file, String text) throws DbcException {
        return new DbcReader(file, tokenize(file, text)).parse();
    }

    private static List<Token> tokenize(Path file, String s) throws DbcException {
        List<Token> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"') {
                int startLine = line;
                StringBuilder b = new StringBuilder();
                i++;
                while (true) {
                    if (i >= s.length()) {
                        throw new DbcException(
                                file, startLine, "a string that never ends (no closing '\"')");
                    }
                    char d = s.charAt(i);
                    if (d == '\\' && i + 1 < s.length()) {
                        b.append(s.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    if (d == '"') {
                        i++;
                        break;
                    }
                    if (d == '\n') {
                        line++;
                    }
                    b.append(d);
                    i++;
                }
                out.add(new Token(b.toString(), true, startLine));
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < s.length()
                        && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(new Token(s.substring(i, j), false, line));
                i = j;
            } else if (Character.isDigit(c)
                    || (c == '-' || c == '+' || c == '.')
                            && i + 1 < s.length()
                            && (Character.isDigit(s.charAt(i + 1)) || s.charAt(i + 1) == '.')) {
                int j = i + 1;
                while (j < s.length()) {
                    char d = s.charAt(j);
                    boolean exponentSign =
                            (d == '-' || d == '+')
                                    && (s.charAt(j - 1) == 'e' || s.charAt(j - 1) == 'E');
                    if (Character.isDigit(d) || d == '.' || d == 'e' || d == 'E' || exponentSign) {
                        j++;
                    } else {
                        break;
                    }
                }
                out.add(new Token(s.substring(i, j), false, line));
                i = j;
            } else {
                out.add(new Token(String.valueOf(c), false, line));
                i++;
            }
        }
        return out;
    }

    // ---- parsing ------------------------------------------------------------------------------

    private Dbc parse() throws DbcException {
        List<MessageBuilder> messages = new ArrayList<>();
        Map<Long, MessageBuilder> byId = new HashMap<>();
        Map<String, List<String>> enums = new HashMap<>();
        Map<String, String> defaults = new HashMap<>();
        Map<Long, String> frameFormats = new HashMap<>();
        String protocolType = null;
        MessageBuilder current = null;
        while (at < tokens.size()) {
            Token t = tokens.get(at);
            String k = t.text;
            if (t.string) {
                throw error(t, "a string " + quote(k) + " where a keyword was expected");
            }
            switch (k) {
                case "VERSION" -> {
                    at++;
                    expectString("VERSION");
                }
                case "NS_" -> {
                    at++;
                    while (at < tokens.size()
                            && !Set.of("BS_", "BU_", "BO_").contains(tokens.get(at).text)) {
                        at++;
                    }
                }
                case "BS_", "BU_" -> skipLine(t.line);
                case "BO_" -> {
                    current = message(t);
                    if (byId.putIfAbsent(current.rawId, current) != null) {
                        throw error(t, "BO_ " + current.rawId + " is defined twice");
                    }
                    messages.add(current);
                }
                case "SG_" -> {
                    if (current == null) {
                        throw error(t, "SG_ outside a BO_ message");
                    }
                    SignalBuilder s = new SignalBuilder(signal(t, current));
                    if (current.signal(s.base.name()) != null) {
                        throw error(
                                t,
                                "signal " + s.base.name() + " is defined twice in " + current.name);
                    }
                    current.signals.add(s);
                }
                case "BA_DEF_" -> {
                    at++;
                    if (Set.of("BU_", "BO_", "SG_", "EV_").contains(peek().text)) {
                        at++;
                    }
                    String name = expectString("BA_DEF_");
                    Token type = next("BA_DEF_ " + quote(name));
                    if (type.text.equals("ENUM")) {
                        List<String> values = new ArrayList<>();
                        while (!peek().text.equals(";") || peek().string) {
                            Token v = next("BA_DEF_ " + quote(name));
                            if (v.string) {
                                values.add(v.text);
                            } else if (!v.text.equals(",")) {
                                throw error(
                                        v,
                                        "ENUM values of "
                                                + quote(name)
                                                + " are strings, not "
                                                + quote(v.text));
                            }
                        }
                        enums.put(name, values);
                        at++;
                    } else {
                        skipStatement();
                    }
                }
                case "BA_DEF_DEF_" -> {
                    at++;
                    String name = expectString("BA_DEF_DEF_");
                    defaults.put(name, next("BA_DEF_DEF_ " + quote(name)).text);
                    skipStatement();
                }
                case "BA_" -> {
                    at++;
                    String name = expectString("BA_");
                    Token scope = next("BA_ " + quote(name));
                    if (scope.string) {
                        if (name.equals("ProtocolType")) {
                            protocolType = scope.text;
                        }
                    } else if (scope.text.equals("BO_")) {
                        long id = number(next("BA_ " + quote(name) + " BO_"), "a message id");
                        Token value = next("BA_ " + quote(name) + " BO_ " + id);
                        if (name.equals("VFrameFormat")) {
                            frameFormats.put(id, enumValue(value, enums.get(name), name));
                        }
                    } else if (name.equals("ProtocolType")) {
                        protocolType = scope.text;
                    }
                    skipStatement();
                }
                case "VAL_" -> {
                    at++;
                    Token idToken = next("VAL_");
                    if (!isInteger(idToken.text)) { // a value table of an environment variable
                        skipStatement();
                        continue;
                    }
                    long id = number(idToken, "a message id");
                    Token sigName = next("VAL_ " + id);
                    SignalBuilder s = find(byId, id, sigName, "VAL_");
                    Map<Long, String> choices = new LinkedHashMap<>();
                    while (!peek().text.equals(";") || peek().string) {
                        Token v = next("VAL_ " + id + " " + sigName.text);
                        long value = number(v, "a raw value");
                        Token label = next("VAL_ " + id + " " + sigName.text);
                        if (!label.string) {
                            throw error(
                                    label,
                                    "VAL_ "
                                            + id
                                            + " "
                                            + sigName.text
                                            + ": the label of "
                                            + value
                                            + " must be a string");
                        }
                        if (choices.put(value, label.text) != null) {
                            throw error(
                                    v,
                                    "VAL_ "
                                            + id
                                            + " "
                                            + sigName.text
                                            + ": value "
                                            + value
                                            + " given twice");
                        }
                    }
                    at++;
                    if (!s.choices.isEmpty()) {
                        throw error(idToken, "VAL_ " + id + " " + sigName.text + " is given twice");
                    }
                    s.choices = choices;
                }
                case "SIG_VALTYPE_" -> {
                    at++;
                    long id = number(next("SIG_VALTYPE_"), "a message id");
                    Token sigName = next("SIG_VALTYPE_ " + id);
                    SignalBuilder s = find(byId, id, sigName, "SIG_VALTYPE_");
                    if (peek().text.equals(":")) {
                        at++;
                    }
                    Token type = next("SIG_VALTYPE_ " + id + " " + sigName.text);
                    switch (type.text) {
                        case "0" -> s.floatBits = 0;
                        case "1" -> s.floatBits = 32;
                        case "2" -> s.floatBits = 64;
                        default ->
                                throw error(
                                        type,
                                        "SIG_VALTYPE_ "
                                                + id
                                                + " "
                                                + sigName.text
                                                + ": type "
                                                + quote(type.text)
                                                + " is not 0, 1 (float) or 2 (double)");
                    }
                    if (s.floatBits != 0 && s.floatBits != s.base.length()) {
                        throw error(
                                type,
                                "SIG_VALTYPE_ "
                                        + id
                                        + " "
                                        + sigName.text
                                        + ": a "
                                        + s.floatBits
                                        + "-bit float needs a "
                                        + s.floatBits
                                        + "-bit signal, not "
                                        + s.base.length());
                    }
                    skipStatement();
                }
                case "SG_MUL_VAL_" -> {
                    at++;
                    multiplexValues(byId, t);
                }
                default -> {
                    if (SKIPPED.contains(k)) {
                        at++;
                        skipStatement();
                    } else {
                        throw error(t, "unknown DBC keyword " + quote(k));
                    }
                }
            }
        }
        boolean j1939 =
                "J1939".equals(protocolType != null ? protocolType : defaults.get("ProtocolType"));
        String defaultFormat = defaults.getOrDefault("VFrameFormat", "");
        List<Dbc.Message> out = new ArrayList<>();
        for (MessageBuilder m : messages) {
            List<Dbc.Signal> signals = new ArrayList<>();
            for (SignalBuilder s : m.signals) {
                Dbc.Signal b = s.base;
                signals.add(
                        new Dbc.Signal(
                                b.name(),
                                b.multiplexer(),
                                b.start(),
                                b.length(),
                                b.motorola(),
                                b.signed(),
                                b.factor(),
                                b.offset(),
                                b.min(),
                                b.max(),
                                b.unit(),
                                s.floatBits,
                                s.choices,
                                b.line()));
            }
            String format = frameFormats.getOrDefault(m.rawId, defaultFormat);
            out.add(new Dbc.Message(m.rawId, m.name, m.size, signals, format, m.line));
        }
        return new Dbc(out, j1939);
    }

    private MessageBuilder message(Token bo) throws DbcException {
        at++;
        Token idToken = next("BO_");
        long id = number(idToken, "a message id");
        if (id == INDEPENDENT_SIGNALS) {
            // VECTOR__INDEPENDENT_SIG_MSG: Vector's holder of signals in no message; never on a
            // bus.
            Token name = identifier("BO_ " + id);
            skipLine(bo.line);
            return new MessageBuilder(id, name.text, 0, bo.line);
        }
        if (id < 0 || id > 0xFFFF_FFFFL) {
            throw error(idToken, "BO_ " + id + " is no CAN identifier");
        }
        if ((id & 0x8000_0000L) == 0 && id > 0x7FF) {
            throw error(
                    idToken,
                    "BO_ "
                            + id
                            + ": an 11-bit identifier is at most 2047 (a 29-bit one has bit 31 set, 2147483648 + id)");
        }
        if ((id & 0x6000_0000L) != 0) {
            throw error(idToken, "BO_ " + id + ": bits 29-30 are set, which no CAN identifier has");
        }
        Token name = identifier("BO_ " + id);
        expect(":", "BO_ " + id + " " + name.text);
        long size = number(next("BO_ " + id + " " + name.text), "a size in bytes");
        if (size < 0 || size > 1785) {
            throw error(
                    bo,
                    "BO_ " + id + " " + name.text + ": size " + size + " is outside 0..1785 bytes");
        }
        skipLine(bo.line);
        return new MessageBuilder(id, name.text, (int) size, bo.line);
    }

    private Dbc.Signal signal(Token sg, MessageBuilder m) throws DbcException {
        at++;
        Token name = identifier("SG_");
        String what = "SG_ " + name.text;
        String mux = "";
        if (!peek().text.equals(":")) {
            Token x = next(what);
            if (x.text.equals("M") || x.text.matches("m[0-9]+")) {
                mux = x.text;
            } else if (x.text.matches("m[0-9]+M")) {
                throw error(x, what + ": extended multiplexing (" + x.text + ") is not supported");
            } else {
                throw error(
                        x,
                        what
                                + ": "
                                + quote(x.text)
                                + " where ':' or a multiplexer indicator (M, m0 …) was expected");
            }
        }
        expect(":", what);
        long start = number(next(what), "the start bit");
        expect("|", what + " (after the start bit)");
        long length = number(next(what), "the length in bits");
        expect("@", what + " (after the length)");
        // '@1+' tokenizes as '@', '1', '+' and '@0-' as '@', '0', '-'; '@1-5'-like typos fail here.
        Token order = next(what);
        if (!order.text.equals("0") && !order.text.equals("1")) {
            throw error(
                    order,
                    what
                            + ": byte order "
                            + quote(order.text)
                            + " is not 0 (Motorola) or 1 (Intel)");
        }
        Token sign = next(what);
        if (!sign.text.equals("+") && !sign.text.equals("-")) {
            throw error(sign, what + ": sign " + quote(sign.text) + " is not + or -");
        }
        expect("(", what + " (before the factor)");
        String factor = decimal(next(what), what + ": the factor");
        expect(",", what + " (between factor and offset)");
        String offset = decimal(next(what), what + ": the offset");
        expect(")", what + " (after the offset)");
        expect("[", what + " (before the minimum)");
        String min = decimal(next(what), what + ": the minimum");
        expect("|", what + " (between minimum and maximum)");
        String max = decimal(next(what), what + ": the maximum");
        expect("]", what + " (after the maximum)");
        String unit = expectString(what + " (the unit)");
        skipLine(sg.line);
        if (length < 1 || length > 64) {
            throw error(sg, what + ": length " + length + " is outside 1..64 bits");
        }
        if (m.rawId != INDEPENDENT_SIGNALS && (start < 0 || start >= m.size * 8L)) {
            throw error(
                    sg,
                    what
                            + ": start bit "
                            + start
                            + " lies outside the "
                            + m.size
                            + "-byte message "
                            + m.name);
        }
        if (m.rawId != INDEPENDENT_SIGNALS
                && !fits((int) start, (int) length, order.text.equals("0"), m.size)) {
            throw error(
                    sg,
                    what
                            + ": start bit "
                            + start
                            + " and length "
                            + length
                            + (order.text.equals("0") ? " (Motorola)" : " (Intel)")
                            + " run past the "
                            + m.size
                            + "-byte message "
                            + m.name);
        }
        if (Double.parseDouble(factor) == 0) {
            throw error(sg, what + ": factor 0 makes every value the offset");
        }
        return new Dbc.Signal(
                name.text,
                mux,
                (int) start,
                (int) length,
                order.text.equals("0"),
                sign.text.equals("-"),
                factor,
                offset,
                min,
                max,
                unit,
                0,
                Map.of(),
                sg.line);
    }

    /**
     * Whether the signal's bits lie inside the message: Intel counts up from the start bit,
     * Motorola down from it within a byte and on to the next byte's most significant bit.
     */
    static boolean fits(int start, int length, boolean motorola, int size) {
        int bits = size * 8;
        if (!motorola) {
            return start + length <= bits;
        }
        int pos = start;
        for (int i = 0; i < length; i++) {
            if (pos >= bits) {
                return false;
            }
            pos = pos % 8 == 0 ? pos + 15 : pos - 1;
        }
        return true;
    }

    /** {@code SG_MUL_VAL_ id signal switch a-b, …;}: accepted only as simple multiplexing. */
    private void multiplexValues(Map<Long, MessageBuilder> byId, Token t) throws DbcException {
        long id = number(next("SG_MUL_VAL_"), "a message id");
        Token sigName = next("SG_MUL_VAL_ " + id);
        SignalBuilder s = find(byId, id, sigName, "SG_MUL_VAL_");
        Token switchName = next("SG_MUL_VAL_ " + id + " " + sigName.text);
        SignalBuilder sw = find(byId, id, switchName, "SG_MUL_VAL_");
        List<String> ranges = new ArrayList<>();
        StringBuilder range = new StringBuilder();
        while (!peek().text.equals(";")) {
            Token r = next("SG_MUL_VAL_ " + id + " " + sigName.text);
            if (r.text.equals(",")) {
                ranges.add(range.toString());
                range.setLength(0);
            } else {
                range.append(r.text);
            }
        }
        at++;
        ranges.add(range.toString());
        String m = s.base.multiplexer();
        boolean simple =
                ranges.size() == 1
                        && sw.base.multiplexer().equals("M")
                        && m.startsWith("m")
                        && ranges.get(0).equals(m.substring(1) + "-" + m.substring(1));
        if (!simple) {
            throw error(
                    t,
                    "SG_MUL_VAL_ "
                            + id
                            + " "
                            + sigName.text
                            + " "
                            + switchName.text
                            + " "
                            + String.join(", ", ranges)
                            + ": extended multiplexing is not supported");
        }
    }

    private SignalBuilder find(Map<Long, MessageBuilder> byId, long id, Token sig, String what)
            throws DbcException {
        MessageBuilder m = byId.get(id);
        if (m == null) {
            throw error(sig, what + " " + id + " " + sig.text + ": no BO_ " + id + " before it");
        }
        SignalBuilder s = m.signal(sig.text);
        if (s == null) {
            throw error(
                    sig,
                    what
                            + " "
                            + id
                            + " "
                            + sig.text
                            + ": message "
                            + m.name
                            + " has no signal "
                            + sig.text);
        }
        return s;
    }

    private static String enumValue(Token value, List<String> values, String name) {
        if (!value.string && values != null && isInteger(value.text)) {
            int i = Integer.parseInt(value.text);
            if (i >= 0 && i < values.size()) {
                return values.get(i);
            }
        }
        return value.text;
    }

    // ---- tokens -------------------------------------------------------------------------------

    private Token peek() throws DbcException {
        if (at >= tokens.size()) {
            throw new DbcException(
                    file,
                    tokens.isEmpty() ? 0 : tokens.get(tokens.size() - 1).line,
                    "the file ends inside a statement");
        }
        return tokens.get(at);
    }

    private Token next(String what) throws DbcException {
        if (at >= tokens.size()) {
            throw new DbcException(
                    file,
                    tokens.isEmpty() ? 0 : tokens.get(tokens.size() - 1).line,
                    what + ": the file ends here");
        }
        return tokens.get(at++);
    }

    private void expect(String text, String what) throws DbcException {
        Token t = next(what);
        if (t.string || !t.text.equals(text)) {
            throw error(t, what + ": expected " + quote(text) + ", found " + quote(t.text));
        }
    }

    private String expectString(String what) throws DbcException {
        Token t = next(what);
        if (!t.string) {
            throw error(t, what + ": expected a quoted string, found " + quote(t.text));
        }
        return t.text;
    }

    private Token identifier(String what) throws DbcException {
        Token t = next(what);
        if (t.string || !t.text.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw error(t, what + ": expected a name, found " + quote(t.text));
        }
        return t;
    }

    private long number(Token t, String what) throws DbcException {
        if (t.string || !isInteger(t.text)) {
            throw error(t, quote(t.text) + " is not an integer (" + what + ")");
        }
        try {
            return Long.parseLong(t.text.startsWith("+") ? t.text.substring(1) : t.text);
        } catch (NumberFormatException e) {
            throw error(t, quote(t.text) + " is too large (" + what + ")");
        }
    }

    private String decimal(Token t, String what) throws DbcException {
        try {
            if (t.string
                    || !Double.isFinite(Double.parseDouble(t.text))
                    || t.text.endsWith("d")
                    || t.text.endsWith("f")) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw error(t, what + ": " + quote(t.text) + " is not a number");
        }
        return t.text.startsWith("+") ? t.text.substring(1) : t.text;
    }

    private static boolean isInteger(String s) {
        return s.matches("[+-]?[0-9]+");
    }

    private void skipStatement() throws DbcException {
        while (true) {
            Token t = next("statement");
            if (!t.string && t.text.equals(";")) {
                return;
            }
        }
    }

    private void skipLine(int line) {
        while (at < tokens.size() && tokens.get(at).line == line) {
            at++;
        }
    }

    private DbcException error(Token t, String what) {
        return new DbcException(file, t.line, what);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        int n = Math.min(s.length(), 40);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return b.append(s.length() > n ? "…'" : "'").toString();
    }
}
