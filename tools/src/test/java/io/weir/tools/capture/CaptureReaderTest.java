package io.weir.tools.capture;

import static io.weir.tools.capture.Packets.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureReaderTest {
    private static final byte[] PKT =
            ipv4Tcp(CLIENT, 40000, SERVER, 502, 1, 0, 0x18, new byte[] {1, 2, 3});

    @Test
    void readsPcapInBothByteOrdersWithMicroAndNanoTimestamps() throws Exception {
        long ts = 1_605_738_373_137_482_123L;
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            List<CapturedFrame> micro =
                    CaptureReader.read(
                            pcap(order, false, 228, new long[] {ts, ts + 5000}, PKT, PKT));
            assertThat(micro).hasSize(2);
            assertThat(micro.get(0).number()).isEqualTo(1);
            assertThat(micro.get(1).number()).isEqualTo(2);
            assertThat(micro.get(0).epochNanos()).isEqualTo(1_605_738_373_137_482_000L);
            assertThat(micro.get(0).linkType()).isEqualTo(228);
            assertThat(micro.get(0).data()).isEqualTo(PKT);

            List<CapturedFrame> nano =
                    CaptureReader.read(pcap(order, true, 1, new long[] {ts}, PKT));
            assertThat(nano.get(0).epochNanos()).isEqualTo(ts);
            assertThat(nano.get(0).epochMillis()).isEqualTo(1_605_738_373_137L);
        }
    }

    @Test
    void readsPcapngSectionsInterfacesAndResolutions() throws Exception {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        ByteOrder be = ByteOrder.BIG_ENDIAN;
        byte[] file =
                concat(
                        shb(le),
                        idb(le, 1, -1), // interface 0: Ethernet, microseconds
                        idb(le, 101, 9), // interface 1: raw IP, nanoseconds
                        epb(le, 0, 1_000_000_123L, PKT),
                        block(le, 4, new byte[8]), // a name resolution block: skipped
                        epb(le, 1, 2_000_000_000_456L, PKT),
                        spb(le, PKT),
                        // A second section in the other byte order, its own interface table.
                        shb(be),
                        idb(be, 113, 0x80 | 10), // 2^-10 s units
                        epb(be, 0, 3 * 1024 + 512, PKT));
        List<CapturedFrame> frames = CaptureReader.read(file);
        assertThat(frames).extracting(CapturedFrame::number).containsExactly(1, 2, 3, 4);
        assertThat(frames).extracting(CapturedFrame::linkType).containsExactly(1, 101, 1, 113);
        assertThat(frames.get(0).epochNanos()).isEqualTo(1_000_000_123_000L);
        assertThat(frames.get(1).epochNanos()).isEqualTo(2_000_000_000_456L);
        assertThat(frames.get(2).epochNanos()).isZero(); // SPB carries no timestamp
        assertThat(frames.get(3).epochNanos()).isEqualTo(3_500_000_000L);
        assertThat(frames.get(3).data()).isEqualTo(PKT);
    }

    @Test
    void namesWhatIsWrongWithABrokenFile() {
        assertThatThrownBy(() -> CaptureReader.read(new byte[] {1, 2, 3, 4, 5}))
                .hasMessageContaining("unknown file magic 01020304");
        byte[] cut = pcap(ByteOrder.LITTLE_ENDIAN, false, 1, new long[] {0}, PKT);
        assertThatThrownBy(() -> CaptureReader.read(java.util.Arrays.copyOf(cut, cut.length - 2)))
                .hasMessageContaining("frame 1")
                .hasMessageContaining("runs past the end of the file");
        byte[] ng = concat(shb(ByteOrder.LITTLE_ENDIAN), epb(ByteOrder.LITTLE_ENDIAN, 0, 0, PKT));
        assertThatThrownBy(() -> CaptureReader.read(ng))
                .hasMessageContaining("names interface 0 but the section describes 0");
    }
}
