package io.weir.tools.capture;

import static io.weir.tools.capture.Packets.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PacketDecoderTest {
    private static final byte[] DATA = {0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1};

    private static TcpSegment segment(int linkType, byte[] frame) {
        PacketDecoder.Result r =
                PacketDecoder.decode(new CapturedFrame(7, 0, linkType, frame, frame.length));
        assertThat(r).isInstanceOf(PacketDecoder.Segment.class);
        return ((PacketDecoder.Segment) r).segment();
    }

    @Test
    void ethernetPaddingIsNotPayload() {
        byte[] ip = ipv4Tcp(CLIENT, 40000, SERVER, 502, 1000, 0, 0x18, new byte[] {5});
        byte[] frame = ethernet(0x0800, ip); // padded to 60 bytes
        assertThat(frame).hasSize(60);
        TcpSegment s = segment(1, frame);
        assertThat(s.payload()).containsExactly(5);
        assertThat(s.seq()).isEqualTo(1000);
        assertThat(s.frame()).isEqualTo(7);
        assertThat(s.source().toString()).isEqualTo("10.0.0.1:40000");
        assertThat(s.destination().toString()).isEqualTo("10.0.0.2:502");
    }

    @Test
    void everySupportedLinkTypeReachesTheSameSegment() {
        byte[] ip = ipv4Tcp(CLIENT, 40000, SERVER, 502, 0xFFFFFFF0L, 77, 0x18, DATA);
        for (var c :
                new Object[][] {
                    {1, ethernet(0x0800, ip, 0x0064)}, // 802.1Q
                    {1, ethernet(0x0800, ip, 0x0064, 0x0065)}, // stacked tags
                    {113, sll(0x0800, ip)},
                    {276, sll2(0x0800, ip)},
                    {101, ip},
                    {228, ip},
                }) {
            TcpSegment s = segment((int) c[0], (byte[]) c[1]);
            assertThat(s.payload()).as("link type %s", c[0]).isEqualTo(DATA);
            assertThat(s.seq()).isEqualTo(0xFFFFFFF0L);
            assertThat(s.ack()).isEqualTo(77);
        }
    }

    @Test
    void ipv6() {
        byte[] src = new byte[16];
        byte[] dst = new byte[16];
        src[15] = 1;
        dst[0] = 0x20;
        dst[1] = 0x01;
        dst[15] = 2;
        TcpSegment s = segment(1, ethernet(0x86DD, ipv6Tcp(src, 1234, dst, 502, 9, 0x18, DATA)));
        assertThat(s.payload()).isEqualTo(DATA);
        assertThat(s.source().toString()).isEqualTo("[0:0:0:0:0:0:0:1]:1234");
    }

    @Test
    void fragmentsAndTruncationAreReportedNotDecoded() {
        byte[] ip = ipv4Tcp(CLIENT, 40000, SERVER, 502, 1, 0, 0x18, DATA);
        ip[6] = 0x20; // more fragments
        PacketDecoder.Result r = PacketDecoder.decode(new CapturedFrame(1, 0, 101, ip, ip.length));
        assertThat(r)
                .isEqualTo(
                        new PacketDecoder.NotTcp(
                                "IPv4 fragment (fragments are not reassembled)", true));
        byte[] cut = java.util.Arrays.copyOf(ipv4Tcp(CLIENT, 1, SERVER, 502, 1, 0, 0x18, DATA), 45);
        r = PacketDecoder.decode(new CapturedFrame(1, 0, 101, cut, 52));
        assertThat(((PacketDecoder.NotTcp) r).problem()).isTrue();
        byte[] arp = ethernet(0x0806, new byte[28]);
        r = PacketDecoder.decode(new CapturedFrame(1, 0, 1, arp, arp.length));
        assertThat(r).isEqualTo(new PacketDecoder.NotTcp("EtherType 0x0806", false));
    }
}
