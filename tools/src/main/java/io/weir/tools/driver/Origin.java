package io.weir.tools.driver;

/** Where a registry change came from, as the audit log records it. */
public enum Origin {
    /** {@code weir driver …} on the data folder, no gateway running. */
    CLI,
    /** The admin API of a running gateway (and so {@code weir driver …} against it). */
    API,
    /** A package written into {@code <data_dir>/drop/}. */
    DROP,
    /** The gateway itself: an automatic rollback, a device pin from the config. */
    GATEWAY;

    public String written() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
