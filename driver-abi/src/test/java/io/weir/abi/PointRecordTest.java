package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PointRecordTest {

    @Test
    void decodesFixedBytesAtAnOffset() {
        // Two bytes of padding, then a DEVICE_TS record: point 0x01000002, I64 -1, UNCERTAIN.
        byte[] b =
                HexFormat.of()
                        .parseHex(
                                "aaaa"
                                        + "02000001" // point
                                        + "02" // I64
                                        + "02" // DEVICE_TS
                                        + "0040" // 0x4000
                                        + "0100000000000000" // ts 1
                                        + "ffffffffffffffff"); // -1
        PointRecord r = PointRecord.decode(b, 2);
        assertThat(r.point()).isEqualTo(0x01000002L);
        assertThat(r.valueType()).isEqualTo(ValueType.I64);
        assertThat(r.deviceTimestamp()).isTrue();
        assertThat(r.named()).isFalse();
        assertThat(Quality.classOf(r.quality())).isEqualTo(Quality.QualityClass.UNCERTAIN);
        assertThat(r.tsUs()).isEqualTo(1);
        assertThat(r.value()).isEqualTo(-1);
    }

    @Test
    void pointIsUnsigned() {
        byte[] b = new byte[24];
        b[0] = b[1] = b[2] = b[3] = (byte) 0xFF;
        assertThat(PointRecord.decode(b, 0).point()).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void unknownValueTypeIsKeptRaw() {
        PointRecord r = new PointRecord(1, 99, 0x80, 0, 0, 0);
        assertThat(r.valueType()).isNull();
        assertThat(r.named()).isFalse();
        assertThat(PointRecord.decode(r.toBytes(), 0)).isEqualTo(r);
    }

    @Test
    void rejectsOutOfRangeFields() {
        assertThatThrownBy(() -> new PointRecord(-1, 0, 0, 0, 0, 0)).hasMessageContaining("u32");
        assertThatThrownBy(() -> new PointRecord(0, 256, 0, 0, 0, 0)).hasMessageContaining("vtype");
        assertThatThrownBy(() -> new PointRecord(0, 0, 0, 0x10000, 0, 0))
                .hasMessageContaining("quality");
        assertThatThrownBy(() -> PointRecord.decode(new byte[30], 7))
                .hasMessageContaining("24 bytes at offset 7");
    }

    @Test
    void stringValueReadsFromBlob() {
        byte[] blob = "xxhello".getBytes(StandardCharsets.UTF_8);
        long value = 2L | 5L << 32;
        PointRecord r = PointRecord.of(0, ValueType.STR, Quality.GOOD, value);
        assertThat(r.blobOffset()).isEqualTo(2);
        assertThat(r.blobLength()).isEqualTo(5);
        assertThat(r.blobText(blob, blob.length)).isEqualTo("hello");
        assertThatThrownBy(() -> r.blobText(blob, 6)).hasMessageContaining("runs past blob_used 6");
    }

    @Test
    void nameMustLieInsideUsedBlob() {
        byte[] blob = HexFormat.of().parseHex("0500616263");
        assertThatThrownBy(() -> PointRecord.readName(blob, blob.length, 0))
                .hasMessageContaining("length 5, which runs past blob_used 5");
        assertThatThrownBy(() -> PointRecord.readName(blob, blob.length, 4))
                .hasMessageContaining("beyond blob_used");
        byte[] empty = {0, 0};
        assertThatThrownBy(() -> PointRecord.readName(empty, 2, 0)).hasMessageContaining("empty");
        byte[] bad = {1, 0, (byte) 0xFF};
        assertThatThrownBy(() -> PointRecord.readName(bad, 3, 0))
                .hasMessageContaining("not valid UTF-8: ff");
    }
}
