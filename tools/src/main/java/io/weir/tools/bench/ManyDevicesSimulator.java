package io.weir.tools.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The devices of {@code weir bench devices} and {@code weir bench poll}: a Modbus TCP server on one
 * port that answers any number of connections, each a device with its own unit id, on one Netty
 * event loop. j2mod's slave serves a connection per thread from a pool of 16, so it cannot stand
 * for thousands of devices; this one does only what the benchmarks need and nothing else.
 *
 * <p>It answers FC3 (holding) and FC4 (input registers) for up to 125 registers at any address:
 * register {@code a} holds {@code a + s} (s = seconds since start, so values move), as every unit
 * id has the same registers. Any other function gets exception 1 (illegal function), a quantity
 * outside 1..125 exception 3 (Modbus Application Protocol v1.1b3 §6.3, §7). Frames follow the MBAP
 * header (Messaging on TCP/IP v1.0b §3.1.3): the response echoes transaction and unit id.
 *
 * <p>Run by the benchmark as a child process ({@link #main}), so that the gateway's CPU time, RSS
 * and threads are measured without the devices': it prints {@code listening HOST:PORT} and serves
 * until its standard input closes, which happens when the benchmark ends, however it ends.
 */
public final class ManyDevicesSimulator implements AutoCloseable {

    /** The line the child prints once it listens. */
    static final String LISTENING = "listening ";

    private final EventLoopGroup group;
    private final Channel server;
    private final long startNanos = System.nanoTime();

    /**
     * @param host address to bind
     * @param port port, 0 for any free port
     * @param ioThreads event loop threads
     */
    public ManyDevicesSimulator(String host, int port, int ioThreads) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
        try {
            server =
                    new ServerBootstrap()
                            .group(group)
                            .channel(NioServerSocketChannel.class)
                            // Thousands of devices connect at once when a gateway starts.
                            .option(ChannelOption.SO_BACKLOG, 16384)
                            .childOption(ChannelOption.TCP_NODELAY, true)
                            .childHandler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel ch) {
                                            // MBAP: the length at offset 4 counts the bytes after
                                            // it; an ADU is at most 260 bytes.
                                            ch.pipeline()
                                                    .addLast(
                                                            new LengthFieldBasedFrameDecoder(
                                                                    260, 4, 2, 0, 0),
                                                            new Responder());
                                        }
                                    })
                            .bind(host, port)
                            .sync()
                            .channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully();
            throw e;
        }
    }

    /** The seconds since start, {@code s}: register {@code a} holds {@code a + s} now. */
    int seconds() {
        return (int) ((System.nanoTime() - startNanos) / 1_000_000_000L);
    }

    /**
     * Whether {@code values} are what the devices serve from wire address {@code address} at one
     * second {@code s} of {@code minSeconds..maxSeconds} ({@link #seconds()} before and after the
     * read): register {@code a} holds {@code a + s}, 16 bits. With a range of a second or two, a
     * read from another address, registers missing or out of order, or a made-up answer all fail.
     */
    static boolean serves(int address, int[] values, int minSeconds, int maxSeconds) {
        if (values.length == 0) {
            return false;
        }
        int s = (values[0] - address) & 0xFFFF;
        if (s < minSeconds || s > maxSeconds) {
            return false;
        }
        for (int k = 0; k < values.length; k++) {
            if (values[k] != ((address + k + s) & 0xFFFF)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link #serves(int, int[], int, int)} for a client that cannot see the simulator's clock (it
     * runs in another process): any second of its first hour. A read that fails this is not the
     * devices' answer: registers missing or out of order, or made up. (A read from an address a few
     * registers off reads like the right one a few seconds earlier or later: this form cannot tell
     * those apart.)
     */
    static boolean serves(int address, int[] values) {
        return serves(address, values, 0, 3600);
    }

    /** The port it listens on. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private final class Responder extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf f) {
            if (f.readableBytes() < 8) {
                return;
            }
            int transaction = f.getUnsignedShort(0);
            int unit = f.getUnsignedByte(6);
            int function = f.getUnsignedByte(7);
            ByteBuf r;
            if ((function == 3 || function == 4) && f.readableBytes() == 12) {
                int start = f.getUnsignedShort(8);
                int quantity = f.getUnsignedShort(10);
                if (quantity < 1 || quantity > 125) {
                    r = exception(ctx, transaction, unit, function, 3);
                } else {
                    int s = seconds();
                    r = ctx.alloc().buffer(9 + 2 * quantity);
                    r.writeShort(transaction).writeShort(0).writeShort(3 + 2 * quantity);
                    r.writeByte(unit).writeByte(function).writeByte(2 * quantity);
                    for (int i = 0; i < quantity; i++) {
                        r.writeShort(start + i + s);
                    }
                }
            } else {
                r = exception(ctx, transaction, unit, function, 1);
            }
            ctx.writeAndFlush(r, ctx.voidPromise());
        }

        private ByteBuf exception(
                ChannelHandlerContext ctx, int transaction, int unit, int function, int code) {
            ByteBuf r = ctx.alloc().buffer(9);
            r.writeShort(transaction).writeShort(0).writeShort(3);
            return r.writeByte(unit).writeByte(function | 0x80).writeByte(code);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client that reset its connection: nothing to report in a benchmark's devices.
            ctx.close();
        }
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
                .awaitUninterruptibly();
    }

    /** {@code ManyDevicesSimulator HOST PORT [IO_THREADS]}: serves until standard input closes. */
    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        try (ManyDevicesSimulator sim = new ManyDevicesSimulator(host, port, threads)) {
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            out.println(LISTENING + host + ":" + sim.port());
            InputStream in = System.in;
            try {
                while (in.read() >= 0) {
                    // Nothing is sent; the end of input is the signal to stop.
                }
            } catch (IOException e) {
                // The parent went away.
            }
        }
    }
}
