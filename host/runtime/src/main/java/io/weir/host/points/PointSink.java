package io.weir.host.points;

import java.util.List;

/** Where sessions deliver decoded points: the outbox, a console printer, a test collector. */
@FunctionalInterface
public interface PointSink {
    /**
     * Takes one batch: the points decoded from one frame (or one timeout) of one device. Called
     * from the session's thread; implementations must not block for long.
     */
    void accept(List<Point> batch);

    /**
     * A device's status changed (ABI v1.1 §6.3): a status of the device, never a point value.
     * Called from the session's thread, only when quality or text change. A sink that keeps no
     * device status ignores it.
     */
    default void deviceStatus(DeviceStatus status) {}
}
