package io.weir.host.tcp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.weir.host.io.LinkAddress;
import io.weir.host.io.Transport;
import java.time.Duration;
import java.util.Set;

/**
 * The Netty event loops shared by every TCP link of a host. One or two I/O threads serve thousands
 * of devices: the links only move bytes, the drivers run elsewhere.
 *
 * <p>It opens {@code tcp://host:port} and {@code rtu+tcp://host:port}. The second is a TCP
 * connection that carries serial framing, as a serial device server in transparent mode passes a
 * Modbus RTU line on (slave address, PDU, CRC; no MBAP header): its {@link #kind(LinkAddress)} is
 * {@code serial}, so a driver that lists {@code serial} among its transports serves it and learns
 * from {@code weir.transport=serial} (ABI §5.1) to frame as on a serial line. The link itself is
 * plain TCP: it reports no frame silence (segments do not keep a line's timing), so such a driver
 * frames by length there, as it can for Modbus RTU responses.
 */
public final class TcpTransport implements Transport {

    /** Serial framing over a TCP connection. */
    public static final String RTU_OVER_TCP = "rtu+tcp";

    private final EventLoopGroup group;
    private final TcpLink.Options options;
    private final Duration busyPoll;

    /**
     * @param ioThreads the event loop threads
     * @param options the links' timing
     * @param busyPoll how long an idle I/O thread looks for ready sockets before it sleeps, while
     *     that pays ({@link BusyPoll}); zero sleeps at once, as Netty does; at most 1 ms
     */
    public TcpTransport(int ioThreads, TcpLink.Options options, Duration busyPoll) {
        if (busyPoll.isNegative() || busyPoll.compareTo(BusyPoll.MAX) > 0) {
            throw new IllegalArgumentException(
                    "busy poll of " + busyPoll + " is outside 0.." + BusyPoll.MAX);
        }
        this.group =
                new MultiThreadIoEventLoopGroup(ioThreads, SocketFamily.CURRENT.handlers(busyPoll));
        this.options = options;
        this.busyPoll = busyPoll;
        if (!busyPoll.isZero()) {
            java.util.logging.Logger.getLogger("io.weir.host.tcp")
                    .info(
                            "TCP I/O threads look for ready sockets for up to "
                                    + busyPoll.toNanos() / 1000
                                    + " µs before they sleep, while answers come within it"
                                    + " (busy polling; busy_poll_us = 0 in the config's"
                                    + " [gateway], or -D"
                                    + BusyPoll.PROPERTY
                                    + "=0, turns it off)");
        }
    }

    /** Busy polling as {@link #configuredBusyPoll()} says. */
    public TcpTransport(int ioThreads, TcpLink.Options options) {
        this(ioThreads, options, configuredBusyPoll());
    }

    /**
     * The busy poll of the default constructors: {@code -Dweir.tcp.busyPollMicros=N} (0 to 1000, 0
     * sleeps at once), 50 µs without it.
     *
     * @throws IllegalArgumentException for a value out of range or not a number, naming the
     *     property
     */
    public static Duration configuredBusyPoll() {
        return BusyPoll.fromProperty(System.getProperty(BusyPoll.PROPERTY));
    }

    public TcpTransport() {
        this(1, TcpLink.Options.DEFAULT);
    }

    /** How long an idle I/O thread spins before it sleeps; zero when it sleeps at once. */
    public Duration busyPoll() {
        return busyPoll;
    }

    @Override
    public Set<String> schemes() {
        return Set.of("tcp", RTU_OVER_TCP);
    }

    @Override
    public String kind() {
        return "tcp";
    }

    /** {@code serial} for {@code rtu+tcp://} (serial framing over TCP), else {@code tcp}. */
    @Override
    public String kind(LinkAddress address) {
        return RTU_OVER_TCP.equals(address.scheme()) ? "serial" : "tcp";
    }

    /**
     * A link to {@code tcp://host:port} or {@code rtu+tcp://host:port}; it connects when started.
     */
    @Override
    public TcpLink open(LinkAddress address) {
        String scheme = address.scheme();
        if (!schemes().contains(scheme)) {
            throw new IllegalArgumentException(
                    "TCP transport opens tcp:// and rtu+tcp:// addresses, not \"" + address + "\"");
        }
        if (address.host() == null || address.port() < 0) {
            throw new IllegalArgumentException(
                    "TCP address \""
                            + address
                            + "\" needs a host and a port ("
                            + scheme
                            + "://host:port)");
        }
        if (!address.path().isEmpty() || !address.params().isEmpty()) {
            throw new IllegalArgumentException(
                    "TCP address \""
                            + address
                            + "\" takes no path or parameters ("
                            + scheme
                            + "://host:port)");
        }
        return new TcpLink(group, scheme, address.host(), address.port(), options);
    }

    /** A link to {@code host:port}; it connects when started. */
    public TcpLink link(String host, int port) {
        return new TcpLink(group, "tcp", host, port, options);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS)
                .awaitUninterruptibly(Duration.ofSeconds(5).toMillis());
    }
}
