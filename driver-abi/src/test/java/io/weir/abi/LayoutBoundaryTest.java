package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The layout struct (ABI §4) at the exact edges of its rules: where the struct may lie, how many
 * bytes decoding needs, the u32 range of every field, and the byte offsets and encoding of the 16
 * fields.
 */
class LayoutBoundaryTest {

    private static final long MEMORY = 1 << 20;

    /** The example of ABI.md §4. */
    private static Layout example() {
        return new Layout(
                Abi.LAYOUT_MAGIC,
                64,
                2048,
                4096,
                6144,
                1024,
                7168,
                1024,
                8192,
                49152,
                57344,
                32768,
                90112,
                4096,
                94208,
                512);
    }

    @Test
    void theLayoutAndMetaStructsMayEndExactlyAtTheEndOfMemory() {
        long last = MEMORY - Abi.LAYOUT_SIZE - Abi.META_SIZE;
        example().validate(last, MEMORY);
        assertThatThrownBy(() -> example().validate(last + 1, MEMORY))
                .isInstanceOfSatisfying(
                        Layout.InvalidLayoutException.class,
                        e -> assertThat(e.field()).isEqualTo("weir_layout"))
                .hasMessage(
                        "layout field weir_layout: layout and meta at "
                                + (last + 1)
                                + ".."
                                + (MEMORY + 1)
                                + " lie outside memory of "
                                + MEMORY
                                + " bytes (ABI §4)");
    }

    @Test
    void aLayoutAddressBelowZeroIsOutsideMemory() {
        assertThatThrownBy(() -> example().validate(-1, MEMORY))
                .isInstanceOf(Layout.InvalidLayoutException.class)
                .hasMessage(
                        "layout field weir_layout: layout and meta at -1..95 lie outside memory of "
                                + MEMORY
                                + " bytes (ABI §4)");
    }

    @Test
    void everyCapacityIsCheckedAgainstItsMinimumAndTheMinimumItselfIsAllowed() {
        String[] caps = {"cfg_cap", "rx_cap", "tx_cap", "out_cap", "blob_cap", "err_cap"};
        long[] mins = {
            Layout.MIN_CFG_CAP,
            Layout.MIN_RX_CAP,
            Layout.MIN_TX_CAP,
            Layout.MIN_OUT_CAP,
            Layout.MIN_BLOB_CAP,
            Layout.MIN_ERR_CAP
        };
        for (int i = 0; i < caps.length; i++) {
            String field = caps[i];
            long min = mins[i];
            with(field, min).validate(1024, MEMORY);
            long below = field.equals("out_cap") ? min - Abi.RECORD_SIZE : min - 1;
            assertThatThrownBy(() -> with(field, below).validate(1024, MEMORY))
                    .as(field)
                    .isInstanceOfSatisfying(
                            Layout.InvalidLayoutException.class,
                            e -> assertThat(e.field()).isEqualTo(field))
                    .hasMessage(
                            "layout field "
                                    + field
                                    + ": is "
                                    + below
                                    + ", below the minimum "
                                    + min
                                    + " (ABI §4)");
        }
    }

    @Test
    void everyFieldIsAU32() {
        for (String field : Layout.FIELD_NAMES) {
            assertThat(with(field, 0xFFFF_FFFFL).values()[Layout.FIELD_NAMES.indexOf(field)])
                    .isEqualTo(0xFFFF_FFFFL);
            assertThat(with(field, 0).values()[Layout.FIELD_NAMES.indexOf(field)]).isZero();
            assertThatThrownBy(() -> with(field, 1L << 32))
                    .isInstanceOf(Layout.InvalidLayoutException.class)
                    .hasMessage(
                            "layout field " + field + ": must be a u32, got 4294967296 (ABI §4)");
            assertThatThrownBy(() -> with(field, -1))
                    .isInstanceOf(Layout.InvalidLayoutException.class)
                    .hasMessage("layout field " + field + ": must be a u32, got -1 (ABI §4)");
        }
    }

    @Test
    void fieldsLieFourBytesApartInStructOrder() {
        assertThat(Layout.offsetOf("magic")).isZero();
        assertThat(Layout.offsetOf("rx_cap")).isEqualTo(20);
        assertThat(Layout.offsetOf("err_cap")).isEqualTo(60);
        assertThatThrownBy(() -> Layout.offsetOf("rx_len"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no layout field named rx_len");
    }

    @Test
    void encodeWritesEachFieldLittleEndianAtItsOffset() {
        byte[] b = example().encode();
        assertThat(b).hasSize(Abi.LAYOUT_SIZE);
        assertThat(new String(b, 0, 4, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("WEIR");
        assertThat(PointRecord.u32(b, Layout.offsetOf("rx_cap"))).isEqualTo(1024);
        assertThat(PointRecord.u32(b, Layout.offsetOf("err_cap"))).isEqualTo(512);
        Layout high = with("state_ptr", 0xFFFF_FFFFL);
        assertThat(Layout.decode(high.encode(), 0)).isEqualTo(high);
    }

    @Test
    void decodeNeedsSixtyFourBytesFromItsOffset() {
        byte[] buf = new byte[8 + Abi.LAYOUT_SIZE];
        System.arraycopy(example().encode(), 0, buf, 8, Abi.LAYOUT_SIZE);
        assertThat(Layout.decode(buf, 8)).isEqualTo(example());
        assertThatThrownBy(() -> Layout.decode(buf, 9))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the layout needs 64 bytes at offset 9, buffer has 72");
        assertThatThrownBy(() -> Layout.decode(buf, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the layout needs 64 bytes at offset -1, buffer has 72");
    }

    private static Layout with(String field, long value) {
        long[] v = example().values();
        v[Layout.FIELD_NAMES.indexOf(field)] = value;
        return new Layout(
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
                v[13], v[14], v[15]);
    }
}
