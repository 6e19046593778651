package io.weir.host.io;

/**
 * A byte link to one device, owned by the host (ABI §2.1: the driver never does I/O). A link keeps
 * itself connected: after an outage it reconnects on its own and reports it through the {@link
 * LinkListener}.
 */
public interface Link extends AutoCloseable {

    /** Starts connecting; events go to {@code listener} from the link's own threads. */
    void start(LinkListener listener);

    /**
     * Sends bytes as they are.
     *
     * @return false if the link is down and nothing was sent
     */
    boolean send(byte[] bytes);

    /** Whether the link is up now. */
    boolean connected();

    /** Why the link is down, or {@code null} while it is up. */
    String downReason();

    /** E.g. {@code tcp 127.0.0.1:502}, for status and messages. */
    String describe();

    /**
     * Disconnects and stops reconnecting. The listener is not told: {@link LinkListener#linkDown}
     * is for ends the host did not choose; {@link #downReason()} says the host closed the link.
     */
    @Override
    void close();
}
