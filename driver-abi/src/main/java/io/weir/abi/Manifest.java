package io.weir.abi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The driver manifest that {@code weir_describe} writes as JSON (ABI.md §3.4). The host parses the
 * JSON (ignoring fields it does not know, §3.3); this record validates the fields. The last three
 * components are v1.1 fields: a host honours them only when the agreed version is at least 1.1
 * ({@link #asAgreed(int)}).
 *
 * @param name driver name, {@code [a-z0-9-]{1,32}}
 * @param version semantic version
 * @param protocol protocol identifier, e.g. {@code modbus-tcp}
 * @param transport {@code tcp}, {@code serial} or {@code can}: the primary transport, the only one
 *     a v1.0 host uses
 * @param passive true if the driver only listens; with agreed version 1.0 {@code weir_poll} then
 *     always returns 0
 * @param stateSchema version of the {@code weir_save_state} payload, {@code null} = no state
 * @param transports 1.1: every transport the driver can use, {@code transport} among them; {@code
 *     null} (absent) means only {@code transport}
 * @param unsolicited 1.1: frame and decode bytes that arrive with no request outstanding
 * @param maxDevices 1.1: device handles one instance serves (≥ 1); {@code null} = no limit declared
 */
public record Manifest(
        String name,
        String version,
        String protocol,
        String transport,
        boolean passive,
        Integer stateSchema,
        List<String> transports,
        boolean unsolicited,
        Integer maxDevices) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,32}");

    /** semver.org 2.0.0, the official regular expression. */
    private static final Pattern SEMVER =
            Pattern.compile(
                    "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
                            + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)"
                            + "(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                            + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?");

    /** §3.4: the allowed transports. */
    public static final List<String> TRANSPORTS = List.of("tcp", "serial", "can");

    /** A v1.0 manifest: no v1.1 fields. */
    public Manifest(
            String name,
            String version,
            String protocol,
            String transport,
            boolean passive,
            Integer stateSchema) {
        this(name, version, protocol, transport, passive, stateSchema, null, false, null);
    }

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
        if (transports != null) {
            Set<String> seen = new HashSet<>();
            for (String t : transports) {
                if (t == null || !TRANSPORTS.contains(t)) {
                    throw new IllegalArgumentException(
                            "manifest transports of driver "
                                    + name
                                    + " lists \""
                                    + t
                                    + "\"; each must be one of tcp, serial, can (ABI §3.4)");
                }
                if (!seen.add(t)) {
                    throw new IllegalArgumentException(
                            "manifest transports of driver "
                                    + name
                                    + " lists \""
                                    + t
                                    + "\" twice (ABI §3.4)");
                }
            }
            if (!seen.contains(transport)) {
                throw new IllegalArgumentException(
                        "manifest transports "
                                + transports
                                + " of driver "
                                + name
                                + " must contain its transport \""
                                + transport
                                + "\" (ABI §3.4)");
            }
            transports = List.copyOf(new ArrayList<>(transports));
        }
        if (maxDevices != null && maxDevices < 1) {
            throw new IllegalArgumentException(
                    "manifest max_devices of driver " + name + " must be ≥ 1, got " + maxDevices);
        }
    }

    /** Whether the driver keeps state for hot swap. */
    public boolean hasState() {
        return stateSchema != null;
    }

    /** Every transport the driver can use: {@code transports}, or only {@code transport}. */
    public List<String> allTransports() {
        return transports != null ? transports : List.of(transport);
    }

    /** §7.3: whether the host frames bytes that arrive with no request outstanding. */
    public boolean receivesUnsolicited() {
        return passive || unsolicited;
    }

    /**
     * The manifest as a host honours it with this agreed minor version: with 1.0 the v1.1 fields
     * are ignored, as every unknown field (§3.3).
     */
    public Manifest asAgreed(int agreedMinor) {
        if (agreedMinor >= Abi.MINOR_1_1) {
            return this;
        }
        return new Manifest(name, version, protocol, transport, passive, stateSchema);
    }
}
