package io.weir.host.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The frame examples of UPLINK.md §5.3. */
class UplinkFrameTest {
    @Test
    void batchFrameExample() {
        ByteBuf b = UplinkFrame.batch(ByteBufAllocator.DEFAULT, new byte[] {'a', 'b', 'c'});
        assertThat(ByteBufUtil.hexDump(b)).isEqualTo("0000000401616263");
        b.release();
    }

    @Test
    void ackFrameExamplesRoundTrip() {
        ByteBuf b =
                UplinkFrame.ack(
                        ByteBufAllocator.DEFAULT,
                        new UplinkFrame.Ack(
                                UplinkFrame.Status.STORED, 0x0102030405060708L, 9, 0, ""));
        assertThat(ByteBufUtil.hexDump(b))
                .isEqualTo(
                        "00000016"
                                + "02"
                                + "00"
                                + "0102030405060708"
                                + "0000000000000009"
                                + "0000"
                                + "0000");
        ByteBuf r =
                UplinkFrame.ack(
                        ByteBufAllocator.DEFAULT,
                        new UplinkFrame.Ack(UplinkFrame.Status.REJECTED, 1, 2, 12, "tag"));
        assertThat(ByteBufUtil.hexDump(r))
                .isEqualTo(
                        "00000019"
                                + "02"
                                + "02"
                                + "0000000000000001"
                                + "0000000000000002"
                                + "000c"
                                + "0003"
                                + "746167");
        // Through the real decoder, split across reads.
        EmbeddedChannel ch = new EmbeddedChannel(UplinkFrame.decoder());
        ch.writeInbound(r.retainedSlice(0, 7));
        Object none = ch.readInbound();
        assertThat(none).isNull();
        ch.writeInbound(r.retainedSlice(7, r.readableBytes() - 7));
        ByteBuf frame = ch.readInbound();
        assertThat(frame.readUnsignedByte()).isEqualTo((short) UplinkFrame.TYPE_ACK);
        UplinkFrame.Ack a = UplinkFrame.readAck(frame);
        assertThat(a).isEqualTo(new UplinkFrame.Ack(UplinkFrame.Status.REJECTED, 1, 2, 12, "tag"));
        frame.release();
        r.release();
        b.release();
    }

    @Test
    void malformedAcksAreRefusedWithAReason() {
        assertThatThrownBy(() -> UplinkFrame.readAck(Unpooled.wrappedBuffer(new byte[5])))
                .hasMessageContaining("need >= 21");
        byte[] bad = new byte[21];
        bad[0] = 9;
        assertThatThrownBy(() -> UplinkFrame.readAck(Unpooled.wrappedBuffer(bad)))
                .hasMessageContaining("ACK status 9 unknown");
        byte[] len = new byte[21];
        len[20] = 5;
        assertThatThrownBy(() -> UplinkFrame.readAck(Unpooled.wrappedBuffer(len)))
                .hasMessageContaining("message length 5 but 0 bytes remain");
    }

    /** A receiver's reason travels whole up to 1,024 bytes and is cut there, never refused. */
    @Test
    void ackMessagesTravelUpTo1024Bytes() {
        for (int n : new int[] {27, 1024, 1025, 5000}) {
            String why = "r".repeat(n);
            ByteBuf b =
                    UplinkFrame.ack(
                            ByteBufAllocator.DEFAULT,
                            new UplinkFrame.Ack(UplinkFrame.Status.REJECTED, 1, 2, 12, why));
            int sent = Math.min(n, 1024);
            assertThat(b.readInt()).isEqualTo(1 + 1 + 8 + 8 + 2 + 2 + sent);
            assertThat(b.readUnsignedByte()).isEqualTo((short) UplinkFrame.TYPE_ACK);
            assertThat(UplinkFrame.readAck(b))
                    .isEqualTo(
                            new UplinkFrame.Ack(
                                    UplinkFrame.Status.REJECTED, 1, 2, 12, why.substring(0, sent)));
            b.release();
        }
    }
}
