package io.weir.tools.sim;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An address in STEP 7 syntax, as the S7 driver's point map and the simulator's generators write
 * it: {@code DB1.DBX0.1}, {@code DB1.DBW2}, {@code MW200}, {@code M0.0}, {@code IB2}, {@code QW4},
 * {@code T5}, {@code C3}, with an optional {@code :TYPE} ({@code DB1.DBD8:REAL}).
 *
 * @param area the memory area
 * @param db the data block number (0 outside DB)
 * @param offset the byte offset, or the number of a timer or counter
 * @param bit the bit of a bit address (0 otherwise)
 * @param width the access width the address spells
 * @param type the value type: the {@code :TYPE} suffix or the width's default
 */
public record S7Address(S7Area area, int db, int offset, int bit, Width width, S7Type type) {

    /** The width a STEP 7 address spells: a bit, a byte, a word, a double word, a number. */
    public enum Width {
        BIT,
        BYTE,
        WORD,
        DWORD,
        NUMBER
    }

    /** The largest byte offset an S7ANY address carries (24 bits of byte * 8 + bit). */
    public static final int MAX_BYTE = 0x1F_FFFF;

    private static final Pattern SYNTAX =
            Pattern.compile(
                    "DB(\\d{1,5})\\.DB([XBWD])(\\d{1,7})(?:\\.(\\d))?|([MIQ])([BWD]?)(\\d{1,7})(?:\\.(\\d))?|([TC])(\\d{1,5})");

    static final String EXAMPLES =
            "DB1.DBX0.1, DB1.DBB3, DB1.DBW2, DB1.DBD4, MW200, M0.0, IB2, QW4, T5, C3";

    public S7Address {
        if (area == S7Area.DB ? db < 1 || db > 65535 : db != 0) {
            throw new IllegalArgumentException("DB number " + db + " is not 1..65535");
        }
        if (offset < 0 || offset > (width == Width.NUMBER ? 65535 : MAX_BYTE)) {
            throw new IllegalArgumentException("offset " + offset + " is out of range");
        }
        if (bit < 0 || bit > 7) {
            throw new IllegalArgumentException("bit " + bit + " is not 0..7");
        }
        if (!fits(width, area, type)) {
            throw new IllegalArgumentException(
                    "type "
                            + type.key()
                            + " does not fit a "
                            + width.name().toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Parses {@code text} ({@code DB1.DBD8:REAL}, any case); the error says what is wrong with the
     * address.
     */
    public static S7Address parse(String text) {
        int colon = text.indexOf(':');
        String addr = colon < 0 ? text : text.substring(0, colon);
        Matcher m = SYNTAX.matcher(addr.toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "address \"" + addr + "\" is not STEP 7 syntax such as " + EXAMPLES);
        }
        S7Area area;
        int db = 0;
        int offset;
        int bit = 0;
        Width width;
        if (m.group(1) != null) {
            area = S7Area.DB;
            db = Integer.parseInt(m.group(1));
            width = letter(m.group(2));
            offset = Integer.parseInt(m.group(3));
            if ((width == Width.BIT) != (m.group(4) != null)) {
                throw new IllegalArgumentException(
                        "address \"" + addr + "\": DBX takes byte.bit, DBB/DBW/DBD a byte offset");
            }
            bit = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        } else if (m.group(5) != null) {
            area = S7Area.of(m.group(5));
            offset = Integer.parseInt(m.group(7));
            width = m.group(6).isEmpty() ? Width.BIT : letter(m.group(6));
            if ((width == Width.BIT) != (m.group(8) != null)) {
                throw new IllegalArgumentException(
                        "address \""
                                + addr
                                + "\": write byte.bit (M0.1) or B/W/D and a byte (MW2)");
            }
            bit = m.group(8) == null ? 0 : Integer.parseInt(m.group(8));
        } else {
            area = S7Area.of(m.group(9));
            offset = Integer.parseInt(m.group(10));
            width = Width.NUMBER;
        }
        if (bit > 7) {
            throw new IllegalArgumentException(
                    "address \"" + addr + "\": bit " + bit + " is not 0..7");
        }
        S7Type type = colon < 0 ? defaultType(width, area) : S7Type.of(text.substring(colon + 1));
        if (!fits(width, area, type)) {
            throw new IllegalArgumentException(
                    "type "
                            + type.key()
                            + " does not fit address \""
                            + addr
                            + "\" (a bit takes BOOL, W a 2-byte type, D a 4-byte type, B a 1-byte"
                            + " type, LREAL or STRING)");
        }
        try {
            return new S7Address(area, db, offset, bit, width, type);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("address \"" + addr + "\": " + e.getMessage(), e);
        }
    }

    private static Width letter(String l) {
        return switch (l) {
            case "X" -> Width.BIT;
            case "B" -> Width.BYTE;
            case "W" -> Width.WORD;
            default -> Width.DWORD;
        };
    }

    private static S7Type defaultType(Width w, S7Area area) {
        return switch (w) {
            case BIT -> S7Type.BOOL;
            case BYTE -> S7Type.BYTE;
            case WORD -> S7Type.WORD;
            case DWORD -> S7Type.DWORD;
            case NUMBER -> area == S7Area.T ? S7Type.TIMER : S7Type.COUNTER;
        };
    }

    private static boolean fits(Width w, S7Area area, S7Type t) {
        boolean numbered = t.kind() == S7Type.Kind.TIMER || t.kind() == S7Type.Kind.COUNTER;
        return switch (w) {
            case BIT -> t.kind() == S7Type.Kind.BOOL;
            case BYTE ->
                    t.size() == 1 && t.kind() != S7Type.Kind.BOOL
                            || t.equals(S7Type.LREAL)
                            || t.isString();
            case WORD -> t.size() == 2 && !numbered;
            case DWORD -> t.size() == 4;
            case NUMBER -> t.equals(defaultType(w, area));
        };
    }

    /** Bytes the value takes in memory (a BOOL: its byte). */
    public int size() {
        return type.size();
    }

    @Override
    public String toString() {
        String a =
                switch (width) {
                    case BIT ->
                            area == S7Area.DB
                                    ? "DB" + db + ".DBX" + offset + "." + bit
                                    : area.letter() + offset + "." + bit;
                    case NUMBER -> area.letter() + offset;
                    default -> {
                        String l = width.name().substring(0, 1);
                        yield area == S7Area.DB
                                ? "DB" + db + ".DB" + l + offset
                                : area.letter() + l + offset;
                    }
                };
        return type.equals(defaultType(width, area)) ? a : a + ":" + type.key();
    }
}
