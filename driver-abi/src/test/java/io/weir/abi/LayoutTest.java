package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LayoutTest {

    /** The example of ABI.md §4, rebuilt field by field. */
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

    private static Layout with(String field, long value) {
        long[] v = example().values();
        v[Layout.FIELD_NAMES.indexOf(field)] = value;
        return new Layout(
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
                v[13], v[14], v[15]);
    }

    private static void assertRefused(Layout l, String field, String text) {
        assertThatThrownBy(() -> l.validate(1024, 1 << 20))
                .isInstanceOfSatisfying(
                        Layout.InvalidLayoutException.class,
                        e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContaining(text);
    }

    @Test
    void exampleIsValid() {
        example().validate(1024, 1 << 20);
        assertThat(example().outRecords()).isEqualTo(2048);
    }

    @Test
    void refusesEachBrokenRule() {
        assertRefused(with("magic", 0x57454952L), "magic", "expected 0x52494557");
        assertRefused(with("size", 72), "size", "expected 64");
        assertRefused(with("cfg_cap", 4095), "cfg_cap", "below the minimum 4096");
        assertRefused(with("rx_cap", 511), "rx_cap", "below the minimum 512");
        assertRefused(with("tx_cap", 0), "tx_cap", "below the minimum 512");
        assertRefused(with("out_cap", 49152 - 24), "out_cap", "below the minimum 49152");
        assertRefused(with("out_cap", 49153), "out_cap", "not a multiple of the record size");
        assertRefused(with("out_ptr", 8196), "out_ptr", "not 8-byte aligned");
        assertRefused(with("blob_cap", 100), "blob_cap", "below the minimum 4096");
        assertRefused(with("err_cap", 127), "err_cap", "below the minimum 128");
        assertRefused(with("err_ptr", (1 << 20) - 100), "err_ptr", "lies outside memory");
        assertRefused(with("rx_ptr", 6000), "rx_ptr", "overlaps region cfg");
        assertRefused(with("err_ptr", 1100), "err_ptr", "overlaps the layout and meta");
    }

    @Test
    void emptyStateRegionOverlapsNothing() {
        Layout l = with("state_cap", 0);
        l.validate(1024, 1 << 20);
        long[] v = with("state_ptr", 2048).values();
        v[Layout.FIELD_NAMES.indexOf("state_cap")] = 0;
        new Layout(
                        v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11],
                        v[12], v[13], v[14], v[15])
                .validate(1024, 1 << 20);
    }

    @Test
    void layoutOutsideMemoryIsRefused() {
        assertThatThrownBy(() -> example().validate(1 << 20, 1 << 20))
                .hasMessageContaining("weir_layout");
    }

    @Test
    void rejectsNonU32() {
        assertThatThrownBy(() -> with("rx_cap", 1L << 32)).hasMessageContaining("rx_cap");
    }
}
