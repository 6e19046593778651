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

    /**
     * A device from text as a configuration file or command line gives it.
     *
     * @param address {@code host:port}, or {@code [v6-address]:port}
     * @param configText the config text of ABI §5, e.g. {@code "device unit=1\npoint 0 …\n"}
     * @throws IllegalArgumentException saying what is wrong
     */
    public static DeviceSpec of(
            String name,
            String address,
            String driver,
            String configText,
            List<String> pointNames,
            Duration interval) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException(
                    "device " + name + ": address \"" + address + "\" is not host:port");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "device " + name + ": port of \"" + address + "\" is not a number");
        }
        DeviceConfig config;
        try {
            config = DeviceConfig.parse(configText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device " + name + ": " + e.getMessage(), e);
        }
        return new DeviceSpec(name, host, port, driver, config, pointNames, interval);
    }

    /** {@code host:port}. */
    public String address() {
        return host + ":" + port;
    }
}
