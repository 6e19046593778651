package io.weir.host.poll;

import io.weir.abi.DeviceConfig;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One device as the operator configures it.
 *
 * @param name the device name, unique in the host
 * @param host the device's address
 * @param port the device's TCP port
 * @param driver the driver name (its manifest name)
 * @param config the config text for {@code weir_open} (ABI §5)
 * @param pointNames the name of each point, index for index with the config's point lines
 * @param interval the poll interval
 */
public record DeviceSpec(
        String name,
        String host,
        int port,
        String driver,
        DeviceConfig config,
        List<String> pointNames,
        Duration interval) {

    public DeviceSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a device needs a name");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("device " + name + " needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(
                    "device " + name + ": port must be 1..65535, got " + port);
        }
        if (driver == null || driver.isBlank()) {
            throw new IllegalArgumentException("device " + name + " needs a driver");
        }
        if (config == null) {
            throw new IllegalArgumentException("device " + name + " needs a config");
        }
        pointNames = List.copyOf(pointNames);
        if (pointNames.size() != config.points().size()) {
            throw new IllegalArgumentException(
                    "device "
                            + name
                            + " has "
                            + pointNames.size()
                            + " point names for "
                            + config.points().size()
                            + " point lines");
        }
        Set<String> seen = new HashSet<>();
        for (String p : pointNames) {
            if (p == null || p.isBlank()) {
                throw new IllegalArgumentException("device " + name + " has a blank point name");
            }
            if (!seen.add(p)) {
                throw new IllegalArgumentException(
                        "device " + name + " names point \"" + p + "\" twice");
            }
        }
        if (interval == null || interval.toMillis() < 1) {
            throw new IllegalArgumentException(
                    "device " + name + ": poll interval must be at least 1 ms");
        }
    }

    /** {@code host:port}. */
    public String address() {
        return host + ":" + port;
    }
}
