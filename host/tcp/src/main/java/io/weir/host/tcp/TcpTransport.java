package io.weir.host.tcp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.weir.host.io.LinkAddress;
import io.weir.host.io.Transport;
import java.time.Duration;
import java.util.Set;

/**
 * The Netty event loops shared by every TCP link of a host. One or two I/O threads serve thousands
 * of devices: the links only move bytes, the drivers run elsewhere.
 */
public final class TcpTransport implements Transport {
    private final EventLoopGroup group;
    private final TcpLink.Options options;

    public TcpTransport(int ioThreads, TcpLink.Options options) {
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
        this.options = options;
    }

    public TcpTransport() {
        this(1, TcpLink.Options.DEFAULT);
    }

    @Override
    public Set<String> schemes() {
        return Set.of("tcp");
    }

    @Override
    public String kind() {
        return "tcp";
    }

    /** A link to {@code tcp://host:port}; it connects when started. */
    @Override
    public TcpLink open(LinkAddress address) {
        if (address.host() == null || address.port() < 0) {
            throw new IllegalArgumentException(
                    "TCP address \"" + address + "\" needs a host and a port (tcp://host:port)");
        }
        if (!address.path().isEmpty() || !address.params().isEmpty()) {
            throw new IllegalArgumentException(
                    "TCP address \""
                            + address
                            + "\" takes no path or parameters (tcp://host:port)");
        }
        return link(address.host(), address.port());
    }

    /** A link to {@code host:port}; it connects when started. */
    public TcpLink link(String host, int port) {
        return new TcpLink(group, host, port, options);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS)
                .awaitUninterruptibly(Duration.ofSeconds(5).toMillis());
    }
}
