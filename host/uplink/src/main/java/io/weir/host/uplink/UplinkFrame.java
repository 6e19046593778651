package io.weir.host.uplink;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Application framing inside TLS (UPLINK.md §5): {@code u32 length | u8 type | body}, where length
 * counts type and body. Gateway → receiver: BATCH. Receiver → gateway: ACK.
 */
public final class UplinkFrame {
    public static final int TYPE_BATCH = 0x01;
    public static final int TYPE_ACK = 0x02;

    /** Largest frame either side accepts (type + body). */
    public static final int MAX_FRAME = 16 << 20;

    /** ACK status (UPLINK.md §5.2). */
    public enum Status {
        /** Stored now; the gateway deletes the batch. */
        STORED(0),
        /** Already stored earlier with identical bytes; the gateway deletes the batch. */
        DUPLICATE(1),
        /** Refused for good (see the reason); the gateway quarantines the batch. */
        REJECTED(2),
        /** The receiver could not store it now (database down); resend later. */
        RETRY_LATER(3);

        public final int code;

        Status(int code) {
            this.code = code;
        }

        static Status ofCode(int code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            throw new IllegalArgumentException("ACK status " + code + " unknown");
        }
    }

    /** A decoded ACK. {@code reason} is 0 unless REJECTED/RETRY_LATER. */
    public record Ack(Status status, long epoch, long seq, int reason, String message) {}

    private UplinkFrame() {}

    public static LengthFieldBasedFrameDecoder decoder() {
        // Strip the 4-byte length; frames hand the handler "type | body".
        return new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4);
    }

    /** A BATCH frame around envelope bytes (no copy of the envelope). */
    public static ByteBuf batch(ByteBufAllocator alloc, byte[] envelope) {
        ByteBuf head = alloc.buffer(5);
        head.writeInt(envelope.length + 1).writeByte(TYPE_BATCH);
        return Unpooled.wrappedBuffer(head, Unpooled.wrappedBuffer(envelope));
    }

    public static ByteBuf ack(ByteBufAllocator alloc, Ack a) {
        byte[] msg =
                a.message() == null ? new byte[0] : a.message().getBytes(StandardCharsets.UTF_8);
        if (msg.length > 1024) {
            msg = java.util.Arrays.copyOf(msg, 1024);
        }
        ByteBuf b = alloc.buffer(4 + 1 + 1 + 8 + 8 + 2 + 2 + msg.length);
        b.writeInt(1 + 1 + 8 + 8 + 2 + 2 + msg.length);
        b.writeByte(TYPE_ACK).writeByte(a.status().code).writeLong(a.epoch()).writeLong(a.seq());
        b.writeShort(a.reason()).writeShort(msg.length).writeBytes(msg);
        return b;
    }

    /** Parses an ACK body (after the type byte). */
    public static Ack readAck(ByteBuf b) {
        if (b.readableBytes() < 1 + 8 + 8 + 2 + 2) {
            throw new IllegalArgumentException(
                    "ACK frame of " + b.readableBytes() + " bytes, need >= 21");
        }
        Status st = Status.ofCode(b.readUnsignedByte());
        long epoch = b.readLong();
        long seq = b.readLong();
        int reason = b.readUnsignedShort();
        int len = b.readUnsignedShort();
        if (b.readableBytes() != len) {
            throw new IllegalArgumentException(
                    "ACK message length " + len + " but " + b.readableBytes() + " bytes remain");
        }
        String msg = b.readCharSequence(len, StandardCharsets.UTF_8).toString();
        return new Ack(st, epoch, seq, reason, msg);
    }
}
