package io.weir.abi;

import java.util.List;

/**
 * ABI.md §4: the 32-byte meta struct at {@code weir_layout() + 64}, i32 fields, little-endian.
 * Offsets are relative to the start of the meta struct.
 */
public final class Meta {
    private Meta() {}

    /** Written by {@code weir_poll}, {@code weir_write}: 1 if a response follows. */
    public static final int EXPECT = 0;

    /** Written by {@code weir_poll}, {@code weir_write}: response timeout, 0 = host default. */
    public static final int TIMEOUT_MS = 4;

    /** Written by {@code weir_frame_len} on {@code E_RESYNC}: bytes to discard (≥ 1). */
    public static final int SKIP = 8;

    /** Written by {@code weir_frame_len} on 0: total bytes needed if known, else 0. */
    public static final int NEED = 12;

    /** Written by {@code weir_on_frame}, {@code weir_on_timeout}, {@code weir_describe}. */
    public static final int BLOB_USED = 16;

    public static final int RESERVED0 = 20;
    public static final int RESERVED1 = 24;
    public static final int RESERVED2 = 28;

    /** The meta struct follows the layout struct. */
    public static final int OFFSET_FROM_LAYOUT = Abi.LAYOUT_SIZE;

    /** One field of the meta struct, as ABI.md's table lists it. */
    public record Field(int offset, String name) {}

    /** All fields in offset order. */
    public static final List<Field> FIELDS =
            List.of(
                    new Field(EXPECT, "expect"),
                    new Field(TIMEOUT_MS, "timeout_ms"),
                    new Field(SKIP, "skip"),
                    new Field(NEED, "need"),
                    new Field(BLOB_USED, "blob_used"),
                    new Field(RESERVED0, "reserved0"),
                    new Field(RESERVED1, "reserved1"),
                    new Field(RESERVED2, "reserved2"));
}
