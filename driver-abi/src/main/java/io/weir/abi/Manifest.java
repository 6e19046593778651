package io.weir.abi;

import java.util.regex.Pattern;

/**
 * The driver manifest that {@code weir_describe} writes as JSON (ABI.md §3.4). The host parses the
 * JSON; this record validates the fields.
 *
 * @param name driver name, {@code [a-z0-9-]{1,32}}
 * @param version semantic version
 * @param protocol protocol identifier, e.g. {@code modbus-tcp}
 * @param transport {@code tcp}, {@code serial} or {@code can}
 * @param passive true if the driver only listens; {@code weir_poll} then always returns 0
 * @param stateSchema version of the {@code weir_save_state} payload, {@code null} = no state
 */
public record Manifest(
        String name,
        String version,
        String protocol,
        String transport,
        boolean passive,
        Integer stateSchema) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,32}");

    /** semver.org 2.0.0, the official regular expression. */
    private static final Pattern SEMVER =
            Pattern.compile(
                    "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
                            + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)"
                            + "(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                            + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?");

    /** §3.4: the allowed transports. */
    public static final java.util.List<String> TRANSPORTS =
            java.util.List.of("tcp", "serial", "can");

    public Manifest {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "manifest name \"" + name + "\" must match [a-z0-9-]{1,32} (ABI §3.4)");
        }
        if (version == null || !SEMVER.matcher(version).matches()) {
            throw new IllegalArgumentException(
                    "manifest version \""
                            + version
                            + "\" of driver "
                            + name
                            + " is not a semantic version such as 0.1.0 (ABI §3.4)");
        }
        if (protocol == null || protocol.isBlank()) {
            throw new IllegalArgumentException(
                    "manifest of driver " + name + " needs a protocol, e.g. modbus-tcp (ABI §3.4)");
        }
        if (transport == null || !TRANSPORTS.contains(transport)) {
            throw new IllegalArgumentException(
                    "manifest transport \""
                            + transport
                            + "\" of driver "
                            + name
                            + " must be one of tcp, serial, can (ABI §3.4)");
        }
        if (stateSchema != null && stateSchema < 0) {
            throw new IllegalArgumentException(
                    "manifest state_schema of driver " + name + " must be ≥ 0, got " + stateSchema);
        }
    }

    /** Whether the driver keeps state for hot swap. */
    public boolean hasState() {
        return stateSchema != null;
    }
}
