package io.weir.host.tcp;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The event loop and channel kind of the TCP links: Netty's native epoll on Linux, NIO elsewhere.
 *
 * <p>Why epoll: the JDK's NIO selector boxes every ready file descriptor into an {@code Integer}
 * and Netty's NIO path slices a {@code ByteBuffer} for each read and write; at ten thousand devices
 * that is about a tenth of what the gateway allocates a poll, and so of its young collections
 * (BENCHMARKS.md §9). NIO stays the fallback: where the native library cannot load (another
 * platform, a {@code noexec} temporary folder) the links work as before, and {@code
 * -Dweir.tcp.nio=true} chooses it on purpose.
 */
enum SocketFamily {
    EPOLL,
    NIO;

    private static final Logger LOG = Logger.getLogger("io.weir.host.tcp");

    /** The native transport's prefix: the failed call's name. */
    private static final Pattern NATIVE_CALL =
            Pattern.compile("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ");

    /** The family this JVM uses, chosen once. */
    static final SocketFamily CURRENT = choose();

    private static SocketFamily choose() {
        if (Boolean.getBoolean("weir.tcp.nio")) {
            return NIO;
        }
        if (Epoll.isAvailable()) {
            return EPOLL;
        }
        Throwable why = Epoll.unavailabilityCause();
        LOG.log(
                Level.FINE,
                "TCP links use NIO: native epoll is not available ({0})",
                why == null ? "unknown cause" : why.toString());
        return NIO;
    }

    /**
     * A socket error as an operator reads it: the native transport names the system call that
     * failed ({@code "finishConnect(..) failed with error(-111): Connection refused"}), NIO does
     * not; both read the same.
     */
    static String message(Throwable t) {
        if (t == null) {
            return "cancelled";
        }
        String m = String.valueOf(t.getMessage());
        return NATIVE_CALL.matcher(m).replaceFirst("");
    }

    IoHandlerFactory handlers() {
        return handlers(Duration.ZERO);
    }

    /** The event loops' handlers, with {@link BusyPoll} when {@code busyPoll} is above zero. */
    IoHandlerFactory handlers(Duration busyPoll) {
        if (busyPoll.isZero()) {
            return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        }
        SelectStrategyFactory spin = BusyPoll.factory(busyPoll);
        return this == EPOLL
                ? EpollIoHandler.newFactory(0, spin)
                : NioIoHandler.newFactory(SelectorProvider.provider(), spin);
    }

    Class<? extends SocketChannel> channel() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
