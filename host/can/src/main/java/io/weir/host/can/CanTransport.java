package io.weir.host.can;

import io.weir.host.io.LinkAddress;
import io.weir.host.io.Transport;
import io.weir.host.serial.SerialAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Opens CAN links ({@code kind} {@code can}):
 *
 * <ul>
 *   <li>{@code slcan:/dev/ttyACM0?bitrate=500000} — an slcan adapter on a serial port;
 *   <li>{@code socketcand://host:29536/can0} — a bus served by socketcand;
 *   <li>{@code candump:/path/file.log?speed=1} — a candump log played back.
 * </ul>
 *
 * Devices whose addresses name the same bus (the same port, server and bus, or log) share one
 * {@link CanBus}: one adapter, connection or playback, every frame to every device. Their settings
 * must agree.
 */
public final class CanTransport implements Transport {

    private final Map<String, CanBus> buses = new LinkedHashMap<>();
    private final ScheduledExecutorService exec =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "weir-can");
                        t.setDaemon(true);
                        return t;
                    });
    private boolean closed;

    @Override
    public Set<String> schemes() {
        return Set.of("slcan", "socketcand", "candump");
    }

    @Override
    public String kind() {
        return "can";
    }

    /**
     * Checks an address as {@link #open} reads it, opening nothing: for a config check.
     *
     * @throws IllegalArgumentException naming the address and the parameter that is wrong
     */
    public static void check(LinkAddress address) {
        switch (address.scheme()) {
            case "slcan" -> SlcanChannel.Settings.parse(address);
            case "socketcand" -> SocketcandChannel.Settings.parse(address);
            case "candump" -> CandumpChannel.Settings.parse(address);
            default ->
                    throw new IllegalArgumentException(
                            "the CAN transport opens slcan:, socketcand:// and candump:"
                                    + " addresses, not \""
                                    + address
                                    + "\"");
        }
    }

    /**
     * A link for one device on the bus at {@code address}; the bus opens when the first link on it
     * starts.
     *
     * @throws IllegalArgumentException naming a wrong parameter, or a device on the same bus with
     *     other settings
     */
    @Override
    public synchronized CanLink open(LinkAddress address) {
        if (closed) {
            throw new IllegalStateException("the CAN transport is closed");
        }
        CanChannel channel =
                switch (address.scheme()) {
                    case "slcan" -> new SlcanChannel(SlcanChannel.Settings.parse(address), exec);
                    case "socketcand" ->
                            new SocketcandChannel(SocketcandChannel.Settings.parse(address));
                    case "candump" -> new CandumpChannel(CandumpChannel.Settings.parse(address));
                    default ->
                            throw new IllegalArgumentException(
                                    "the CAN transport opens slcan:, socketcand:// and candump:"
                                            + " addresses, not \""
                                            + address
                                            + "\"");
                };
        String key = key(address, channel.settings());
        CanBus bus = buses.get(key);
        if (bus != null) {
            if (!bus.channel().settings().equals(channel.settings())) {
                throw new IllegalArgumentException(
                        "CAN bus "
                                + bus.describe()
                                + " is already open with "
                                + bus.channel().settings()
                                + "; a device on the same bus asks for "
                                + channel.settings()
                                + ": every device on one bus must use the same settings");
            }
        } else {
            bus = new CanBus(channel, this::forget);
            buses.put(key, bus);
        }
        return bus.view();
    }

    private static String key(LinkAddress a, Object settings) {
        if (settings instanceof SocketcandChannel.Settings s) {
            return "socketcand "
                    + s.host().toLowerCase(Locale.ROOT)
                    + ":"
                    + s.port()
                    + "/"
                    + s.bus();
        }
        if (settings instanceof CandumpChannel.Settings s) {
            return "candump " + s.file().toAbsolutePath().normalize();
        }
        return a.scheme() + " " + a.path();
    }

    private synchronized void forget(CanBus bus) {
        buses.values().remove(bus);
    }

    /** The buses open now. */
    public synchronized List<CanBus> buses() {
        return new ArrayList<>(buses.values());
    }

    @Override
    public void close() {
        List<CanBus> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(buses.values());
            buses.clear();
        }
        all.forEach(CanBus::close);
        exec.shutdownNow();
    }

    // ---- address parameters --------------------------------------------------------------------

    /** The parameters, lower-cased, after refusing unknown ones. */
    static Map<String, String> params(LinkAddress a, List<String> known, String where) {
        Map<String, String> p = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : a.params().entrySet()) {
            String k = e.getKey().toLowerCase(Locale.ROOT);
            if (!known.contains(k)) {
                throw new IllegalArgumentException(
                        where
                                + ": unknown parameter \""
                                + e.getKey()
                                + "\" (known: "
                                + String.join(", ", known)
                                + ")");
            }
            p.put(k, e.getValue());
        }
        return p;
    }

    static int integer(String key, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=\"" + v + "\" is not a whole number");
        }
    }

    static boolean bool(String key, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default ->
                    throw new IllegalArgumentException(key + "=\"" + v + "\" is not true or false");
        };
    }

    /** A duration parameter of at least {@code minMillis}. */
    static Duration duration(Map<String, String> p, String key, Duration dflt, long minMillis) {
        String v = p.get(key);
        if (v == null) {
            return dflt;
        }
        Duration d = SerialAddress.duration(key, v);
        if (d.toMillis() < minMillis) {
            throw new IllegalArgumentException(
                    key + " must be at least " + minMillis + " ms, got " + v);
        }
        return d;
    }
}
