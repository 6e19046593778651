package io.weir.host.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalChannel;
import io.weir.host.io.LinkListener;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class LoopBuffersTest {

    @Test
    void aWriteOnTheLoopReusesItsBufferOnceTheChannelReleasedIt() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ByteBuf a = LoopBuffers.forWrite(ch, 16);
        assertThat(a.isDirect()).isTrue();
        assertThat(a.capacity()).isEqualTo(LoopBuffers.CAPACITY);
        assertThat(a.refCnt()).as("ours and the write's").isEqualTo(2);
        a.writeBytes(new byte[] {1, 2, 3});
        // Still held by a write the socket has not taken: the next write gets its own buffer.
        ByteBuf b = LoopBuffers.forWrite(ch, 16);
        assertThat(b).isNotSameAs(a);
        assertThat(a.readableBytes()).as("the held buffer is untouched").isEqualTo(3);
        b.release();
        a.release();
        ByteBuf c = LoopBuffers.forWrite(ch, 16);
        assertThat(c).isSameAs(a);
        assertThat(c.readableBytes()).as("handed out empty").isZero();
        assertThat(c.writerIndex()).isZero();
        c.release();
        // A frame larger than the loop's buffer gets one from the allocator.
        ByteBuf big = LoopBuffers.forWrite(ch, LoopBuffers.CAPACITY + 1);
        assertThat(big).isNotSameAs(a);
        assertThat(big.capacity()).isGreaterThan(LoopBuffers.CAPACITY);
        big.release();
        ByteBuf exact = LoopBuffers.forWrite(ch, LoopBuffers.CAPACITY);
        assertThat(exact).isSameAs(a);
        exact.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aWriteFromAnotherThreadThanTheLoopNeverTakesTheLoopsBuffer() throws Exception {
        DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
        try {
            LocalChannel ch = new LocalChannel();
            group.register(ch).sync();
            ByteBuf onLoop = ch.eventLoop().submit(() -> LoopBuffers.forWrite(ch, 8)).get();
            onLoop.release();
            ByteBuf off = LoopBuffers.forWrite(ch, 8);
            assertThat(off).isNotSameAs(onLoop);
            off.release();
            ByteBuf again = ch.eventLoop().submit(() -> LoopBuffers.forWrite(ch, 8)).get();
            assertThat(again).isSameAs(onLoop);
            again.release();
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void readsGoIntoTheThreadsReadBufferWhileNobodyHoldsIt() {
        LoopBuffers.Reads reads = new LoopBuffers.Reads();
        // The channel sets how many reads a wake-up may do, as for Netty's own allocators.
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setMaxMessagesPerRead(1);
        ch.config().setRecvByteBufAllocator(reads);
        assertThat(reads.maxMessagesPerRead()).isEqualTo(1);
        assertThat(reads.maxMessagesPerRead(4)).isSameAs(reads);
        assertThat(reads.maxMessagesPerRead()).isEqualTo(4);
        RecvByteBufAllocator.Handle h = reads.newHandle();
        assertThat(h).isInstanceOf(RecvByteBufAllocator.ExtendedHandle.class);
        ByteBuf r = h.allocate(UnpooledByteBufAllocator.DEFAULT);
        assertThat(r.capacity()).isEqualTo(LoopBuffers.CAPACITY);
        assertThat(r.refCnt()).isEqualTo(2);
        ByteBuf w = LoopBuffers.forWrite(new EmbeddedChannel(), 8);
        assertThat(w).as("reads and writes have a buffer each").isNotSameAs(r);
        w.release();
        r.writeByte(7);
        ByteBuf held = h.allocate(UnpooledByteBufAllocator.DEFAULT);
        assertThat(held).as("the read buffer is still held").isNotSameAs(r);
        held.release();
        r.release();
        ByteBuf again = h.allocate(UnpooledByteBufAllocator.DEFAULT);
        assertThat(again).isSameAs(r);
        assertThat(again.isReadable()).isFalse();
        again.release();
        // The rest is Netty's adaptive handle: it keeps reading while the last read filled the
        // buffer it was given.
        RecvByteBufAllocator.ExtendedHandle x = (RecvByteBufAllocator.ExtendedHandle) h;
        x.reset(ch.config());
        x.attemptedBytesRead(100);
        x.lastBytesRead(100);
        x.incMessagesRead(1);
        assertThat(x.continueReading(() -> true)).isTrue();
        assertThat(x.continueReading(() -> false)).isFalse();
        x.attemptedBytesRead(100);
        x.lastBytesRead(40);
        assertThat(x.continueReading()).as("the last read did not fill its buffer").isFalse();
    }

    /**
     * A peer that stops reading: writes pile up in the channel, each holding its buffer, and none
     * may be overwritten by the next send. Then the peer reads everything and checks every byte.
     */
    @Test
    void writesTheSocketCouldNotTakeAtOnceAreNeverOverwritten() throws Exception {
        int frames = 12_000;
        int size = 1_000; // 12 MB: far more than the loopback socket buffers hold
        try (TcpTransport transport = new TcpTransport(1, TcpLink.Options.DEFAULT);
                ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            CountDownLatch up = new CountDownLatch(1);
            TcpLink link = start(transport, server, up, bytes -> {});
            try (Socket peer = server.accept()) {
                assertThat(up.await(5, TimeUnit.SECONDS)).isTrue();
                CountDownLatch sent = new CountDownLatch(1);
                boolean[] all = {true};
                assertThat(
                                link.executeOnIoThread(
                                        () -> {
                                            for (int i = 0; i < frames; i++) {
                                                all[0] &= link.send(frame(i, size));
                                            }
                                            sent.countDown();
                                        }))
                        .isTrue();
                assertThat(sent.await(30, TimeUnit.SECONDS)).isTrue();
                assertThat(all[0]).isTrue();
                InputStream in = peer.getInputStream();
                for (int i = 0; i < frames; i++) {
                    assertThat(in.readNBytes(size)).as("frame %d", i).isEqualTo(frame(i, size));
                }
            }
        }
    }

    /** Chunks of every size the peer writes arrive whole and in order through the read buffer. */
    @Test
    void everyByteThePeerSendsArrivesInOrder() throws Exception {
        byte[] stream = new byte[3_000_000];
        new Random(11).nextBytes(stream);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch up = new CountDownLatch(1);
        try (TcpTransport transport = new TcpTransport(1, TcpLink.Options.DEFAULT);
                ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            start(
                    transport,
                    server,
                    up,
                    bytes -> {
                        synchronized (got) {
                            got.write(bytes, 0, bytes.length);
                            if (got.size() >= stream.length) {
                                done.countDown();
                            }
                        }
                    });
            try (Socket peer = server.accept()) {
                assertThat(up.await(5, TimeUnit.SECONDS)).isTrue();
                OutputStream out = peer.getOutputStream();
                Random sizes = new Random(5);
                for (int at = 0; at < stream.length; ) {
                    // Small frames, frames the size of the buffer, and larger bursts.
                    int n =
                            Math.min(
                                    stream.length - at,
                                    1 + sizes.nextInt(3 * LoopBuffers.CAPACITY));
                    out.write(stream, at, n);
                    at += n;
                }
                out.flush();
                assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            }
        }
        assertThat(got.toByteArray()).isEqualTo(stream);
    }

    /**
     * A link to {@code server}, started: {@code up} counts down at its up, bytes go to {@code rx}.
     */
    private static TcpLink start(
            TcpTransport transport, ServerSocket server, CountDownLatch up, Consumer<byte[]> rx) {
        TcpLink link = transport.link("127.0.0.1", server.getLocalPort());
        link.start(
                new LinkListener() {
                    @Override
                    public void linkUp() {
                        up.countDown();
                    }

                    @Override
                    public void received(byte[] bytes) {
                        rx.accept(bytes);
                    }

                    @Override
                    public void linkDown(String reason) {}
                });
        return link;
    }

    private static byte[] frame(int i, int size) {
        byte[] f = new byte[size];
        for (int k = 0; k < size; k++) {
            f[k] = (byte) (i * 31 + k);
        }
        f[0] = (byte) (i >> 8);
        f[1] = (byte) i;
        return f;
    }
}
