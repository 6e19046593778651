package io.weir.tools.bench;

import io.weir.abi.Abi;
import java.io.ByteArrayOutputStream;

/**
 * Multi-megabyte driver modules made from the fixture driver, for {@code weir bench faults}: one a
 * byte over the module size cap (ABI §9), and one just under it whose size is all code, to show
 * what the cap still lets a module cost at load (parse, check, compile). Built here, never
 * committed.
 */
final class BigModules {
    private BigModules() {}

    /** {@code module} with a custom section that makes it {@code size} bytes long. */
    static byte[] padded(byte[] module, int size) {
        // id, a 4-byte LEB128 size, a 3-byte name with its length byte
        int payload = size - module.length - 1 - 4 - 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        out.writeBytes(module);
        out.write(0);
        leb4(out, 4 + payload);
        out.writeBytes(new byte[] {3, 'p', 'a', 'd'});
        out.writeBytes(new byte[payload]);
        return out.toByteArray();
    }

    /**
     * {@code module} with functions of type {@code () -> ()} appended until it is about {@code
     * size} bytes: each body is a thousand {@code i32.const 1; drop}. The functions are not
     * exported; the exports keep their indexes (new functions come last).
     */
    static byte[] withCode(byte[] module, int size) {
        Sections s = new Sections(module);
        int voidType = s.voidType();
        byte[] body = new byte[1 + 1000 * 3 + 1];
        body[0] = 0; // no locals
        for (int i = 0; i < 1000; i++) {
            body[1 + 3 * i] = 0x41; // i32.const
            body[2 + 3 * i] = 0x01;
            body[3 + 3 * i] = 0x1a; // drop
        }
        body[body.length - 1] = 0x0b; // end
        int perFunction = body.length + 3;
        int extra = Math.max(1, (size - module.length - 64) / (perFunction + 1));
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        out.writeBytes(java.util.Arrays.copyOf(module, 8));
        for (int[] sec : s.list) {
            int id = sec[0];
            byte[] content = java.util.Arrays.copyOfRange(module, sec[1], sec[1] + sec[2]);
            if (id == 3 || id == 10) {
                ByteArrayOutputStream c = new ByteArrayOutputStream();
                int[] count = Sections.leb(content, 0);
                leb(c, count[0] + extra);
                c.write(content, count[1], content.length - count[1]);
                for (int f = 0; f < extra; f++) {
                    if (id == 3) {
                        leb(c, voidType);
                    } else {
                        leb(c, body.length);
                        c.writeBytes(body);
                    }
                }
                content = c.toByteArray();
            }
            out.write(id);
            leb(out, content.length);
            out.writeBytes(content);
        }
        return out.toByteArray();
    }

    /** The sections of a module: {id, offset of contents, size}. */
    private static final class Sections {
        final byte[] m;
        final java.util.List<int[]> list = new java.util.ArrayList<>();

        Sections(byte[] m) {
            this.m = m;
            int pos = 8;
            while (pos < m.length) {
                int id = m[pos++] & 0xFF;
                int[] size = leb(m, pos);
                pos += size[1];
                list.add(new int[] {id, pos, size[0]});
                pos += size[0];
            }
        }

        /** The index of the type {@code () -> ()}, which every driver has (weir_abi_v1). */
        int voidType() {
            for (int[] sec : list) {
                if (sec[0] != 1) {
                    continue;
                }
                int pos = sec[1];
                int[] count = leb(m, pos);
                pos += count[1];
                for (int t = 0; t < count[0]; t++) {
                    pos++; // 0x60
                    int[] params = leb(m, pos);
                    pos += params[1] + params[0];
                    int[] results = leb(m, pos);
                    pos += results[1] + results[0];
                    if (params[0] == 0 && results[0] == 0) {
                        return t;
                    }
                }
            }
            throw new IllegalStateException(
                    "no () -> () type in the fixture; every driver has one");
        }

        static int[] leb(byte[] b, int pos) {
            int value = 0;
            for (int i = 0; i < 5; i++) {
                int x = b[pos + i] & 0xFF;
                value |= (x & 0x7F) << (7 * i);
                if ((x & 0x80) == 0) {
                    return new int[] {value, i + 1};
                }
            }
            throw new IllegalStateException("LEB128 longer than 5 bytes at " + pos);
        }
    }

    private static void leb(ByteArrayOutputStream out, long v) {
        do {
            int b = (int) (v & 0x7f);
            v >>>= 7;
            out.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
    }

    private static void leb4(ByteArrayOutputStream out, int v) {
        out.write(v & 0x7f | 0x80);
        out.write(v >>> 7 & 0x7f | 0x80);
        out.write(v >>> 14 & 0x7f | 0x80);
        out.write(v >>> 21 & 0x7f);
    }

    static final int CAP = Abi.MODULE_SIZE_CAP_BYTES;
}
