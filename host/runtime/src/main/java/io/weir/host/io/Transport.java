package io.weir.host.io;

/**
 * Opens {@link Link}s of one kind. The runtime sees links only through this port; Netty TCP, serial
 * lines and CAN buses implement it in their own modules, and the composition root (the CLI) hands
 * the kernel the transports it runs with.
 */
public interface Transport extends AutoCloseable {

    /** The address schemes this transport opens, e.g. {@code tcp}. */
    java.util.Set<String> schemes();

    /**
     * The manifest {@code transport} (ABI §3.4) of the drivers that speak over these links: {@code
     * tcp}, {@code serial} or {@code can}.
     */
    String kind();

    /**
     * The transport a driver speaks over the link at {@code address}, for the host key {@code
     * weir.transport} (ABI v1.1 §5.1): {@link #kind()} unless the address says otherwise, as {@code
     * rtu+tcp://host:port} says "serial framing over a TCP connection".
     */
    default String kind(LinkAddress address) {
        return kind();
    }

    /**
     * A link to the device at {@code address}; it connects when started.
     *
     * @throws IllegalArgumentException naming what is wrong with the address
     */
    Link open(LinkAddress address);

    /** Releases the transport's threads; links opened by it are closed by their sessions. */
    @Override
    void close();
}
