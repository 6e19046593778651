package io.weir.receiver;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.weir.host.uplink.UplinkFrame;
import io.weir.host.uplink.UplinkTls;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A gateway connection that sends chosen envelope bytes verbatim: what an attacker holding a
 * gateway's TLS identity, or a replaying middlebox, could do. Test-only.
 */
final class RawGateway implements AutoCloseable {
    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final LinkedBlockingQueue<UplinkFrame.Ack> acks = new LinkedBlockingQueue<>();
    private final Channel channel;

    RawGateway(UplinkTls tls, String host, int port) throws Exception {
        Bootstrap b =
                new Bootstrap()
                        .group(group)
                        .channel(NioSocketChannel.class)
                        .handler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        ch.pipeline()
                                                .addLast(tls.newHandler(ch.alloc(), host, port))
                                                .addLast(UplinkFrame.decoder())
                                                .addLast(
                                                        new SimpleChannelInboundHandler<ByteBuf>() {
                                                            @Override
                                                            protected void channelRead0(
                                                                    ChannelHandlerContext ctx,
                                                                    ByteBuf f) {
                                                                f.readUnsignedByte();
                                                                acks.add(UplinkFrame.readAck(f));
                                                            }
                                                        });
                                    }
                                });
        channel = b.connect(host, port).sync().channel();
        channel.pipeline().get(SslHandler.class).handshakeFuture().sync();
    }

    UplinkFrame.Ack send(byte[] envelope) throws InterruptedException {
        channel.writeAndFlush(UplinkFrame.batch(channel.alloc(), envelope));
        UplinkFrame.Ack a = acks.poll(20, TimeUnit.SECONDS);
        if (a == null) {
            throw new AssertionError("no ACK within 20 s");
        }
        return a;
    }

    /** Waits until the receiver closes this connection; false if it is still open then. */
    boolean awaitClosedByPeer(long seconds) throws InterruptedException {
        return channel.closeFuture().await(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
