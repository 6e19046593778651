package io.weir.abi;

import java.util.List;

/**
 * ABI.md §4: the 32-byte meta struct at {@code weir_layout() + 64}, i32 fields, little-endian.
 * Offsets are relative to the start of the meta struct. v1.1 uses two of the three fields that v1.0
 * reserved and v1.2 the third; a call writes only the fields of its agreed version.
 */
public final class Meta {
    private Meta() {}

    /** Written by {@code weir_poll}, {@code weir_write}: 1 if a response follows. */
    public static final int EXPECT = 0;

    /** Written by {@code weir_poll}, {@code weir_write}: response timeout, 0 = host default. */
    public static final int TIMEOUT_MS = 4;

    /**
     * Written by {@code weir_frame_len} and {@code weir_frame_end} on {@code E_RESYNC}: bytes to
     * discard (≥ 1).
     */
    public static final int SKIP = 8;

    /**
     * Written by {@code weir_frame_len} on 0 and {@code weir_on_bytes} on {@code E_PARTIAL}: total
     * bytes needed if known, else 0. {@code weir_on_bytes} (1.2, §7.13) writes it on every other
     * return too: the length of the frame it decoded, 0 if it found none.
     */
    public static final int NEED = 12;

    /**
     * Written by {@code weir_on_frame}, {@code weir_on_timeout}, {@code weir_tick}, {@code
     * weir_describe}.
     */
    public static final int BLOB_USED = 16;

    /**
     * 1.1, §7.12: the u32 correlation key of a request ({@code weir_observe}) or of a frame that
     * {@code weir_frame_len} or {@code weir_frame_end} completed; 0 = none.
     */
    public static final int CORR = 20;

    /** 1.1, §7.3: the {@link FrameFlag} bits written by {@code weir_on_frame}. */
    public static final int FRAME_FLAGS = 24;

    /** 1.2, §7.1: the {@link RequestFlag} bits written by {@code weir_poll} with a request. */
    public static final int REQ_FLAGS = 28;

    /** The meta struct follows the layout struct. */
    public static final int OFFSET_FROM_LAYOUT = Abi.LAYOUT_SIZE;

    /**
     * One field of the meta struct, as ABI.md's table lists it.
     *
     * @param since the minor version that defined the field
     */
    public record Field(int offset, String name, int since) {}

    /** All fields in offset order. */
    public static final List<Field> FIELDS =
            List.of(
                    new Field(EXPECT, "expect", Abi.MINOR_1_0),
                    new Field(TIMEOUT_MS, "timeout_ms", Abi.MINOR_1_0),
                    new Field(SKIP, "skip", Abi.MINOR_1_0),
                    new Field(NEED, "need", Abi.MINOR_1_0),
                    new Field(BLOB_USED, "blob_used", Abi.MINOR_1_0),
                    new Field(CORR, "corr", Abi.MINOR_1_1),
                    new Field(FRAME_FLAGS, "frame_flags", Abi.MINOR_1_1),
                    new Field(REQ_FLAGS, "req_flags", Abi.MINOR_1_2));
}
