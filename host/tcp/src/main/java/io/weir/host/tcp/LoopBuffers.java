package io.weir.host.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * One read buffer and one write buffer for each event loop thread, used again and again by all of
 * its channels instead of a pooled buffer allocated and released for every read and every write.
 *
 * <p>One connection read back to back spent ~30 % of its event loop's Java time in Netty's
 * allocator, taking a buffer for each answer and each request and giving it back (JFR, {@code weir
 * bench poll}, BENCHMARKS.md §11). Here a buffer is handed out only while nobody else holds it: its
 * reference count is 1, ours. A read buffer is released by {@link TcpLinkHandler} once it has
 * copied the bytes out, before the loop reads the next channel; a write buffer is released by the
 * channel once the socket took all of it, which on a request of a few bytes is within the flush. A
 * buffer still held — a write the socket did not take yet, a send from a thread that is not the
 * loop's, a frame larger than {@link #CAPACITY} — gets an ordinary pooled buffer, as before.
 */
final class LoopBuffers {

    /** The capacity of each buffer: more than any request or answer of the protocols served. */
    static final int CAPACITY = 2048;

    private static final FastThreadLocal<LoopBuffers> LOCAL =
            new FastThreadLocal<>() {
                @Override
                protected LoopBuffers initialValue() {
                    return new LoopBuffers();
                }

                @Override
                protected void onRemoval(LoopBuffers b) {
                    b.read.release();
                    b.write.release();
                }
            };

    private final ByteBuf read = Unpooled.directBuffer(CAPACITY, CAPACITY);
    private final ByteBuf write = Unpooled.directBuffer(CAPACITY, CAPACITY);

    private LoopBuffers() {}

    /**
     * A buffer for writing {@code size} bytes to {@code channel}: the loop's write buffer when
     * called on the channel's event loop and nobody holds it, else one from the channel's
     * allocator. The caller passes it to a write, which releases it.
     */
    static ByteBuf forWrite(Channel channel, int size) {
        if (size <= CAPACITY && channel.eventLoop().inEventLoop()) {
            ByteBuf b = LOCAL.get().write;
            if (b.refCnt() == 1) {
                return b.clear().retain();
            }
        }
        return channel.alloc().ioBuffer(size);
    }

    /** The loop's read buffer if nobody holds it, else {@code null}; call on an event loop. */
    static ByteBuf forRead() {
        ByteBuf b = LOCAL.get().read;
        return b.refCnt() == 1 ? b.clear().retain() : null;
    }

    /**
     * Netty's adaptive read allocator (it still decides how much and how often to read), with reads
     * into the loop's read buffer ({@link #forRead}). A {@link MaxMessagesRecvByteBufAllocator}, so
     * that the channel sets how many reads a wake-up may do (16 on a socket), as it does for
     * Netty's own.
     */
    static final class Reads implements MaxMessagesRecvByteBufAllocator {
        private final AdaptiveRecvByteBufAllocator adaptive = new AdaptiveRecvByteBufAllocator();

        @Override
        public Handle newHandle() {
            return new LoopHandle((ExtendedHandle) adaptive.newHandle());
        }

        @Override
        public int maxMessagesPerRead() {
            return adaptive.maxMessagesPerRead();
        }

        @Override
        public MaxMessagesRecvByteBufAllocator maxMessagesPerRead(int n) {
            adaptive.maxMessagesPerRead(n);
            return this;
        }
    }

    private static final class LoopHandle extends RecvByteBufAllocator.DelegatingHandle
            implements RecvByteBufAllocator.ExtendedHandle {
        private final RecvByteBufAllocator.ExtendedHandle extended;

        LoopHandle(RecvByteBufAllocator.ExtendedHandle delegate) {
            super(delegate);
            this.extended = delegate;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            ByteBuf b = forRead();
            return b != null ? b : super.allocate(alloc);
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return extended.continueReading(maybeMoreDataSupplier);
        }
    }
}
