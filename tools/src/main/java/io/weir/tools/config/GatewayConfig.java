package io.weir.tools.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A gateway config file (TOML), read and validated: the gateway, the optional uplink, the admin API
 * and the devices with their point maps. {@link #load} reads one and reports every problem in it at
 * once; {@link ConfigCheck} adds what needs more than the file (driver verdicts, the PKI folder).
 *
 * <pre>
 * [gateway]
 * name = "line-3"                 # gateway id; its certificate in the PKI folder has this CN
 * data_dir = "/var/lib/weir"       # outbox, state, admin token; created if missing
 *
 * [uplink]                         # optional: without it points are only kept locally
 * receiver = "ingest.plant:7443"
 * pki = "/etc/weir/pki"
 *
 * [admin]
 * listen = "127.0.0.1:9780"        # the default
 *
 * [[devices]]
 * name = "boiler"
 * driver = "modbus"                # bundled name, name@version, or a .wasm path
 * link = "tcp://10.0.0.5:502"
 * interval = "1s"                  # the default
 * unit = 1                         # every other key goes to the driver's device line
 *
 *   [[devices.points]]
 *   name = "boiler_temp_c"
 *   area = "holding"               # every key but name goes to the driver's point line
 *   address = 100
 * </pre>
 *
 * Relative paths are relative to the config file.
 *
 * @param file the config file as it was named
 */
public record GatewayConfig(
        Path file,
        Gateway gateway,
        Optional<UplinkSection> uplink,
        AdminSection admin,
        List<DeviceConfigEntry> devices) {

    public GatewayConfig {
        if (file == null || gateway == null || uplink == null || admin == null) {
            throw new IllegalArgumentException("a gateway config needs its file and sections");
        }
        devices = List.copyOf(devices);
        if (devices.isEmpty()) {
            throw new IllegalArgumentException(file + ": a gateway needs at least one device");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < devices.size(); i++) {
            DeviceConfigEntry d = devices.get(i);
            if (d.index() != i) {
                throw new IllegalArgumentException(
                        "device " + d.name() + " has index " + d.index() + " at position " + i);
            }
            if (!names.add(d.name())) {
                throw new IllegalArgumentException("two devices are named " + d.name());
            }
            Map<String, Integer> points = new HashMap<>();
            for (PointConfigEntry p : d.points()) {
                if (points.putIfAbsent(p.name(), p.index()) != null) {
                    throw new IllegalArgumentException(
                            "device " + d.name() + " names two points " + p.name());
                }
            }
        }
    }

    /**
     * Reads and validates a config file: TOML syntax, known keys and their types, durations,
     * addresses, names, and whether every driver key fits the config text of ABI §5. Does not load
     * drivers or read the PKI folder ({@link ConfigCheck} does).
     *
     * @throws ConfigException with every problem found, in file order
     */
    public static GatewayConfig load(Path file) throws ConfigException {
        ConfigReader.Result r = ConfigReader.read(file);
        if (!r.problems().isEmpty()) {
            throw new ConfigException(r.problems());
        }
        return r.config();
    }

    /** The number of points over all devices. */
    public int pointCount() {
        int n = 0;
        for (DeviceConfigEntry d : devices) {
            n += d.points().size();
        }
        return n;
    }

    /** The device of this name. */
    public Optional<DeviceConfigEntry> device(String name) {
        return devices.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** {@code line-3: 4 devices, 37 points, uplink to ingest.plant:7443}. */
    public String summary() {
        return gateway.name()
                + ": "
                + count(devices.size(), "device")
                + ", "
                + count(pointCount(), "point")
                + ", "
                + uplink.map(u -> "uplink to " + u.receiver())
                        .orElse("no uplink (points kept locally)");
    }

    static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
