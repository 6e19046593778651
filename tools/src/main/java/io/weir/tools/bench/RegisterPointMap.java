package io.weir.tools.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A point map of holding registers that the Modbus driver reads with one FC3 request, as the decode
 * benchmark uses it: the driver's config text (ABI §5) and the same map for the Java decoder.
 *
 * @param name the map's name in the results, e.g. {@code u16x10}
 * @param points the points, in point-index order
 */
record RegisterPointMap(String name, List<RegisterPointMap.Entry> points) {

    /** The register types of the Modbus driver (its README, "Point keys"). */
    enum Type {
        U16(1),
        I16(1),
        U32(2),
        I32(2),
        F32(2),
        U64(4),
        I64(4),
        F64(4),
        /** One bit of a register ({@code type=bool bit=N}). */
        BOOL(1);

        final int registers;

        Type(int registers) {
            this.registers = registers;
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Byte and word order of a multi-register value, named by the letters of the big-endian value
     * in wire order (the Modbus driver's README, "Byte orders").
     */
    enum Order {
        ABCD,
        CDAB,
        BADC,
        DCBA
    }

    /**
     * One point.
     *
     * @param address 0-based holding register address
     * @param bit for {@link Type#BOOL}: which bit of the register, 0 = least significant
     * @param scale with {@code scaled}: value = raw × scale + offset, as F64
     */
    record Entry(
            int address,
            Type type,
            Order order,
            int bit,
            boolean scaled,
            double scale,
            double offset) {

        int end() {
            return address + type.registers;
        }
    }

    RegisterPointMap {
        points = List.copyOf(points);
        if (points.isEmpty()) {
            throw new IllegalArgumentException("map " + name + " has no points");
        }
        int span =
                points.stream().mapToInt(Entry::end).max().orElseThrow()
                        - points.stream().mapToInt(Entry::address).min().orElseThrow();
        if (span > 125) {
            // Modbus AP v1.1b3 §6.3: one FC3 request reads at most 125 registers.
            throw new IllegalArgumentException(
                    "map " + name + " spans " + span + " registers, more than one request");
        }
    }

    /** The first register the request reads. */
    int start() {
        return points.stream().mapToInt(Entry::address).min().orElseThrow();
    }

    /** Registers the one request reads. */
    int quantity() {
        return points.stream().mapToInt(Entry::end).max().orElseThrow() - start();
    }

    /** The config text of ABI §5, as the host hands it to {@code weir_open}. */
    String configText() {
        return configText(null);
    }

    /** The config text, with the host key {@code weir.transport} when {@code transport} is set. */
    String configText(String transport) {
        StringBuilder b =
                new StringBuilder(
                        transport == null
                                ? "device unit=1\n"
                                : "device unit=1 weir.transport=" + transport + "\n");
        for (int i = 0; i < points.size(); i++) {
            Entry e = points.get(i);
            b.append("point ")
                    .append(i)
                    .append(" area=holding address=")
                    .append(e.address())
                    .append(" type=")
                    .append(e.type().key());
            if (e.type() == Type.BOOL) {
                b.append(" bit=").append(e.bit());
            } else if (e.order() != Order.ABCD) {
                b.append(" order=").append(e.order());
            }
            if (e.scaled()) {
                b.append(" scale=").append(e.scale()).append(" offset=").append(e.offset());
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** {@code p0}, {@code p1} … */
    List<String> pointNames() {
        List<String> names = new ArrayList<>(points.size());
        for (int i = 0; i < points.size(); i++) {
            names.add("p" + i);
        }
        return names;
    }

    /** {@code n} u16 points at registers 0 … n−1. */
    static RegisterPointMap u16s(int n) {
        List<Entry> e = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            e.add(new Entry(i, Type.U16, Order.ABCD, 0, false, 1, 0));
        }
        return new RegisterPointMap("u16x" + n, e);
    }

    /** Six points of six types in four orders, one of them scaled. */
    static RegisterPointMap mixed6() {
        List<Entry> e = new ArrayList<>();
        e.add(new Entry(0, Type.U16, Order.ABCD, 0, false, 1, 0));
        e.add(new Entry(1, Type.I16, Order.BADC, 0, false, 1, 0));
        e.add(new Entry(2, Type.U32, Order.CDAB, 0, false, 1, 0));
        e.add(new Entry(4, Type.F32, Order.ABCD, 0, true, 0.1, -5));
        e.add(new Entry(6, Type.I64, Order.DCBA, 0, false, 1, 0));
        e.add(new Entry(10, Type.F64, Order.CDAB, 0, false, 1, 0));
        return new RegisterPointMap("mixed6", e);
    }

    /**
     * {@code n} points cycling through every register type (register bits included) and the four
     * orders, every fifth one scaled, packed back to back.
     */
    static RegisterPointMap mixed(int n) {
        Type[] types = Type.values();
        Order[] orders = Order.values();
        List<Entry> e = new ArrayList<>();
        int address = 0;
        for (int i = 0; i < n; i++) {
            Type t = types[i % types.length];
            Order o = t == Type.BOOL ? Order.ABCD : orders[(i / types.length + i) % orders.length];
            boolean scaled = t != Type.BOOL && i % 5 == 4;
            e.add(new Entry(address, t, o, i % 16, scaled, 0.5, 10));
            address += t.registers;
        }
        return new RegisterPointMap("mixed" + n, e);
    }

    /** The four maps of the decode benchmark. */
    static List<RegisterPointMap> standard() {
        return List.of(u16s(10), u16s(100), mixed6(), mixed(50));
    }

    /** Register values for the request's range: pseudo-random, the same every run. */
    int[] registers(long seed) {
        Random r = new Random(seed);
        int[] regs = new int[quantity()];
        for (int i = 0; i < regs.length; i++) {
            regs[i] = r.nextInt(0x10000);
        }
        return regs;
    }
}
