package io.weir.tools.sim;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An S7 CPU on TCP (ISO-on-TCP, RFC 1006): every client connection is an {@link S7Connection} over
 * the memory of one {@link S7Memory}, whose values move with their generators. What clients write
 * stays (a constant is set once; a moving value is overwritten at the next tick).
 */
public final class S7Simulator implements AutoCloseable {

    /** The largest TPKT frame a client may send: a 1024-byte TPDU (class 0's largest) + 4. */
    static final int MAX_FRAME = 1028;

    /** The values of the built-in map (in DB1, M, I, Q, T and C), as {@code --generator} flags. */
    public static final List<String> BUILT_IN =
            List.of(
                    "DB1.DBX0.0=toggle:period=2",
                    "DB1.DBB1=counter:period=1,step=1",
                    "DB1.DBW2=constant:value=500",
                    "DB1.DBW4:INT=sine:period=20,amplitude=1000",
                    "DB1.DBD6=counter:period=1,step=1000",
                    "DB1.DBD10:DINT=ramp:period=30,min=-100000,max=100000",
                    "DB1.DBD14:REAL=sine:period=10,amplitude=50,offset=20",
                    "DB1.DBB18:LREAL=random:step=0.5,min=-100,max=100",
                    "DB1.DBB26:STRING[20]=text:value=weir s7 simulator",
                    "MW0:INT=counter:period=1,step=1",
                    "M10.0=toggle:period=4",
                    "MD20:REAL=constant:value=1.5",
                    "I0.0=toggle:period=3",
                    "IW2=ramp:period=60,min=0,max=27648",
                    "Q0.0=constant:value=0",
                    "QW4=constant:value=0",
                    "T5=ramp:period=100,min=0,max=100",
                    "C3=counter:period=1,step=1");

    private final S7Memory memory;
    private final List<S7SimValue> values;
    private final int rack;
    private final int slot;
    private final int maxPdu;
    private final Consumer<String> events;
    private final EventLoopGroup group;
    private final Channel server;
    private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ScheduledExecutorService ticker;
    private final long startNanos = System.nanoTime();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger setups = new AtomicInteger();
    private final int port;

    /**
     * Starts serving on {@code address:port} (port 0: any free port).
     *
     * @param dbSizes data block number → size in bytes
     * @param values the moving values (each must lie inside what is served)
     * @param maxPdu the largest PDU length negotiated (240 for an S7-300, 960 for an S7-1500)
     * @param tickMillis how often generators are re-evaluated
     * @param events one line per refused frame or connection
     * @throws IOException naming the address when it cannot be bound
     */
    public S7Simulator(
            Map<Integer, Integer> dbSizes,
            List<S7SimValue> values,
            InetAddress address,
            int port,
            int rack,
            int slot,
            int maxPdu,
            long tickMillis,
            Consumer<String> events)
            throws IOException {
        if (rack < 0 || rack > 7 || slot < 0 || slot > 31) {
            throw new IllegalArgumentException(
                    "rack must be 0..7 and slot 0..31, got " + rack + "/" + slot);
        }
        if (maxPdu < 240 || maxPdu > 960) {
            throw new IllegalArgumentException("PDU length must be 240..960, got " + maxPdu);
        }
        if (tickMillis <= 0) {
            throw new IllegalArgumentException("tick must be > 0 ms, got " + tickMillis);
        }
        this.memory = new S7Memory(dbSizes);
        for (S7SimValue v : values) {
            String misfit = memory.misfit(v.address());
            if (misfit != null) {
                throw new IllegalArgumentException(misfit);
            }
        }
        this.values = List.copyOf(values);
        this.rack = rack;
        this.slot = slot;
        this.maxPdu = maxPdu;
        this.events = events;
        memory.apply(this.values, 0, true);
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            this.server =
                    new ServerBootstrap()
                            .group(group)
                            .channel(NioServerSocketChannel.class)
                            .childHandler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel c) {
                                            clients.add(c);
                                            int ref = connections.incrementAndGet();
                                            c.pipeline()
                                                    .addLast(new TpktDecoder())
                                                    .addLast(
                                                            new Handler(
                                                                    new S7Connection(
                                                                            memory, rack, slot,
                                                                            maxPdu, ref)));
                                        }
                                    })
                            .bind(address, port)
                            .sync()
                            .channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String where = new InetSocketAddress(address, port).getHostString() + ":" + port;
            String why =
                    e instanceof BindException
                            ? e.getMessage().toLowerCase(java.util.Locale.ROOT)
                            : e.toString();
            throw new IOException("cannot listen on " + where + ": " + why, e);
        }
        this.port = ((InetSocketAddress) server.localAddress()).getPort();
        this.ticker =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "weir-sim-s7-tick");
                            t.setDaemon(true);
                            return t;
                        });
        ticker.scheduleAtFixedRate(
                () -> memory.apply(this.values, (System.nanoTime() - startNanos) / 1e9, false),
                tickMillis,
                tickMillis,
                TimeUnit.MILLISECONDS);
    }

    /** The port it listens on. */
    public int port() {
        return port;
    }

    public S7Memory memory() {
        return memory;
    }

    public List<S7SimValue> values() {
        return values;
    }

    public int rack() {
        return rack;
    }

    public int slot() {
        return slot;
    }

    public int maxPdu() {
        return maxPdu;
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Setup Communications answered so far, over all connections. */
    public int setups() {
        return setups.get();
    }

    /** Closes every client connection (the clients see the link go down); keeps listening. */
    public void dropConnections() {
        clients.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        clients.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /**
     * RFC 1006 §6 framing: version 3, reserved 0, a length of at least 7 (TPKT + the shortest COTP
     * header) and at most {@link #MAX_FRAME}. Anything else is no TPKT stream: the connection
     * closes.
     */
    private final class TpktDecoder extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.readableBytes() >= 4) {
                int at = in.readerIndex();
                int version = in.getUnsignedByte(at);
                int reserved = in.getUnsignedByte(at + 1);
                int length = in.getUnsignedShort(at + 2);
                if (version != 3 || reserved != 0 || length < 7 || length > MAX_FRAME) {
                    refuse(
                            ctx,
                            String.format(
                                    "not a TPKT (version %d, reserved %d, length %d; RFC 1006 wants 3, 0, 7..%d)",
                                    version, reserved, length, MAX_FRAME));
                    in.skipBytes(in.readableBytes());
                    return;
                }
                if (in.readableBytes() < length) {
                    return;
                }
                byte[] frame = new byte[length];
                in.readBytes(frame);
                out.add(frame);
            }
        }
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        events.accept(
                "s7 sim: "
                        + ctx.channel().remoteAddress()
                        + ": "
                        + why
                        + "; closing the connection");
        ctx.close();
    }

    private final class Handler extends SimpleChannelInboundHandler<byte[]> {
        private final S7Connection connection;

        Handler(S7Connection connection) {
            this.connection = connection;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, byte[] frame) {
            int before = connection.setups();
            S7Connection.Reply reply = connection.onFrame(frame);
            setups.addAndGet(connection.setups() - before);
            for (byte[] f : reply.frames()) {
                ctx.write(Unpooled.wrappedBuffer(f));
            }
            if (reply.close()) {
                events.accept(
                        "s7 sim: "
                                + ctx.channel().remoteAddress()
                                + ": "
                                + reply.note()
                                + "; closing the connection");
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.flush();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            events.accept("s7 sim: " + ctx.channel().remoteAddress() + ": " + cause.getMessage());
            ctx.close();
        }
    }
}
