package io.weir.host.serial;

import com.ghgande.j2mod.modbus.util.ModbusUtil;
import java.util.Arrays;

/**
 * Modbus RTU frames for the tests (Modbus over Serial Line v1.02 §2.5.1: address, PDU, CRC-16 low
 * byte first). The CRC is j2mod's, so the frames are checked by an implementation other than the
 * one under test.
 */
final class Rtu {
    private Rtu() {}

    /** FC3 Read Holding Registers. */
    static byte[] readHolding(int unit, int address, int count) {
        return withCrc(
                new byte[] {
                    (byte) unit,
                    3,
                    (byte) (address >> 8),
                    (byte) address,
                    (byte) (count >> 8),
                    (byte) count
                });
    }

    /** FC6 Write Single Register. */
    static byte[] writeSingle(int unit, int address, int value) {
        return withCrc(
                new byte[] {
                    (byte) unit,
                    6,
                    (byte) (address >> 8),
                    (byte) address,
                    (byte) (value >> 8),
                    (byte) value
                });
    }

    static byte[] withCrc(byte[] body) {
        int[] crc = ModbusUtil.calculateCRC(body, 0, body.length);
        byte[] f = Arrays.copyOf(body, body.length + 2);
        f[body.length] = (byte) crc[0];
        f[body.length + 1] = (byte) crc[1];
        return f;
    }

    static boolean crcOk(byte[] f) {
        if (f.length < 4) {
            return false;
        }
        int[] crc = ModbusUtil.calculateCRC(f, 0, f.length - 2);
        return (f[f.length - 2] & 0xFF) == crc[0] && (f[f.length - 1] & 0xFF) == crc[1];
    }

    /**
     * The length of the response frame that starts with {@code b[0..n]}, or -1 if not known yet.
     */
    static int responseLength(byte[] b, int n) {
        if (n < 2) {
            return -1;
        }
        int fc = b[1] & 0xFF;
        if ((fc & 0x80) != 0) {
            return 5;
        }
        return switch (fc) {
            case 1, 2, 3, 4 -> n < 3 ? -1 : 3 + (b[2] & 0xFF) + 2;
            case 5, 6, 15, 16 -> 8;
            default -> 2;
        };
    }

    /** The registers of an FC3/FC4 response. */
    static int[] registers(byte[] f) {
        int count = (f[2] & 0xFF) / 2;
        int[] r = new int[count];
        for (int i = 0; i < count; i++) {
            r[i] = ((f[3 + 2 * i] & 0xFF) << 8) | (f[4 + 2 * i] & 0xFF);
        }
        return r;
    }
}
