package io.weir.host.serial;

import io.weir.host.io.LinkAddress;
import io.weir.host.io.Transport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Opens {@code serial:} links. Devices whose addresses name the same port share one {@link
 * SerialBus}: one queue, one owner at a time. Their line settings (baud rate, character format,
 * silence, turnaround) must agree, since a UART has one; their back-off settings are their own.
 */
public final class SerialTransport implements Transport {

    private final Map<String, SerialBus> buses = new LinkedHashMap<>();
    private boolean closed;

    @Override
    public Set<String> schemes() {
        return Set.of("serial");
    }

    @Override
    public String kind() {
        return "serial";
    }

    /**
     * A link for one device on the port at {@code address}; the port opens when the first link of
     * its bus starts.
     *
     * @throws IllegalArgumentException naming a wrong parameter, or the device whose line settings
     *     on the same port differ
     */
    @Override
    public SerialLink open(LinkAddress address) {
        return open(SerialAddress.parse(address));
    }

    public synchronized SerialLink open(SerialAddress address) {
        if (closed) {
            throw new IllegalStateException("the serial transport is closed");
        }
        String key = address.path();
        SerialBus bus = buses.get(key);
        if (bus == null) {
            // Another name of the same device file: /dev/serial/by-id/… and /dev/ttyUSB0.
            String real = realPath(key);
            for (Map.Entry<String, SerialBus> e : buses.entrySet()) {
                if (real.equals(realPath(e.getKey()))) {
                    bus = e.getValue();
                    break;
                }
            }
        }
        if (bus != null && !address.sameLine(bus.address())) {
            SerialAddress a = bus.address();
            throw new IllegalArgumentException(
                    "serial port "
                            + address.path()
                            + " is already open as "
                            + a.line()
                            + " (silence "
                            + a.silence().toNanos() / 1000
                            + " µs, turnaround "
                            + a.turnaround().toNanos() / 1000
                            + " µs, reopen "
                            + a.reopen().toMillis()
                            + " ms, hold "
                            + a.hold().toMillis()
                            + " ms); a device on the same bus asks for "
                            + address.line()
                            + " (silence "
                            + address.silence().toNanos() / 1000
                            + " µs, turnaround "
                            + address.turnaround().toNanos() / 1000
                            + " µs, reopen "
                            + address.reopen().toMillis()
                            + " ms, hold "
                            + address.hold().toMillis()
                            + " ms): every device on one port must use the same line settings");
        }
        if (bus == null) {
            bus = new SerialBus(address, this::forget);
            buses.put(key, bus);
        }
        return bus.view(address);
    }

    private synchronized void forget(SerialBus bus) {
        buses.values().remove(bus);
    }

    /** The buses open now. */
    public synchronized List<SerialBus> buses() {
        return new ArrayList<>(buses.values());
    }

    /** The device file a path leads to now; a path that does not exist is taken as written. */
    private static String realPath(String path) {
        try {
            Path p = Path.of(path);
            if (Files.exists(p)) {
                return p.toRealPath().toString();
            }
        } catch (IOException | java.nio.file.InvalidPathException e) {
            // Taken as written.
        }
        return path;
    }

    @Override
    public void close() {
        List<SerialBus> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(buses.values());
            buses.clear();
        }
        all.forEach(SerialBus::close);
    }
}
