package io.weir.host.poll;

/** What a device session is doing. */
public enum SessionState {
    /** Created, not started. */
    NEW,
    /** Polling, or waiting for the link. */
    RUNNING,
    /** The driver refused the device's config; nothing to do until it changes. */
    CONFIG_ERROR,
    /** The driver version is quarantined (ABI §9); the device stays BAD_COMM. */
    QUARANTINED,
    STOPPED
}
