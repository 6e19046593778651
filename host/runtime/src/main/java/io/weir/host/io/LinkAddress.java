package io.weir.host.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a device is, as a config file writes it: {@code tcp://10.0.0.5:502}, {@code
 * serial:/dev/ttyUSB0?baud=19200&parity=E}, or plain {@code host:port} for TCP. The scheme picks
 * the {@link Transport}; the transport reads the rest.
 *
 * @param scheme lower case, e.g. {@code tcp}
 * @param host the host of an address with an authority ({@code scheme://host:port}), else {@code
 *     null}; IPv6 literals without brackets
 * @param port the port, or -1 if none was given
 * @param path the path ({@code /dev/ttyUSB0}), or {@code ""}
 * @param params the query parameters in the order given
 */
public record LinkAddress(
        String scheme, String host, int port, String path, Map<String, String> params) {

    private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):(.*)");
    private static final Pattern AUTHORITY =
            Pattern.compile("(\\[[^\\]]*\\]|[^:/\\[\\]]*)(?::(.*))?");

    public LinkAddress {
        scheme = scheme.toLowerCase(Locale.ROOT);
        path = path == null ? "" : path;
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        if (port < -1 || port > 65535 || port == 0) {
            throw new IllegalArgumentException(
                    "port must be 1..65535, got " + port + " in a " + scheme + " address");
        }
    }

    /**
     * Parses a link address.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    public static LinkAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a link address is empty");
        }
        String s = text.trim();
        String scheme = "tcp";
        String rest = s;
        Matcher m = SCHEME.matcher(s);
        // "host:502" also matches scheme:rest; a scheme is followed by "//" or "/", or names no
        // port.
        if (m.matches() && !m.group(2).matches("\\d+")) {
            scheme = m.group(1);
            rest = m.group(2);
        } else {
            rest = "//" + s;
        }
        Map<String, String> params = new LinkedHashMap<>();
        int q = rest.indexOf('?');
        if (q >= 0) {
            for (String kv : rest.substring(q + 1).split("&")) {
                if (kv.isEmpty()) {
                    continue;
                }
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                String v = eq < 0 ? "" : kv.substring(eq + 1);
                if (k.isEmpty() || params.put(k, v) != null) {
                    throw new IllegalArgumentException(
                            "link address \""
                                    + text
                                    + "\": parameter \""
                                    + k
                                    + "\" is empty or repeated");
                }
            }
            rest = rest.substring(0, q);
        }
        String host = null;
        int port = -1;
        String path = rest;
        if (rest.startsWith("//")) {
            String auth = rest.substring(2);
            int slash = auth.indexOf('/', auth.startsWith("[") ? auth.indexOf(']') : 0);
            path = slash < 0 ? "" : auth.substring(slash);
            auth = slash < 0 ? auth : auth.substring(0, slash);
            Matcher a = AUTHORITY.matcher(auth);
            if (!a.matches() || a.group(1).isEmpty()) {
                throw new IllegalArgumentException(
                        "link address \"" + text + "\" has no host (write host:port)");
            }
            host = a.group(1);
            if (host.startsWith("[")) {
                host = host.substring(1, host.length() - 1);
            }
            if (a.group(2) != null) {
                try {
                    port = Integer.parseInt(a.group(2));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "link address \""
                                    + text
                                    + "\": port \""
                                    + a.group(2)
                                    + "\" is not a number");
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException(
                            "link address \"" + text + "\": port must be 1..65535, got " + port);
                }
            }
        }
        return new LinkAddress(scheme, host, port, path, params);
    }

    /** {@code host:port}, with brackets around an IPv6 host. */
    public String hostPort() {
        String h = host != null && host.contains(":") ? "[" + host + "]" : host;
        return port < 0 ? h : h + ":" + port;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(scheme).append(':');
        if (host != null) {
            b.append("//").append(hostPort());
        }
        b.append(path);
        String sep = "?";
        for (Map.Entry<String, String> e : params.entrySet()) {
            b.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = "&";
        }
        return b.toString();
    }
}
