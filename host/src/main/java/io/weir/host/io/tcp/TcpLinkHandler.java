package io.weir.host.io.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.weir.host.io.LinkListener;

/**
 * Delivers a connection's events to a {@link LinkListener}: bytes as copies (the buffer is released
 * here), and the end of the connection with its reason.
 */
final class TcpLinkHandler extends ChannelInboundHandlerAdapter {
    private final LinkListener listener;
    private String failure;

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
    public void channelInactive(ChannelHandlerContext ctx) {
        listener.linkDown(failure != null ? failure : "connection closed by the peer");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset or read error: remember why, close, and let channelInactive report it.
        failure = "connection failed: " + cause.getMessage();
        ctx.close();
    }
}
