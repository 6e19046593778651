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

    /**
     * Sends a write request (ABI §7.6): the session's writes come here, its polls to {@link #send}.
     * A link that shares one line among several devices (an RS485 bus) puts it ahead of the polls
     * that wait for the line, so that a setpoint does not queue behind a cycle of readings of every
     * device; a link of its own sends it as {@link #send} does.
     *
     * @return false if the link is down and nothing was sent
     */
    default boolean sendWrite(byte[] bytes) {
        return send(bytes);
    }

    /** Whether the link is up now. */
    boolean connected();

    /** Why the link is down, or {@code null} while it is up. */
    String downReason();

    /**
     * The request sent last was answered, timed out or abandoned. A link that shares one line among
     * several devices (an RS485 bus) serves the next device's request only after this; a link of
     * its own ignores it.
     */
    default void transactionEnded() {}

    /**
     * Whether {@link #send} may queue the bytes (a shared bus busy with another device): the
     * listener then hears {@link LinkListener#sent} when they are on the wire, and a response
     * timeout runs from there. A link of its own writes at once and returns false.
     */
    default boolean queuesSends() {
        return false;
    }

    /**
     * Whether the listener may run a short task on the thread that delivers {@link
     * LinkListener#received}: a thread that does no blocking work and writes a {@link #send} made
     * from it at once, as a Netty event loop does. The session then decodes an answer and sends the
     * next request there instead of handing both to a worker and back: two thread hand-offs less
     * per exchange. A link that delivers from a thread of its own that must not run driver code
     * answers false.
     */
    default boolean runsShortTasks() {
        return false;
    }

    /**
     * Runs {@code task} on the thread that delivers {@link LinkListener#received}, for a link that
     * {@link #runsShortTasks}: a cycle the session starts there sends its first request with no
     * thread hand-off, as an answer decoded there sends the next one.
     *
     * @return false, the task not run, if the link has no such thread now (it is down or closing)
     */
    default boolean executeOnIoThread(Runnable task) {
        return false;
    }

    /**
     * The line silence that ends a frame on this link (Modbus RTU: 3.5 character times at the
     * line's baud rate), or 0 where frames are not delimited by silence (TCP).
     */
    default long frameSilenceNanos() {
        return 0;
    }

    /**
     * Drops the connection and connects again, reported as a down and an up (ABI v1.1 §7.9: the
     * driver refused a link that came up). A link that cannot reconnect on its own closes.
     */
    default void reconnect(String why) {
        close();
    }

    /** E.g. {@code tcp 127.0.0.1:502}, for status and messages. */
    String describe();

    /**
     * Disconnects and stops reconnecting. The listener is not told: {@link LinkListener#linkDown}
     * is for ends the host did not choose; {@link #downReason()} says the host closed the link.
     */
    @Override
    void close();
}
