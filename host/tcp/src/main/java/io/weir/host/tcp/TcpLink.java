package io.weir.host.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.weir.host.io.Link;
import io.weir.host.io.LinkListener;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A TCP client link to one device. It connects with a timeout and, after a refused connect or a
 * lost connection (a PLC restart, a pulled cable), reconnects with exponential backoff until
 * closed: gateways whose connections stay dead after an outage are what Weir is meant to fix.
 */
public final class TcpLink implements Link {

    /**
     * @param connectTimeout how long one connect attempt may take
     * @param initialBackoff the wait before the first reconnect; doubled after each failure
     * @param maxBackoff the longest wait between attempts
     */
    public record Options(Duration connectTimeout, Duration initialBackoff, Duration maxBackoff) {
        public static final Options DEFAULT =
                new Options(Duration.ofSeconds(3), Duration.ofMillis(200), Duration.ofSeconds(10));

        public Options {
            if (connectTimeout.isNegative()
                    || connectTimeout.isZero()
                    || initialBackoff.isNegative()
                    || initialBackoff.isZero()
                    || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException(
                        "TCP link options need connectTimeout > 0 and 0 < initialBackoff ≤ maxBackoff");
            }
        }
    }

    private final EventLoopGroup group;
    private final String scheme;
    private final String host;
    private final int port;

    /** {@link #describe()}: asked for by every status snapshot, so made once. */
    private final String description;

    private final Options options;
    private final Bootstrap bootstrap;
    private LinkListener listener;
    private volatile Channel channel;
    private volatile boolean closed;
    private volatile String downReason = "not connected yet";
    private long backoffMs;
    private volatile long connects;

    /** Why the host asked for a reconnect, reported as the reason of the down it causes. */
    private volatile String reconnectWhy;

    /**
     * The channel of the latest connect attempt, known before its connect future completes: the up
     * event can reach the host before {@link #channel} is set.
     */
    private volatile Channel latest;

    TcpLink(EventLoopGroup group, String scheme, String host, int port, Options options) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("TCP port must be 1..65535, got " + port);
        }
        this.group = group;
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.description = scheme + " " + host + ":" + port;
        this.options = options;
        this.backoffMs = options.initialBackoff().toMillis();
        this.bootstrap =
                new Bootstrap()
                        .group(group)
                        .channel(SocketFamily.CURRENT.channel())
                        .option(
                                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                (int) options.connectTimeout().toMillis())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.SO_KEEPALIVE, true)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new LoopBuffers.Reads());
    }

    @Override
    public synchronized void start(LinkListener listener) {
        if (this.listener != null) {
            throw new IllegalStateException(describe() + " already started");
        }
        this.listener = listener;
        connect();
    }

    private void connect() {
        if (closed) {
            return;
        }
        LinkListener events =
                new LinkListener() {
                    @Override
                    public void linkUp() {
                        // The host may send as soon as it hears of the up, which can be before
                        // the connect future's listener has set the channel.
                        channel = latest;
                        backoffMs = options.initialBackoff().toMillis();
                        downReason = null;
                        connects++;
                        listener.linkUp();
                    }

                    @Override
                    public void received(byte[] bytes) {
                        listener.received(bytes);
                    }

                    @Override
                    public void linkDown(String reason) {
                        channel = null;
                        String why = reconnectWhy;
                        reconnectWhy = null;
                        down(why != null ? "reconnecting: " + why : reason);
                    }
                };
        ChannelFuture f =
                bootstrap
                        .clone()
                        .handler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        ch.pipeline().addLast(new TcpLinkHandler(events));
                                    }
                                })
                        .connect(host, port);
        latest = f.channel();
        f.addListener(
                (ChannelFuture done) -> {
                    if (done.isSuccess()) {
                        channel = done.channel();
                        if (closed) {
                            done.channel().close();
                        }
                    } else {
                        Throwable c = done.cause();
                        down(
                                "connect to "
                                        + host
                                        + ":"
                                        + port
                                        + " failed: "
                                        + SocketFamily.message(c));
                    }
                });
    }

    private void down(String reason) {
        if (closed) {
            // close() set the reason; the listener hears nothing of an end the host chose.
            return;
        }
        downReason = reason;
        listener.linkDown(reason);
        long wait = backoffMs;
        backoffMs = Math.min(backoffMs * 2, options.maxBackoff().toMillis());
        group.schedule(this::connect, wait, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean send(byte[] bytes) {
        Channel c = channel;
        if (c == null || !c.isActive()) {
            return false;
        }
        // No promise: nobody waits for one, and a failed write reaches the handler's
        // exceptionCaught, which closes the link and reports why.
        // Straight into a direct buffer (the event loop's own when it is free): a wrapped heap
        // array would be copied into a direct buffer by the write anyway, through two more objects.
        ByteBuf b = LoopBuffers.forWrite(c, bytes.length);
        b.writeBytes(bytes);
        c.writeAndFlush(b, c.voidPromise());
        return true;
    }

    /** Bytes are delivered on the channel's event loop, where a send is written at once. */
    @Override
    public boolean runsShortTasks() {
        return true;
    }

    @Override
    public boolean executeOnIoThread(Runnable task) {
        Channel c = channel;
        if (c == null || !c.isActive()) {
            return false;
        }
        try {
            c.eventLoop().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            // The transport is shutting down.
            return false;
        }
    }

    @Override
    public boolean connected() {
        Channel c = channel;
        return c != null && c.isActive();
    }

    @Override
    public String downReason() {
        return connected() ? null : downReason;
    }

    /** How many times the link has connected, reconnects included. */
    public long connects() {
        return connects;
    }

    @Override
    public String describe() {
        return description;
    }

    /**
     * Drops the connection and connects again after the reconnect delay (ABI v1.1 §7.9: the driver
     * refused the link that came up, or a new driver instance needs a fresh connection). The down
     * is reported with {@code why}; a link that is not connected just goes on connecting.
     */
    @Override
    public void reconnect(String why) {
        Channel c = channel != null ? channel : latest;
        if (closed || c == null || !c.isActive()) {
            return;
        }
        reconnectWhy = why;
        // channelInactive reports the down; down() schedules the next connect.
        c.close();
    }

    @Override
    public void close() {
        closed = true;
        downReason = TcpLinkHandler.CLOSED_BY_HOST;
        Channel c = channel;
        if (c != null) {
            c.close();
        }
    }
}
