package io.weir.host.driver;

import io.weir.abi.Abi;

/**
 * The hostile driver {@code hostile.wat}: a healthy driver with the fixture's framing until its
 * device config line picks a misbehaviour ({@code device fault=N after=M}). The tools' {@code weir
 * bench faults} runs the same faults.
 */
public final class Hostile {
    private Hostile() {}

    /** The module, named {@code hostile} in its manifest. */
    public static byte[] wasm() {
        return Fixtures.wasm("hostile");
    }

    /** The config text that makes {@code fault} happen from the {@code after}-th cycle on. */
    public static String config(Fault fault, int after) {
        return "device fault=" + fault.code + " after=" + after + "\npoint 0 k=v\n";
    }

    /** What {@code hostile.wat} can be made to do; the codes are its own. */
    public enum Fault {
        LOOP_OPEN(1, Abi.Export.OPEN),
        LOOP_CLOSE(2, Abi.Export.CLOSE),
        LOOP_POLL(3, Abi.Export.POLL),
        LOOP_FRAME_LEN(4, Abi.Export.FRAME_LEN),
        LOOP_ON_FRAME(5, Abi.Export.ON_FRAME),
        LOOP_ON_TIMEOUT(6, Abi.Export.ON_TIMEOUT),
        LOOP_WRITE(7, Abi.Export.WRITE),
        LOOP_LAST_ERROR(8, Abi.Export.LAST_ERROR),
        LOOP_SAVE_STATE(9, Abi.Export.SAVE_STATE),
        LOOP_LOAD_STATE(10, Abi.Export.LOAD_STATE),
        LOOP_OBSERVE(11, Abi.Export.OBSERVE),
        LOOP_GC(12, Abi.Export.GC),
        LOOP_LINK_UP(13, Abi.Export.LINK_UP),
        LOOP_FRAME_END(14, Abi.Export.FRAME_END),
        LOOP_TICK(15, Abi.Export.TICK),
        GROW_MEMORY(16, Abi.Export.ON_FRAME),
        RECURSION(17, Abi.Export.ON_FRAME),
        UNREACHABLE(18, Abi.Export.ON_FRAME),
        TX_AT_CAP(19, Abi.Export.POLL),
        TX_OVER_CAP(20, Abi.Export.POLL),
        FRAME_LEN_AT_GIVEN(21, Abi.Export.FRAME_LEN),
        FRAME_LEN_OVER_GIVEN(22, Abi.Export.FRAME_LEN),
        SKIP_ZERO(23, Abi.Export.FRAME_LEN),
        SKIP_OVER_GIVEN(24, Abi.Export.FRAME_LEN),
        EXPECT_TWO(25, Abi.Export.POLL),
        TIMEOUT_NEGATIVE(26, Abi.Export.POLL),
        TIMEOUT_ABSURD(27, Abi.Export.POLL),
        RECORDS_AT_CAP(28, Abi.Export.ON_FRAME),
        RECORDS_OVER_CAP(29, Abi.Export.ON_FRAME),
        RECORDS_OVER_OUT(30, Abi.Export.ON_FRAME),
        BLOB_AT_CAP(31, Abi.Export.ON_FRAME),
        BLOB_OVER_CAP(32, Abi.Export.ON_FRAME),
        BLOB_NEGATIVE(33, Abi.Export.ON_FRAME),
        ERR_OVER_CAP(34, Abi.Export.LAST_ERROR),
        STATE_OVER_CAP(35, Abi.Export.SAVE_STATE),
        ENDLESS_CYCLE(36, Abi.Export.POLL),
        GARBAGE_RECORDS(37, Abi.Export.ON_FRAME),
        CONTROL_LOG(38, Abi.Export.ON_FRAME),
        CONTROL_NAME(39, Abi.Export.ON_FRAME),
        CONTROL_ERROR(40, Abi.Export.LAST_ERROR),
        CONTROL_PANIC(41, Abi.Export.ON_FRAME),
        UNKNOWN_ERROR_CODE(42, Abi.Export.ON_FRAME),
        EMPTY_WRITE(43, Abi.Export.WRITE),
        POINT_U32_MAX(44, Abi.Export.ON_FRAME),
        POINT_OUTSIDE_MAP(45, Abi.Export.ON_FRAME),
        NAME_OUTSIDE_BLOB(46, Abi.Export.ON_FRAME),
        STR_NOT_UTF8(47, Abi.Export.ON_FRAME),
        NEED_NEGATIVE(48, Abi.Export.FRAME_LEN),
        LOG_FLOOD(49, Abi.Export.ON_FRAME),
        ERR_AT_CAP(50, Abi.Export.LAST_ERROR),
        SILENT_DEVICE(51, Abi.Export.ON_TIMEOUT),
        GROW_UNTIL_REFUSED(52, Abi.Export.ON_FRAME);

        /** The code in {@code hostile.wat}. */
        public final int code;

        /** The call in which the misbehaviour shows. */
        public final Abi.Export export;

        Fault(int code, Abi.Export export) {
            this.code = code;
            this.export = export;
        }

        /** The name used in test and bench output, e.g. {@code loop-poll}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** The 44 bytes of text with control characters that faults 38 to 41 hand the host. */
    public static final String CONTROL_TEXT =
            "evil\u001b[2J\r\nforged line\u0000\u202eright-to-left\u0007\u007f end";

    /** {@link #CONTROL_TEXT} as the host shows it: every control character as {@code \\uXXXX}. */
    public static final String CONTROL_TEXT_ESCAPED =
            "evil\\u001b[2J\\u000d\\u000aforged line\\u0000\\u202eright-to-left\\u0007\\u007f end";
}
