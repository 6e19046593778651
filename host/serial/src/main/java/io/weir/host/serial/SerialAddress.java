package io.weir.host.serial;

import io.weir.host.io.LinkAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A serial link address, {@code serial:/dev/ttyUSB0?baud=19200&parity=E&data=8&stop=1}, read into
 * typed settings. Every parameter is optional; the defaults are those of Modbus over Serial Line
 * v1.02 (19200 baud, 8E1) and of the bus (see {@link #PARAMETERS} and {@code host/serial/README}).
 *
 * @param path the port, e.g. {@code /dev/ttyUSB0}, {@code /dev/serial/by-id/…} or {@code COM3}
 * @param line the character format every device on the port shares
 * @param silence the silence that ends a frame and must precede a request: {@link
 *     LineSettings#frameSilenceNanos()} unless given
 * @param turnaround extra idle time before the bus drives the line again, for RS485 transceivers
 *     that release the line late
 * @param misses requests in a row that a device leaves unanswered before it is backed off
 * @param backoff how long a silent device is skipped at first; doubled at each further miss
 * @param backoffMax the longest a silent device is skipped before it is tried again
 * @param reopen how often a port that is gone (a USB adapter unplugged) is tried again
 * @param hold the longest one device may keep the bus without ending its transaction
 */
public record SerialAddress(
        String path,
        LineSettings line,
        Duration silence,
        Duration turnaround,
        int misses,
        Duration backoff,
        Duration backoffMax,
        Duration reopen,
        Duration hold) {

    /** The parameters an address may carry, in the order the README documents them. */
    public static final List<String> PARAMETERS =
            List.of(
                    "baud",
                    "data",
                    "parity",
                    "stop",
                    "silence",
                    "turnaround",
                    "misses",
                    "backoff",
                    "backoffmax",
                    "reopen",
                    "hold");

    /**
     * Longer than the longest response timeout a driver may ask for (ABI §9: 60 s), so the guard
     * never cuts a transaction the session still waits for.
     */
    public static final Duration DEFAULT_HOLD = Duration.ofSeconds(65);

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(us|µs|ms|s)");

    public SerialAddress {
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("no port path (write serial:/dev/ttyUSB0)");
        }
        if (line == null) {
            throw new IllegalArgumentException("a serial address needs line settings");
        }
        if (silence.isNegative()
                || silence.isZero()
                || silence.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException(
                    "silence must be > 0 and at most 1 s, got " + silence);
        }
        if (turnaround.isNegative() || turnaround.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("turnaround must be 0..1 s, got " + turnaround);
        }
        if (misses < 1 || misses > 100) {
            throw new IllegalArgumentException("misses must be 1..100, got " + misses);
        }
        if (backoff.isNegative() || backoff.isZero() || backoffMax.compareTo(backoff) < 0) {
            throw new IllegalArgumentException(
                    "backoff must be > 0 and at most backoffmax, got "
                            + backoff
                            + " and "
                            + backoffMax);
        }
        if (reopen.toMillis() < 10) {
            throw new IllegalArgumentException("reopen must be at least 10 ms, got " + reopen);
        }
        if (hold.toMillis() < 10) {
            throw new IllegalArgumentException("hold must be at least 10 ms, got " + hold);
        }
    }

    /** The defaults for a port. */
    public static SerialAddress of(String path, LineSettings line) {
        return new SerialAddress(
                path,
                line,
                Duration.ofNanos(line.frameSilenceNanos()),
                Duration.ZERO,
                2,
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                Duration.ofSeconds(1),
                DEFAULT_HOLD);
    }

    /**
     * Reads a {@code serial:} address.
     *
     * @throws IllegalArgumentException naming the address and the parameter that is wrong
     */
    public static SerialAddress parse(LinkAddress address) {
        String where = "serial address \"" + address + "\"";
        if (address.host() != null) {
            throw new IllegalArgumentException(
                    where + ": write the port as a path, serial:/dev/ttyUSB0, not serial://…");
        }
        Map<String, String> params = new LinkedHashMap<>(address.params());
        for (String k : params.keySet()) {
            if (!PARAMETERS.contains(k.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(
                        where
                                + ": unknown parameter \""
                                + k
                                + "\" (known: "
                                + String.join(", ", PARAMETERS)
                                + ")");
            }
        }
        Map<String, String> p = new LinkedHashMap<>();
        params.forEach((k, v) -> p.put(k.toLowerCase(Locale.ROOT), v));
        try {
            LineSettings line = lineSettings(p, LineSettings.MODBUS_DEFAULT);
            SerialAddress dflt = of(address.path(), line);
            return new SerialAddress(
                    address.path(),
                    line,
                    duration(p, "silence", dflt.silence()),
                    duration(p, "turnaround", dflt.turnaround()),
                    integer(p, "misses", dflt.misses()),
                    duration(p, "backoff", dflt.backoff()),
                    duration(p, "backoffmax", dflt.backoffMax()),
                    duration(p, "reopen", dflt.reopen()),
                    duration(p, "hold", dflt.hold()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * The character format from the parameters {@code baud}, {@code data}, {@code parity} and
     * {@code stop} (lower case keys), each defaulting to {@code dflt}'s.
     *
     * @throws IllegalArgumentException naming the parameter
     */
    public static LineSettings lineSettings(Map<String, String> p, LineSettings dflt) {
        return new LineSettings(
                integer(p, "baud", dflt.baud()),
                integer(p, "data", dflt.dataBits()),
                p.containsKey("parity") ? LineSettings.Parity.of(p.get("parity")) : dflt.parity(),
                p.containsKey("stop") ? stopBits(p.get("stop")) : dflt.stopBits());
    }

    static int integer(Map<String, String> p, String key, int dflt) {
        String v = p.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=\"" + v + "\" is not a whole number");
        }
    }

    private static double stopBits(String v) {
        return switch (v) {
            case "1" -> 1;
            case "1.5" -> 1.5;
            case "2" -> 2;
            default -> throw new IllegalArgumentException("stop=\"" + v + "\" is not 1, 1.5 or 2");
        };
    }

    /** {@code 500us}, {@code 2ms}, {@code 1.5ms}, {@code 3s}; {@code 0} for none. */
    static Duration duration(Map<String, String> p, String key, Duration dflt) {
        String v = p.get(key);
        return v == null ? dflt : duration(key, v);
    }

    /**
     * Reads a duration as addresses write it: {@code 500us}, {@code 2ms}, {@code 1.5ms}, {@code
     * 3s}, or {@code 0}.
     *
     * @throws IllegalArgumentException naming {@code key}
     */
    public static Duration duration(String key, String v) {
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(v.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    key + "=\"" + v + "\" is not a duration such as 500us, 2ms or 1s");
        }
        double n = Double.parseDouble(m.group(1));
        double nanos =
                switch (m.group(2)) {
                    case "us", "µs" -> n * 1e3;
                    case "ms" -> n * 1e6;
                    default -> n * 1e9;
                };
        if (nanos > 3600e9) {
            throw new IllegalArgumentException(key + "=\"" + v + "\" is longer than an hour");
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** Whether another device's address may share this one's port: the line format must agree. */
    public boolean sameLine(SerialAddress other) {
        return line.equals(other.line)
                && silence.equals(other.silence)
                && turnaround.equals(other.turnaround)
                && reopen.equals(other.reopen)
                && hold.equals(other.hold);
    }

    /** E.g. {@code serial /dev/ttyUSB0 19200 8E1}. */
    public String describe() {
        return "serial " + path + " " + line;
    }
}
