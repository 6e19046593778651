package io.weir.tools.sim;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One client connection of the S7 simulator, sans-I/O: a whole TPKT frame in, the frames to send
 * back and whether to close the connection out. It is strict in the order a CPU is: COTP CR first
 * (class 0, the called TSAP of this rack and slot), then S7 Setup Communication, then Read Var and
 * Write Var. Byte layouts: RFC 1006 §6 (TPKT), ISO 8073 §13 (COTP), S7comm as Wireshark's
 * packet-s7comm.c decodes it.
 *
 * <p>How it refuses (the simulator's choices, listed in the driver README):
 *
 * <ul>
 *   <li>a COTP CR it cannot accept: a DR (ISO 8073 §13.5), reason 0x03 (address unknown) for a
 *       called TSAP that is not this rack and slot, 0x82 (negotiation failed) for a class other
 *       than 0, 0x8A (header or parameter length invalid) for a malformed header; then it closes;
 *   <li>any other COTP TPDU before the CR, an S7 PDU that is not S7comm (protocol id 0x32), or an
 *       Ack from the client: it closes the connection;
 *   <li>a COTP protocol error after the connect (a second CR, a DT that is not class 0 or larger
 *       than the negotiated TPDU size, an unknown TPDU): a DR with reason 0x85 (protocol error),
 *       then it closes; a DR from the client gets a DC;
 *   <li>an S7 Job before Setup Communication, a function it does not serve, or Userdata: an Ack
 *       with header error class 0x81 code 0x04 (the service is not implemented);
 *   <li>a malformed Job, one larger than the negotiated PDU, or a Read Var whose answer would not
 *       fit it: an Ack with header error class 0x85 code 0x00 (S7 protocol error: wrong frames);
 *   <li>an item it cannot serve: its return code: 0x0a for a data block that does not exist, 0x05
 *       for an address past the end of its area, an unknown area or a non-S7ANY item, 0x06 for a
 *       transport size the area does not take, 0x07 for write data that does not match the item,
 *       0x03 for a write to a timer or counter (an S7-300 answers so in the corpus's Snap7
 *       capture).
 * </ul>
 */
public final class S7Connection {

    /** The frames to send back, whether to close after them, and a note for the log. */
    public record Reply(List<byte[]> frames, boolean close, String note) {
        public Reply {
            frames = List.copyOf(frames);
        }

        static Reply send(byte[]... frames) {
            return new Reply(List.of(frames), false, null);
        }

        static Reply refuse(String note, byte[]... frames) {
            return new Reply(List.of(frames), true, note);
        }
    }

    private enum State {
        WAIT_CONNECT,
        CONNECTED,
        SET_UP
    }

    static final int COTP_CR = 0xE0;
    static final int COTP_CC = 0xD0;
    static final int COTP_DR = 0x80;
    static final int COTP_DC = 0xC0;
    static final int COTP_DT = 0xF0;

    /** The largest S7 PDU reassembled from COTP segments. */
    private static final int MAX_PDU_BYTES = 65535;

    private final S7Memory memory;
    private final int tsapLow;
    private final int maxPdu;
    private final int localRef;
    private State state = State.WAIT_CONNECT;
    private int remoteRef;
    private int tpduSize = 128;
    private int pdu;
    private int setups;
    private final ByteArrayOutputStream segments = new ByteArrayOutputStream();

    /**
     * @param rack the CPU's rack (0..7)
     * @param slot the CPU's slot (0..31)
     * @param maxPdu the largest PDU this CPU negotiates
     * @param localRef this connection's COTP source reference
     */
    public S7Connection(S7Memory memory, int rack, int slot, int maxPdu, int localRef) {
        if (rack < 0 || rack > 7 || slot < 0 || slot > 31) {
            throw new IllegalArgumentException(
                    "rack " + rack + " slot " + slot + " is not 0..7 / 0..31");
        }
        this.memory = memory;
        this.tsapLow = rack * 32 + slot;
        this.maxPdu = maxPdu;
        this.localRef = localRef & 0xFFFF;
    }

    /** The PDU length negotiated on this connection, 0 before Setup Communication. */
    public int pdu() {
        return pdu;
    }

    /** Setup Communications answered on this connection. */
    public int setups() {
        return setups;
    }

    /** One whole TPKT frame from the client (the decoder checked version and length). */
    public Reply onFrame(byte[] f) {
        if (f.length < 7 || f[4] < 2 || 5 + (f[4] & 0xFF) > f.length) {
            return state == State.WAIT_CONNECT
                    ? Reply.refuse("COTP header does not fit the TPKT frame", dr(0x8A))
                    : Reply.refuse("COTP header does not fit the TPKT frame", dr(0x85));
        }
        int li = f[4] & 0xFF;
        int code = f[5] & 0xF0;
        if (state == State.WAIT_CONNECT) {
            return code == COTP_CR
                    ? connect(f, li)
                    : Reply.refuse(tpduName(code) + " before the connection request");
        }
        return switch (code) {
            case COTP_DT -> data(f, li);
            case COTP_DR -> Reply.refuse("the client disconnected", dc());
            case COTP_CR -> Reply.refuse("a second COTP CR on a connected connection", dr(0x85));
            default -> Reply.refuse(tpduName(code) + " is not served", dr(0x85));
        };
    }

    private Reply connect(byte[] f, int li) {
        if (li != f.length - 5 || li < 6) {
            return Reply.refuse(
                    "COTP CR length indicator " + li + " in a " + f.length + "-byte frame",
                    dr(0x8A));
        }
        remoteRef = u16(f, 8);
        if (u16(f, 6) != 0) {
            return Reply.refuse(
                    "COTP CR with destination reference " + u16(f, 6) + " (ISO 8073: 0)", dr(0x8A));
        }
        if ((f[10] & 0xF0) != 0) {
            return Reply.refuse(
                    "COTP CR asks for class " + ((f[10] & 0xFF) >> 4) + ", this CPU speaks class 0",
                    dr(0x82));
        }
        Integer sizeCode = null;
        byte[] calling = null;
        byte[] called = null;
        for (int at = 11; at < 5 + li; ) {
            if (at + 2 > 5 + li || at + 2 + (f[at + 1] & 0xFF) > 5 + li) {
                return Reply.refuse(
                        "COTP CR parameter at byte " + at + " runs past the header", dr(0x8A));
            }
            int p = f[at] & 0xFF;
            int n = f[at + 1] & 0xFF;
            byte[] v = java.util.Arrays.copyOfRange(f, at + 2, at + 2 + n);
            switch (p) {
                case 0xC0 -> {
                    if (n != 1 || v[0] < 7 || v[0] > 13) {
                        return Reply.refuse("COTP CR TPDU size parameter " + hex(v), dr(0x8A));
                    }
                    sizeCode = (int) v[0];
                }
                case 0xC1 -> calling = v;
                case 0xC2 -> called = v;
                default -> {
                    // ISO 8073 §13.3.4: parameters a class does not use are ignored.
                }
            }
            at += 2 + n;
        }
        int expected = tsapLow;
        if (called == null
                || called.length != 2
                || called[0] < 1
                || called[0] > 3
                || (called[1] & 0xFF) != expected) {
            return Reply.refuse(
                    "COTP CR called TSAP "
                            + (called == null ? "missing" : hex(called))
                            + ", this CPU is 01.."
                            + String.format("%02x", expected)
                            + " (type 1, 2 or 3; rack * 32 + slot)",
                    dr(0x03));
        }
        // ISO 8073 §13.3.4 b): without the parameter the TPDU size is 128; this CPU takes at most
        // 1024.
        int code = sizeCode == null ? 7 : Math.min(sizeCode, 10);
        tpduSize = 1 << code;
        ByteBuffer cc = ByteBuffer.allocate(64);
        cc.put((byte) 0)
                .put((byte) COTP_CC)
                .putShort((short) remoteRef)
                .putShort((short) localRef)
                .put((byte) 0);
        if (sizeCode != null) {
            cc.put((byte) 0xC0).put((byte) 1).put((byte) code);
        }
        if (calling != null) {
            cc.put((byte) 0xC1).put((byte) calling.length).put(calling);
        }
        cc.put((byte) 0xC2).put((byte) 2).put(called);
        byte[] body = java.util.Arrays.copyOf(cc.array(), cc.position());
        body[0] = (byte) (body.length - 1);
        state = State.CONNECTED;
        return Reply.send(tpkt(body));
    }

    private Reply data(byte[] f, int li) {
        if (li != 2) {
            return Reply.refuse(
                    "COTP DT with length indicator " + li + ", class 0 has 2", dr(0x85));
        }
        if (f.length - 4 > tpduSize) {
            return Reply.refuse(
                    "COTP DT of "
                            + (f.length - 4)
                            + " bytes, the negotiated TPDU size is "
                            + tpduSize,
                    dr(0x85));
        }
        segments.write(f, 7, f.length - 7);
        if (segments.size() > MAX_PDU_BYTES) {
            return Reply.refuse("COTP segments exceed 65535 bytes", dr(0x85));
        }
        if ((f[6] & 0x80) == 0) {
            return Reply.send(); // more segments follow (ISO 8073 §13.7: EOT on the last)
        }
        byte[] pdu = segments.toByteArray();
        segments.reset();
        return s7(pdu);
    }

    private Reply s7(byte[] p) {
        if (p.length < 10 || (p[0] & 0xFF) != 0x32) {
            return Reply.refuse(
                    "not an S7comm PDU: "
                            + hex(java.util.Arrays.copyOf(p, Math.min(p.length, 10))));
        }
        int rosctr = p[1] & 0xFF;
        int ref = u16(p, 4);
        if (rosctr == 2 || rosctr == 3) {
            return Reply.refuse("the client sent an S7 " + (rosctr == 2 ? "Ack" : "Ack_Data"));
        }
        if (rosctr == 7) {
            return send(ack(ref, 0x81, 0x04));
        }
        if (rosctr != 1) {
            return Reply.refuse("S7 ROSCTR " + rosctr + " is not a Job");
        }
        int plen = u16(p, 6);
        int dlen = u16(p, 8);
        if (10 + plen + dlen != p.length || plen < 1) {
            return send(ack(ref, 0x85, 0x00));
        }
        byte[] param = java.util.Arrays.copyOfRange(p, 10, 10 + plen);
        byte[] data = java.util.Arrays.copyOfRange(p, 10 + plen, p.length);
        int function = param[0] & 0xFF;
        if (function == 0xF0) {
            return setup(ref, param, data);
        }
        if (state != State.SET_UP || function != 0x04 && function != 0x05) {
            return send(ack(ref, 0x81, 0x04));
        }
        if (p.length > pdu) {
            return send(ack(ref, 0x85, 0x00));
        }
        return function == 0x04 ? read(ref, param, data) : write(ref, param, data);
    }

    private Reply setup(int ref, byte[] param, byte[] data) {
        if (param.length != 8
                || param[1] != 0
                || data.length != 0
                || u16(param, 2) == 0
                || u16(param, 4) == 0) {
            return send(ack(ref, 0x85, 0x00));
        }
        pdu = Math.min(u16(param, 6), maxPdu);
        state = State.SET_UP;
        setups++;
        ByteBuffer b = ByteBuffer.allocate(8);
        // Max AmQ: this CPU serves one job at a time each way, as the S7-300 of the corpus does.
        b.put((byte) 0xF0)
                .put((byte) 0)
                .putShort((short) 1)
                .putShort((short) 1)
                .putShort((short) pdu);
        return send(ackData(ref, b.array(), new byte[0]));
    }

    /** An item's memory: area, DB, byte offset (2 × number for timers and counters), length. */
    private record Target(S7Area area, int db, int offset, int length, int bit, int dataTsize) {}

    /** The item at {@code at} of a parameter part, as memory; or its return code. */
    private Object target(byte[] param, int at) {
        if ((param[at] & 0xFF) != 0x12 || param[at + 1] != 10 || param[at + 2] != 0x10) {
            return S7Memory.RC_OUT_OF_RANGE;
        }
        int tsize = param[at + 3] & 0xFF;
        int count = u16(param, at + 4);
        int db = u16(param, at + 6);
        S7Area area = S7Area.ofCode(param[at + 8] & 0xFF);
        int address =
                (param[at + 9] & 0xFF) << 16 | (param[at + 10] & 0xFF) << 8 | param[at + 11] & 0xFF;
        if (area == null) {
            return S7Memory.RC_OUT_OF_RANGE;
        }
        if (area == S7Area.T || area == S7Area.C) {
            if (tsize != (area == S7Area.T ? 0x1D : 0x1C) || count == 0) {
                return S7Memory.RC_TYPE_NOT_SUPPORTED;
            }
            Target t = new Target(area, 0, 2 * address, 2 * count, 0, 0x09);
            int rc = memory.check(area, 0, t.offset, t.length);
            return rc == S7Memory.RC_SUCCESS ? t : rc;
        }
        int elem;
        int dataTsize;
        switch (tsize) {
            case 0x01 -> {
                if (count != 1) {
                    return S7Memory.RC_TYPE_NOT_SUPPORTED;
                }
                int rc = memory.check(area, area == S7Area.DB ? db : 0, address / 8, 1);
                return rc == S7Memory.RC_SUCCESS
                        ? new Target(
                                area, area == S7Area.DB ? db : 0, address / 8, 1, address % 8, 0x03)
                        : rc;
            }
            case 0x02, 0x04, 0x06 -> {
                elem = tsize == 0x02 ? 1 : tsize == 0x04 ? 2 : 4;
                dataTsize = 0x04;
            }
            case 0x05, 0x07 -> {
                elem = tsize == 0x05 ? 2 : 4;
                dataTsize = 0x05;
            }
            case 0x08 -> {
                elem = 4;
                dataTsize = 0x07;
            }
            case 0x03, 0x09, 0x0A, 0x0B, 0x0C, 0x0F -> {
                elem =
                        tsize == 0x03
                                ? 1
                                : tsize == 0x09 || tsize == 0x0C ? 2 : tsize == 0x0F ? 8 : 4;
                dataTsize = 0x09;
            }
            default -> {
                return S7Memory.RC_TYPE_NOT_SUPPORTED;
            }
        }
        if (address % 8 != 0) {
            return S7Memory.RC_OUT_OF_RANGE;
        }
        int dbn = area == S7Area.DB ? db : 0;
        long length = (long) count * elem;
        int rc = memory.check(area, dbn, address / 8, length);
        return rc == S7Memory.RC_SUCCESS
                ? new Target(area, dbn, address / 8, (int) length, 0, dataTsize)
                : rc;
    }

    private Reply read(int ref, byte[] param, byte[] data) {
        int n = param.length >= 2 ? param[1] & 0xFF : 0;
        if (n == 0 || param.length != 2 + 12 * n || data.length != 0) {
            return send(ack(ref, 0x85, 0x00));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            Object t = target(param, 2 + 12 * i);
            if (t instanceof Integer rc) {
                out.writeBytes(new byte[] {rc.byteValue(), 0, 0, 0});
                continue;
            }
            Target tg = (Target) t;
            byte[] bytes = memory.read(tg.area, tg.db, tg.offset, tg.length);
            if (tg.dataTsize == 0x03) {
                bytes = new byte[] {(byte) ((bytes[0] >> tg.bit) & 1)};
            }
            int length =
                    tg.dataTsize == 0x03
                            ? 1
                            : tg.dataTsize <= 0x05 ? 8 * bytes.length : bytes.length;
            out.writeBytes(
                    new byte[] {
                        (byte) 0xFF, (byte) tg.dataTsize, (byte) (length >> 8), (byte) length
                    });
            out.writeBytes(bytes);
            if (bytes.length % 2 == 1 && i + 1 < n) {
                out.write(0); // fill byte before the next item
            }
        }
        if (12 + 2 + out.size() > pdu) {
            return send(ack(ref, 0x85, 0x00));
        }
        return send(ackData(ref, new byte[] {0x04, (byte) n}, out.toByteArray()));
    }

    private Reply write(int ref, byte[] param, byte[] data) {
        int n = param.length >= 2 ? param[1] & 0xFF : 0;
        if (n == 0 || param.length != 2 + 12 * n) {
            return send(ack(ref, 0x85, 0x00));
        }
        // The data part: per item a return code (0), data transport size, length, data, and a fill
        // byte after odd data that another item follows.
        List<byte[]> values = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < n; i++) {
            if (at + 4 > data.length) {
                return send(ack(ref, 0x85, 0x00));
            }
            int ts = data[at + 1] & 0xFF;
            int length = u16(data, at + 2);
            int bytes = ts == 0x03 || ts == 0x04 || ts == 0x05 ? (length + 7) / 8 : length;
            if (at + 4 + bytes > data.length) {
                return send(ack(ref, 0x85, 0x00));
            }
            values.add(java.util.Arrays.copyOfRange(data, at + 4, at + 4 + bytes));
            sizes.add(ts == 0x03 ? -length : bytes); // a BIT's length in bits, negated
            at += 4 + bytes + (bytes % 2 == 1 && i + 1 < n ? 1 : 0);
        }
        if (at != data.length) {
            return send(ack(ref, 0x85, 0x00));
        }
        byte[] codes = new byte[n];
        for (int i = 0; i < n; i++) {
            Object t = target(param, 2 + 12 * i);
            if (t instanceof Integer rc) {
                codes[i] = rc.byteValue();
                continue;
            }
            Target tg = (Target) t;
            byte[] v = values.get(i);
            if (tg.area == S7Area.T || tg.area == S7Area.C) {
                codes[i] = (byte) S7Memory.RC_ACCESS_DENIED;
            } else if (tg.dataTsize == 0x03 ? sizes.get(i) != -1 : v.length != tg.length) {
                codes[i] = (byte) S7Memory.RC_TYPE_INCONSISTENT;
            } else {
                if (tg.dataTsize == 0x03) {
                    memory.writeBit(tg.area, tg.db, tg.offset, tg.bit, (v[0] & 1) == 1);
                } else {
                    memory.write(tg.area, tg.db, tg.offset, v);
                }
                codes[i] = (byte) S7Memory.RC_SUCCESS;
            }
        }
        return send(ackData(ref, new byte[] {0x05, (byte) n}, codes));
    }

    /** The S7 PDU in COTP DT TPDUs of at most the negotiated TPDU size (EOT on the last). */
    private Reply send(byte[] s7) {
        int room = tpduSize - 3;
        List<byte[]> frames = new ArrayList<>();
        for (int at = 0; at < s7.length; at += room) {
            int n = Math.min(room, s7.length - at);
            byte[] dt = new byte[3 + n];
            dt[0] = 2;
            dt[1] = (byte) COTP_DT;
            dt[2] = (byte) (at + n == s7.length ? 0x80 : 0x00);
            System.arraycopy(s7, at, dt, 3, n);
            frames.add(tpkt(dt));
        }
        return new Reply(frames, false, null);
    }

    /** An Ack (ROSCTR 2) with a header error, no parameter, no data. */
    static byte[] ack(int ref, int errorClass, int errorCode) {
        return ByteBuffer.allocate(12)
                .put((byte) 0x32)
                .put((byte) 2)
                .putShort((short) 0)
                .putShort((short) ref)
                .putShort((short) 0)
                .putShort((short) 0)
                .put((byte) errorClass)
                .put((byte) errorCode)
                .array();
    }

    static byte[] ackData(int ref, byte[] param, byte[] data) {
        return ByteBuffer.allocate(12 + param.length + data.length)
                .put((byte) 0x32)
                .put((byte) 3)
                .putShort((short) 0)
                .putShort((short) ref)
                .putShort((short) param.length)
                .putShort((short) data.length)
                .putShort((short) 0)
                .put(param)
                .put(data)
                .array();
    }

    private byte[] dr(int reason) {
        return tpkt(
                ByteBuffer.allocate(7)
                        .put((byte) 6)
                        .put((byte) COTP_DR)
                        .putShort((short) remoteRef)
                        .putShort((short) localRef)
                        .put((byte) reason)
                        .array());
    }

    private byte[] dc() {
        return tpkt(
                ByteBuffer.allocate(6)
                        .put((byte) 5)
                        .put((byte) COTP_DC)
                        .putShort((short) remoteRef)
                        .putShort((short) localRef)
                        .array());
    }

    static byte[] tpkt(byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length)
                .put((byte) 3)
                .put((byte) 0)
                .putShort((short) (4 + payload.length))
                .put(payload)
                .array();
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static String tpduName(int code) {
        return switch (code) {
            case COTP_CR -> "a COTP CR";
            case COTP_CC -> "a COTP CC";
            case COTP_DR -> "a COTP DR";
            case COTP_DC -> "a COTP DC";
            case COTP_DT -> "a COTP DT";
            default -> String.format("a COTP TPDU of code 0x%02x", code);
        };
    }
}
