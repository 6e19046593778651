package io.weir.tools.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * {@code [gateway]}.
 *
 * @param name the gateway id; the CN of its certificate in the PKI folder (UPLINK.md §9) and the
 *     gateway id in every envelope
 * @param dataDir outbox, state and admin token; absolute (a relative path in the file is relative
 *     to the file), created by {@code weir run} if missing
 * @param busyPoll {@code busy_poll_us}: how long an idle TCP I/O thread looks for the next answer
 *     before it sleeps, while that pays (0 sleeps at once); null when the file leaves it out (the
 *     gateway's default)
 */
public record Gateway(String name, Path dataDir, Duration busyPoll, SourceLines lines) {
    /** The most {@code busy_poll_us} accepts, in microseconds. */
    public static final int BUSY_POLL_MAX_US = 1000;

    /** The rule of {@code weir pki issue}: the name becomes a certificate CN. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public static final String NAME_RULE =
            "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (it is the"
                    + " CN of the gateway's certificate)";

    public Gateway {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "gateway name " + TerminalText.quote(name) + " must be " + NAME_RULE);
        }
        if (dataDir == null || !dataDir.isAbsolute()) {
            throw new IllegalArgumentException("data_dir must be an absolute path: " + dataDir);
        }
        if (busyPoll != null
                && (busyPoll.isNegative() || busyPoll.toNanos() > BUSY_POLL_MAX_US * 1000L)) {
            throw new IllegalArgumentException(
                    "busy_poll_us must be 0 to " + BUSY_POLL_MAX_US + " µs: " + busyPoll);
        }
        if (lines == null) {
            lines = SourceLines.NONE;
        }
    }

    /** A gateway section without {@code busy_poll_us}. */
    public Gateway(String name, Path dataDir, SourceLines lines) {
        this(name, dataDir, null, lines);
    }
}
