package io.weir.tools.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as a config file writes them: a whole number and a unit, {@code "500ms"} … {@code
 * "1h"}.
 */
public final class DurationText {
    private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    /** The accepted forms, for messages. */
    public static final String FORMS =
            "a whole number and a unit: \"500ms\", \"1s\", \"2m\" or \"1h\"";

    private DurationText() {}

    /**
     * @throws IllegalArgumentException saying which forms are accepted
     */
    public static Duration parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    TerminalText.quote(text) + " is not a duration; write " + FORMS);
        }
        long n = Long.parseLong(m.group(1));
        if (n == 0) {
            throw new IllegalArgumentException(
                    TerminalText.quote(text) + " is not positive; write " + FORMS);
        }
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** The shortest text {@link #parse} reads back as {@code d}, e.g. {@code 1s}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
