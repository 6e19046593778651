package io.weir.host.io.tcp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;

/**
 * The Netty event loops shared by every TCP link of a host. One or two I/O threads serve thousands
 * of devices: the links only move bytes, the drivers run elsewhere.
 */
public final class TcpTransport implements AutoCloseable {
    private final EventLoopGroup group;
    private final TcpLink.Options options;

    public TcpTransport(int ioThreads, TcpLink.Options options) {
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
        this.options = options;
    }

    public TcpTransport() {
        this(1, TcpLink.Options.DEFAULT);
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
