package io.weir.host.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.weir.host.io.LinkListener;

/**
 * Delivers a connection's events to a {@link LinkListener}: bytes as copies (the buffer is released
 * here), and the end of the connection with its reason.
 *
 * <p>The reason tells three ends apart: the peer closed (FIN), the connection failed (a reset, a
 * read error), or the host closed it. The last is seen on the outbound side: a {@code close()} the
 * host asks for on the channel passes through {@link #close}, while a peer's FIN or an I/O error
 * closes the channel from the transport without going through the pipeline's outbound path.
 */
final class TcpLinkHandler extends ChannelDuplexHandler {
    /** The reason given when the host closed the connection itself. */
    static final String CLOSED_BY_HOST = "connection closed by the host";

    private final LinkListener listener;
    private String failure;
    private boolean closedLocally;

    TcpLinkHandler(LinkListener listener) {
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        listener.linkUp();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (buf.isReadable()) {
                listener.received(ByteBufUtil.getBytes(buf));
            }
        } finally {
            buf.release();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        closedLocally = true;
        ctx.close(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        listener.linkDown(
                failure != null
                        ? failure
                        : closedLocally ? CLOSED_BY_HOST : "connection closed by the peer");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset or read error: remember why, close, and let channelInactive report it.
        // ctx.close()
        // starts below this handler, so it does not count as a close the host asked for.
        failure = "connection failed: " + SocketFamily.message(cause);
        ctx.close();
    }
}
