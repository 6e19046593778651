package io.weir.abi;

/**
 * One flag of an ABI bit field — a record's flags (§6.1), a CAN frame's (§6.4), a request's (§7.1),
 * a frame's (§7.3): bit {@code n} of the field, mask {@code 1 << n}.
 */
public interface BitFlag {

    /** The flag's bit, from 0 (the least significant). */
    int bit();

    default int mask() {
        return 1 << bit();
    }

    default boolean isSet(int flags) {
        return (flags & mask()) != 0;
    }
}
