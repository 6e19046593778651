package io.weir.host.poll;

import io.weir.host.driver.DriverModule;

/**
 * Counters and state of one device session, as {@code weir status} shows them.
 *
 * @param device the device name
 * @param driver the driver label, e.g. {@code modbus 0.1.0}
 * @param link the link, e.g. {@code tcp 127.0.0.1:502}
 * @param deviceHandle the device's handle in its driver instance (ABI §2.6)
 * @param sharedInstance whether the instance serves other devices too
 * @param state what the session is doing
 * @param linkUp whether the link is connected
 * @param cycles cycles started
 * @param missed ticks that found the previous cycle still running (counted, not queued)
 * @param unserved ticks that started no cycle because the device could not be served: no driver
 *     instance (crash-loop backoff, quarantine, a refused config), the link down or not ready; each
 *     gave the device's points with a bad quality instead
 * @param timeouts requests whose response never came
 * @param garbageBytes received bytes dropped by resync or arriving with no request outstanding
 * @param protocolErrors frames the driver refused ({@code E_PROTO} and other errors)
 * @param traps traps and timed-out calls of this device's instances, violations included
 * @param points points delivered to the sink
 * @param lastLatencyMicros duration of the last complete cycle
 * @param writes write requests sent to the device
 * @param lastError the last problem seen, or {@code null}
 * @param deviceQuality the device status's quality code (ABI v1.1 §6.3): the host's at link events,
 *     a driver's {@code DEVICE_STATUS} record's until the next one
 * @param deviceStatus the device status's text, or {@code null}
 * @param violations breaches of the host limits the session enforces (ABI §9: requests or bytes per
 *     cycle, point indexes), each also counted as a trap
 * @param quarantine why the driver version is quarantined (ABI §9), or {@code null}
 */
public record SessionStatus(
        String device,
        String driver,
        String link,
        int deviceHandle,
        boolean sharedInstance,
        SessionState state,
        boolean linkUp,
        long cycles,
        long missed,
        long unserved,
        long timeouts,
        long garbageBytes,
        long protocolErrors,
        long traps,
        long points,
        long lastLatencyMicros,
        long writes,
        String lastError,
        int deviceQuality,
        String deviceStatus,
        long violations,
        DriverModule.Quarantine quarantine) {}
