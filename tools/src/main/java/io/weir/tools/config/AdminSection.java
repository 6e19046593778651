package io.weir.tools.config;

import io.weir.tools.cli.HostPort;

/**
 * {@code [admin]}: the admin API and {@code /metrics}.
 *
 * @param listen where the admin API listens; loopback ({@link #DEFAULT_LISTEN}) unless the file
 *     says otherwise
 */
public record AdminSection(HostPort listen, SourceLines lines) {
    public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 9780);

    /** The section of a file without {@code [admin]}. */
    public static final AdminSection DEFAULT = new AdminSection(DEFAULT_LISTEN, SourceLines.NONE);

    public AdminSection {
        if (listen == null || listen.port() < 1) {
            throw new IllegalArgumentException("admin.listen needs host:port, port 1..65535");
        }
        if (lines == null) {
            lines = SourceLines.NONE;
        }
    }
}
