package io.weir.host.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.weir.host.io.LinkListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpLinkHandlerTest {

    /** Records events as text, in order. */
    static final class Events implements LinkListener {
        final List<String> log = new ArrayList<>();

        @Override
        public void linkUp() {
            log.add("up");
        }

        @Override
        public void received(byte[] bytes) {
            log.add("rx " + java.util.HexFormat.of().formatHex(bytes));
        }

        @Override
        public void linkDown(String reason) {
            log.add("down " + reason);
        }
    }

    @Test
    void deliversBytesInOrderAndReleasesBuffers() {
        Events events = new Events();
        EmbeddedChannel ch = new EmbeddedChannel(new TcpLinkHandler(events));
        var a = Unpooled.wrappedBuffer(new byte[] {0x00, 0x01});
        var b = Unpooled.wrappedBuffer(new byte[] {(byte) 0xff});
        ch.writeInbound(a, b, Unpooled.EMPTY_BUFFER);
        assertThat(a.refCnt()).isZero();
        assertThat(b.refCnt()).isZero();
        // The transport's own end (a FIN read from the peer) fires channelInactive without an
        // outbound close through the pipeline.
        ch.pipeline().fireChannelInactive();
        assertThat(events.log)
                .containsExactly("up", "rx 0001", "rx ff", "down connection closed by the peer");
    }

    @Test
    void aCloseTheHostAsksForIsNotBlamedOnThePeer() {
        Events events = new Events();
        EmbeddedChannel ch = new EmbeddedChannel(new TcpLinkHandler(events));
        ch.close();
        assertThat(ch.isOpen()).isFalse();
        assertThat(events.log).containsExactly("up", "down connection closed by the host");
    }

    @Test
    void reportsTheCauseOfAFailedConnection() {
        Events events = new Events();
        EmbeddedChannel ch = new EmbeddedChannel(new TcpLinkHandler(events));
        ch.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        assertThat(ch.isOpen()).isFalse();
        assertThat(events.log)
                .containsExactly("up", "down connection failed: Connection reset by peer");
    }
}
