package io.weir.host.io;

/**
 * What a {@link Link} reports. Called from the link's I/O thread: hand work off, never block (a
 * link that {@linkplain Link#runsShortTasks runs short tasks} lets its listener do a short one
 * there).
 */
public interface LinkListener {

    /** The link is up (first connect or reconnect). */
    void linkUp();

    /** Bytes arrived, in order. The array is the listener's to keep. */
    void received(byte[] bytes);

    /** The link went down, or a connect attempt failed; {@code reason} says why. */
    void linkDown(String reason);

    /**
     * Bytes given to {@link Link#send} are on the wire now; only links that {@linkplain
     * Link#queuesSends queue sends} report it.
     */
    default void sent() {}
}
