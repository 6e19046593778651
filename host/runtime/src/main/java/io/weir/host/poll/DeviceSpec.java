package io.weir.host.poll;

import io.weir.abi.DeviceConfig;
import io.weir.host.io.LinkAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One device as the operator configures it.
 *
 * @param name the device name, unique in the host
 * @param link where the device is; its scheme picks the transport
 * @param driver the driver name (its manifest name)
 * @param config the config text for {@code weir_open} (ABI §5)
 * @param pointNames the name of each point, index for index with the config's point lines
 * @param interval the poll interval; {@link Duration#ZERO} scans continuously: the next cycle
 *     starts as soon as the last one ends
 */
public record DeviceSpec(
        String name,
        LinkAddress link,
        String driver,
        DeviceConfig config,
        List<String> pointNames,
        Duration interval) {

    public DeviceSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a device needs a name");
        }
        if (link == null) {
            throw new IllegalArgumentException("device " + name + " needs a link address");
        }
        if (driver == null || driver.isBlank()) {
            throw new IllegalArgumentException("device " + name + " needs a driver");
        }
        if (config == null) {
            throw new IllegalArgumentException("device " + name + " needs a config");
        }
        // §5.1: keys that start with "weir." are the host's; an operator's config may not set
        // them, so that a driver can trust weir.transport.
        String hostKey = config.hostKeyProblem();
        if (hostKey != null) {
            throw new IllegalArgumentException("device " + name + ": " + hostKey);
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
        if (interval == null
                || interval.isNegative()
                || !interval.isZero() && interval.toMillis() < 1) {
            throw new IllegalArgumentException(
                    "device "
                            + name
                            + ": poll interval must be at least 1 ms, or 0 to scan continuously");
        }
    }

    /** Interval 0: the next cycle starts as soon as the last one ends. */
    public boolean continuous() {
        return interval.isZero();
    }

    /**
     * A device from text as a configuration file or command line gives it.
     *
     * @param address a link address ({@link LinkAddress#parse}), e.g. {@code tcp://10.0.0.5:502} or
     *     {@code 10.0.0.5:502}
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
        LinkAddress link;
        try {
            link = LinkAddress.parse(address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device " + name + ": " + e.getMessage(), e);
        }
        DeviceConfig config;
        try {
            config = DeviceConfig.parse(configText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device " + name + ": " + e.getMessage(), e);
        }
        return new DeviceSpec(name, link, driver, config, pointNames, interval);
    }
}
