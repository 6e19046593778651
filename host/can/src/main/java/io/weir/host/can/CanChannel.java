package io.weir.host.can;

import io.weir.abi.CanFrame;
import java.util.List;

/**
 * One CAN bus as the host reaches it: an slcan adapter, a socketcand connection, a played-back log.
 * A {@link CanBus} shares it among the devices on that bus.
 */
interface CanChannel extends AutoCloseable {

    /** What a channel reports, from its own threads; never blocks. */
    interface Events {
        void up();

        void frame(CanFrame frame);

        /** Once per outage: the channel could not come up, or went down. */
        void down(String reason);
    }

    /** Starts connecting. */
    void start(Events events);

    /**
     * Puts the frames on the bus, in order.
     *
     * @return false if the channel is down and nothing was sent
     */
    boolean send(List<CanFrame> frames);

    boolean connected();

    /** Why it is down, or {@code null}. */
    String downReason();

    /** E.g. {@code slcan /dev/ttyACM0 500 kbit/s}. */
    String describe();

    CanStats stats();

    /** The settings the channel was opened with, compared when a second device shares it. */
    Object settings();

    @Override
    void close();
}
