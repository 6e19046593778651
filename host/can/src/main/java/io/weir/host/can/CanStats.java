package io.weir.host.can;

/**
 * What a CAN channel has done since it was made.
 *
 * @param framesReceived frames delivered from the bus
 * @param framesSent frames written to the adapter or server
 * @param garbage what was neither a frame nor an answer: bytes (slcan, socketcand) or lines
 *     (candump logs), counted and dropped
 * @param errorFrames error frames reported by the bus (counted, not delivered: ABI §6.4 has no
 *     encoding for them)
 * @param refused commands or frames the adapter or server refused (slcan BEL, socketcand {@code <
 *     error … >})
 * @param notTransmitted frames a driver sent that could not go on a bus (a played-back log, an
 *     adapter opened listen-only)
 */
public record CanStats(
        long framesReceived,
        long framesSent,
        long garbage,
        long errorFrames,
        long refused,
        long notTransmitted) {}
