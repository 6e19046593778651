package io.weir.tools.sim;

import java.util.Locale;

/** The S7 memory areas the simulator serves, with their S7ANY area codes. */
public enum S7Area {
    /** Data blocks. */
    DB("DB", 0x84),
    /** Flags (Merker). */
    M("M", 0x83),
    /** Process image of the inputs. */
    I("I", 0x81),
    /** Process image of the outputs. */
    Q("Q", 0x82),
    /** S7 timers, by number. */
    T("T", 0x1D),
    /** S7 counters, by number. */
    C("C", 0x1C);

    private final String letter;
    private final int code;

    S7Area(String letter, int code) {
        this.letter = letter;
        this.code = code;
    }

    public String letter() {
        return letter;
    }

    /** The area byte of an S7ANY item. */
    public int code() {
        return code;
    }

    /** The area of an S7ANY area byte, or {@code null} for one the simulator does not serve. */
    public static S7Area ofCode(int code) {
        for (S7Area a : values()) {
            if (a.code == code) {
                return a;
            }
        }
        return null;
    }

    static S7Area of(String letter) {
        return valueOf(letter.toUpperCase(Locale.ROOT));
    }
}
