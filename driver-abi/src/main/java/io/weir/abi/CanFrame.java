package io.weir.abi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * ABI.md §6.4 (1.1): one classic or FD CAN frame as it crosses the boundary in {@code rx} and
 * {@code tx}: an 8-byte header ({@code id} u32 LE, {@code flags}, {@code len}, {@code dlc}, a
 * reserved 0) followed by {@code len} data bytes. Also written and read in candump notation ({@code
 * 18FEF100#FF00}, {@code 123##1AABB}, {@code 321#R4}), as vector files and ABI.md write frames.
 *
 * @param id the identifier: 11 bits, or 29 with {@link Flag#EXT}
 * @param flags the {@link Flag} bits
 * @param dlc the 4-bit data length code as on the bus; for {@link Flag#RTR} the requested length
 * @param data the data bytes (none for a remote frame)
 */
public record CanFrame(int id, int flags, int dlc, byte[] data) {

    /** §6.4 frame flags. */
    public enum Flag implements BitFlag {
        EXT(0),
        RTR(1),
        FDF(2),
        BRS(3),
        ESI(4);

        private final int bit;

        Flag(int bit) {
            this.bit = bit;
        }

        @Override
        public int bit() {
            return bit;
        }
    }

    /** One field of the header, as ABI.md's §6.4 table lists it. */
    public record Field(int offset, int size, String name) {}

    /** The header fields in order; {@code data} follows at offset 8. */
    public static final List<Field> HEADER_FIELDS =
            List.of(
                    new Field(0, 4, "id"),
                    new Field(4, 1, "flags"),
                    new Field(5, 1, "len"),
                    new Field(6, 1, "dlc"),
                    new Field(7, 1, "reserved"));

    /** ISO 11898-1: the data bytes of an FD frame for data length codes 9 … 15. */
    private static final int[] FD_LENGTHS = {12, 16, 20, 24, 32, 48, 64};

    private static final int KNOWN_FLAGS = 0x1F;

    public CanFrame {
        if (data == null) {
            throw new IllegalArgumentException("a CAN frame needs its data bytes (none: empty)");
        }
        if ((flags & ~KNOWN_FLAGS) != 0 || flags < 0) {
            throw new IllegalArgumentException(
                    String.format(
                            "CAN frame flags 0x%02x have bits that ABI §6.4 does not define",
                            flags));
        }
        boolean ext = Flag.EXT.isSet(flags);
        long maxId = ext ? 0x1FFF_FFFFL : 0x7FF;
        if (id < 0 || id > maxId) {
            throw new IllegalArgumentException(
                    String.format(
                            "CAN identifier 0x%x does not fit %s (at most 0x%x, ABI §6.4)",
                            id & 0xFFFF_FFFFL, ext ? "29 bits" : "11 bits without EXT", maxId));
        }
        if (dlc < 0 || dlc > 15) {
            throw new IllegalArgumentException("CAN dlc " + dlc + " is not a 4-bit code 0..15");
        }
        boolean fd = Flag.FDF.isSet(flags);
        if (fd && Flag.RTR.isSet(flags)) {
            throw new IllegalArgumentException("an FD frame (FDF) has no remote form (RTR)");
        }
        if (!fd && (Flag.BRS.isSet(flags) || Flag.ESI.isSet(flags))) {
            throw new IllegalArgumentException("BRS and ESI exist only on FD frames (FDF)");
        }
        int want = Flag.RTR.isSet(flags) ? 0 : dataLength(dlc, fd);
        if (data.length != want) {
            throw new IllegalArgumentException(
                    "CAN "
                            + (Flag.RTR.isSet(flags) ? "remote" : fd ? "FD" : "classic")
                            + " frame with dlc "
                            + dlc
                            + " carries "
                            + want
                            + " data bytes, not "
                            + data.length
                            + " (ABI §6.4)");
        }
        data = data.clone();
    }

    /** A classic data frame with {@code dlc} = the number of bytes. */
    public static CanFrame classic(int id, boolean extended, byte[] data) {
        return new CanFrame(id, extended ? Flag.EXT.mask() : 0, data.length, data);
    }

    /**
     * §6.4: the data bytes a frame with this data length code carries: {@code min(dlc, 8)} for a
     * classic frame, 0–8, 12, 16, 20, 24, 32, 48, 64 for an FD frame.
     */
    public static int dataLength(int dlc, boolean fd) {
        if (dlc < 0 || dlc > 15) {
            throw new IllegalArgumentException("CAN dlc " + dlc + " is not a 4-bit code 0..15");
        }
        if (dlc <= 8) {
            return dlc;
        }
        return fd ? FD_LENGTHS[dlc - 9] : 8;
    }

    /** The data length code of an FD frame with {@code len} data bytes, or -1 if none fits. */
    public static int fdDlcOf(int len) {
        if (len >= 0 && len <= 8) {
            return len;
        }
        for (int i = 0; i < FD_LENGTHS.length; i++) {
            if (FD_LENGTHS[i] == len) {
                return 9 + i;
            }
        }
        return -1;
    }

    public boolean extended() {
        return Flag.EXT.isSet(flags);
    }

    public boolean remote() {
        return Flag.RTR.isSet(flags);
    }

    public boolean fd() {
        return Flag.FDF.isSet(flags);
    }

    /** The encoded size: the 8-byte header and the data. */
    public int encodedLength() {
        return Abi.CAN_HEADER_SIZE + data.length;
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The encoded frame, §6.4. */
    public byte[] encode() {
        byte[] b = new byte[encodedLength()];
        PointRecord.putU32(b, 0, id);
        b[4] = (byte) flags;
        b[5] = (byte) data.length;
        b[6] = (byte) dlc;
        b[7] = 0;
        System.arraycopy(data, 0, b, Abi.CAN_HEADER_SIZE, data.length);
        return b;
    }

    /**
     * Decodes the frame at {@code buf[off..]}, of which {@code available} bytes are valid, checking
     * every rule of §6.4.
     *
     * @throws IllegalArgumentException naming the broken rule
     */
    public static CanFrame decode(byte[] buf, int off, int available) {
        if (available < Abi.CAN_HEADER_SIZE) {
            throw new IllegalArgumentException(
                    "a CAN frame needs its 8-byte header, " + available + " bytes given");
        }
        int id = PointRecord.u32(buf, off);
        if ((id & 0xE000_0000) != 0) {
            throw new IllegalArgumentException(
                    String.format(
                            "CAN id field 0x%08x has bits 29-31 set (ABI §6.4: 0)",
                            id & 0xFFFF_FFFFL));
        }
        int flags = buf[off + 4] & 0xFF;
        int len = buf[off + 5] & 0xFF;
        int dlc = buf[off + 6] & 0xFF;
        if (buf[off + 7] != 0) {
            throw new IllegalArgumentException("CAN header byte 7 is reserved and must be 0");
        }
        if (Abi.CAN_HEADER_SIZE + len > available) {
            throw new IllegalArgumentException(
                    "CAN frame says len "
                            + len
                            + ", but only "
                            + (available - Abi.CAN_HEADER_SIZE)
                            + " data bytes follow its header");
        }
        return new CanFrame(
                id,
                flags,
                dlc,
                Arrays.copyOfRange(
                        buf, off + Abi.CAN_HEADER_SIZE, off + Abi.CAN_HEADER_SIZE + len));
    }

    /**
     * §6.4 "Sending": the frames in {@code tx[0..len]}, back to back, filling it exactly.
     *
     * @throws IllegalArgumentException at the first malformed frame, naming its offset
     */
    public static List<CanFrame> decodeAll(byte[] buf, int off, int len) {
        List<CanFrame> frames = new ArrayList<>();
        int at = 0;
        while (at < len) {
            try {
                CanFrame f = decode(buf, off + at, len - at);
                frames.add(f);
                at += f.encodedLength();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "CAN frame at offset " + at + ": " + e.getMessage(), e);
            }
        }
        return frames;
    }

    /**
     * Parses candump notation: {@code ID#DATA} (classic; 3 hex digits for a base identifier, 8 for
     * an extended one; data bytes may be separated by dots), {@code ID#R} with an optional length
     * digit 0–8 (remote), {@code ID##F} followed by data (FD; F is a hex digit: 1 = BRS, 2 = ESI).
     * Classic frames with dlc 9–15 (candump's {@code _} suffix) are not written this way.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static CanFrame parseCandump(String text) {
        int hash = text.indexOf('#');
        if (hash < 0) {
            throw new IllegalArgumentException(
                    "CAN frame \"" + text + "\" has no '#' (candump notation ID#DATA)");
        }
        String idText = text.substring(0, hash);
        boolean extended;
        if (idText.length() == 3) {
            extended = false;
        } else if (idText.length() == 8) {
            extended = true;
        } else {
            throw new IllegalArgumentException(
                    "CAN frame \""
                            + text
                            + "\": identifier \""
                            + idText
                            + "\" must be 3 hex digits (11-bit) or 8 (29-bit)");
        }
        int id = (int) hexNumber(idText, text);
        String rest = text.substring(hash + 1);
        int flags = extended ? Flag.EXT.mask() : 0;
        try {
            if (rest.startsWith("#")) {
                if (rest.length() < 2) {
                    throw new IllegalArgumentException("FD frame needs a flags digit after \"##\"");
                }
                int fdFlags = (int) hexNumber(rest.substring(1, 2), text);
                if ((fdFlags & ~0x7) != 0) {
                    throw new IllegalArgumentException(
                            "FD flags digit " + rest.charAt(1) + " has bits other than 1, 2, 4");
                }
                flags |= Flag.FDF.mask();
                if ((fdFlags & 1) != 0) {
                    flags |= Flag.BRS.mask();
                }
                if ((fdFlags & 2) != 0) {
                    flags |= Flag.ESI.mask();
                }
                byte[] data = hexData(rest.substring(2));
                int dlc = fdDlcOf(data.length);
                if (dlc < 0) {
                    throw new IllegalArgumentException(
                            data.length
                                    + " data bytes is no FD length (0-8, 12, 16, 20, 24, 32, 48,"
                                    + " 64)");
                }
                return new CanFrame(id, flags, dlc, data);
            }
            if (rest.startsWith("R") || rest.startsWith("r")) {
                int dlc = 0;
                if (rest.length() == 2 && rest.charAt(1) >= '0' && rest.charAt(1) <= '8') {
                    dlc = rest.charAt(1) - '0';
                } else if (rest.length() != 1) {
                    throw new IllegalArgumentException(
                            "a remote frame is ID#R or ID#R plus one length digit 0-8");
                }
                return new CanFrame(id, flags | Flag.RTR.mask(), dlc, new byte[0]);
            }
            if (rest.contains("_")) {
                throw new IllegalArgumentException(
                        "dlc 9-15 of classic frames (candump's '_') is not supported; write hex");
            }
            byte[] data = hexData(rest);
            if (data.length > 8) {
                throw new IllegalArgumentException(
                        "a classic frame carries at most 8 data bytes, not " + data.length);
            }
            return new CanFrame(id, flags, data.length, data);
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("CAN frame \"")) {
                throw e;
            }
            throw new IllegalArgumentException("CAN frame \"" + text + "\": " + e.getMessage(), e);
        }
    }

    /** The frame in candump notation, upper-case as candump prints it. */
    public String toCandump() {
        StringBuilder sb =
                new StringBuilder(
                        extended() ? String.format("%08X", id) : String.format("%03X", id));
        sb.append('#');
        if (remote()) {
            if (dlc > 8) {
                throw new IllegalStateException(
                        "candump notation for a remote frame with dlc "
                                + dlc
                                + " is not supported");
            }
            sb.append('R');
            if (dlc > 0) {
                sb.append(dlc);
            }
            return sb.toString();
        }
        if (fd()) {
            int f = (Flag.BRS.isSet(flags) ? 1 : 0) | (Flag.ESI.isSet(flags) ? 2 : 0);
            sb.append('#').append(Integer.toHexString(f).toUpperCase(Locale.ROOT));
        } else if (dlc > 8) {
            throw new IllegalStateException(
                    "candump notation for a classic frame with dlc " + dlc + " is not supported");
        }
        sb.append(HexFormat.of().withUpperCase().formatHex(data));
        return sb.toString();
    }

    private static long hexNumber(String digits, String text) {
        if (digits.isEmpty() || !digits.matches("[0-9A-Fa-f]+")) {
            throw new IllegalArgumentException(
                    "CAN frame \"" + text + "\": \"" + digits + "\" is not hexadecimal");
        }
        return Long.parseLong(digits, 16);
    }

    private static byte[] hexData(String digits) {
        String compact = digits.replace(".", "");
        if (compact.length() % 2 != 0 || !compact.matches("[0-9A-Fa-f]*")) {
            throw new IllegalArgumentException("data \"" + digits + "\" is not whole hex bytes");
        }
        return HexFormat.of().parseHex(compact);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CanFrame f
                && f.id == id
                && f.flags == flags
                && f.dlc == dlc
                && Arrays.equals(f.data, data);
    }

    @Override
    public int hashCode() {
        return ((id * 31 + flags) * 31 + dlc) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "CanFrame[" + (dlc > 8 && !fd() ? "dlc " + dlc + " " : "") + candumpOrHex() + "]";
    }

    private String candumpOrHex() {
        try {
            return toCandump();
        } catch (IllegalStateException e) {
            return HexFormat.of().formatHex(encode());
        }
    }
}
