package io.weir.host.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class SocketFamilyTest {

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void linuxOnX86UsesTheNativeEpollThatTheBuildShips() {
        // The build ships the linux-x86_64 library: if it stops loading, links fall back to NIO
        // silently and lose what BENCHMARKS.md §9 measured.
        assertThat(SocketFamily.CURRENT).isEqualTo(SocketFamily.EPOLL);
    }

    @Test
    void bothFamiliesNameTheirLoopAndChannel() {
        assertThat(SocketFamily.EPOLL.channel().getSimpleName()).isEqualTo("EpollSocketChannel");
        assertThat(SocketFamily.NIO.channel().getSimpleName()).isEqualTo("NioSocketChannel");
        assertThat(SocketFamily.EPOLL.handlers()).isNotNull();
        assertThat(SocketFamily.NIO.handlers()).isNotNull();
    }

    @Test
    void aNativeErrorReadsLikeNios() {
        assertThat(SocketFamily.message(new IOException("connect(..) failed: Connection refused")))
                .isEqualTo("Connection refused");
        assertThat(
                        SocketFamily.message(
                                new IOException(
                                        "finishConnect(..) failed with error(-111): Connection"
                                                + " refused: /127.0.0.1:9")))
                .isEqualTo("Connection refused: /127.0.0.1:9");
        assertThat(SocketFamily.message(new IOException("Connection refused: /127.0.0.1:9")))
                .isEqualTo("Connection refused: /127.0.0.1:9");
        assertThat(SocketFamily.message(new IOException("read(..) failed: x (..) failed: y")))
                .isEqualTo("x (..) failed: y");
        assertThat(SocketFamily.message(new IOException((String) null))).isEqualTo("null");
        assertThat(SocketFamily.message(null)).isEqualTo("cancelled");
    }
}
