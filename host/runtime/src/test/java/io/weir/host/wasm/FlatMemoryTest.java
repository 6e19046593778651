package io.weir.host.wasm;

import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import io.weir.host.driver.Fuzz;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

/**
 * {@link FlatMemory} against Chicory's own {@link ByteArrayMemory}: random sequences of every
 * operation the compiled code and the host use, at addresses around the edges of memory and of its
 * pages, give the same results, the same traps and the same bytes.
 */
class FlatMemoryTest {

    private static final int PAGE = Memory.PAGE_SIZE;

    /** One operation; addresses are chosen against the memory's size when it runs. */
    record Op(int kind, int where, int pick, long value, int len, int where2, int pick2) {}

    record Script(int initial, int max, List<Op> ops) {}

    private static final int KINDS = 40;

    private static Gen<Script> scripts() {
        return in -> {
            int initial = (int) in.next(Constraint.between(0, 3));
            int max = initial + (int) in.next(Constraint.between(0, 3));
            int n = (int) in.next(Constraint.between(1, 60));
            List<Op> ops = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ops.add(
                        new Op(
                                (int) in.next(Constraint.between(0, KINDS - 1)),
                                (int) in.next(Constraint.between(0, 5)),
                                (int)
                                        in.next(
                                                Constraint.between(
                                                        Integer.MIN_VALUE, Integer.MAX_VALUE)),
                                in.next(Constraint.between(Long.MIN_VALUE, Long.MAX_VALUE)),
                                (int) in.next(Constraint.between(-2, 40)),
                                (int) in.next(Constraint.between(0, 5)),
                                (int)
                                        in.next(
                                                Constraint.between(
                                                        Integer.MIN_VALUE, Integer.MAX_VALUE))));
            }
            return new Script(initial, max, ops);
        };
    }

    /** An address near where checks go wrong, from a selector and a random pick. */
    static int address(int where, int pick, int size) {
        int small = Math.floorMod(pick, 24);
        return switch (where) {
            case 0 -> size - small + 8; // around the end, both sides
            case 1 -> size == 0 ? small : Math.floorMod(pick, size); // anywhere inside
            case 2 -> small; // around zero
            case 3 -> PAGE * (1 + Math.floorMod(pick >> 8, 4)) - 8 + Math.floorMod(pick, 16);
            case 4 -> pick; // any int, negative ones too
            default -> Integer.MIN_VALUE + small - 12; // negative, and wrapping past 2^31
        };
    }

    /** What an operation gave: its value, or the trap. */
    record Outcome(Object value, RuntimeException trap) {}

    static Outcome run(Memory m, Op op, int size) {
        int a = address(op.where(), op.pick(), size);
        int b = address(op.where2(), op.pick2(), size);
        // The atomics' addresses are aligned, as Chicory's compiled code checks before it calls.
        // No 8-bit add, exchange or compare-exchange here: C2 miscompiles ByteArrayMemory's (see
        // everyAtomicOperationDoesWhatTheThreadsProposalSays, which checks all 32 on a model).
        long v = op.value();
        try {
            Object r =
                    switch (op.kind()) {
                        case 0 -> m.read(a);
                        case 1 -> m.readShort(a);
                        case 2 -> m.readInt(a);
                        case 3 -> m.readLong(a);
                        case 4 -> Float.floatToRawIntBits(m.readFloat(a));
                        case 5 -> Double.doubleToRawLongBits(m.readDouble(a));
                        case 6 -> m.readU16(a);
                        case 7 -> m.readF32(a);
                        case 8 -> m.readF64(a);
                        case 9 -> m.readU8(a);
                        case 10 -> {
                            m.writeByte(a, (byte) v);
                            yield null;
                        }
                        case 11 -> {
                            m.writeShort(a, (short) v);
                            yield null;
                        }
                        case 12 -> {
                            m.writeI32(a, (int) v);
                            yield null;
                        }
                        case 13 -> {
                            m.writeLong(a, v);
                            yield null;
                        }
                        case 14 -> {
                            m.writeF32(a, Float.intBitsToFloat((int) v));
                            yield null;
                        }
                        case 15 -> {
                            m.writeF64(a, Double.longBitsToDouble(v));
                            yield null;
                        }
                        case 16 -> List.of(toList(m.readBytes(a, op.len())));
                        case 17 -> {
                            byte[] data = new byte[Math.max(0, op.len()) + 4];
                            Arrays.fill(data, (byte) v);
                            m.write(a, data, (int) (v & 3), op.len());
                            yield null;
                        }
                        case 18 -> {
                            m.fill((byte) v, a, a + op.len());
                            yield null;
                        }
                        case 19 -> {
                            m.copy(a, b, op.len());
                            yield null;
                        }
                        case 20, 21 -> m.grow(Math.floorMod(op.pick2(), 3));
                        case 22 -> m.grow(op.pick2());
                        case 23 -> m.pages();
                        case 24 -> m.atomicAddInt(a & ~3, (int) v);
                        case 25 -> m.atomicCmpxchgInt(a & ~3, (int) (v >>> 32), (int) v);
                        case 26 -> m.atomicXchgLong(a & ~7, v);
                        case 27 -> m.atomicAndLong(a & ~7, v);
                        case 28 -> m.atomicOrShort(a & ~1, (short) v);
                        case 29 -> m.atomicXorByte(a, (byte) v);
                        case 30 -> m.atomicReadLong(a & ~7);
                        case 31 -> {
                            m.atomicWriteInt(a & ~3, (int) v);
                            yield null;
                        }
                        case 32 -> m.atomicCmpxchgInt(a & ~3, 0, (int) v);
                        case 33 -> m.atomicAddShort(a & ~1, (short) v);
                        case 34 -> m.atomicXchgShort(a & ~1, (short) v);
                        case 35 -> m.readString(a, Math.max(0, op.len()));
                        case 36 -> m.atomicNotify(a & ~3, 1);
                        case 37 -> {
                            m.writeString(a, "wasm" + (v & 0xFF));
                            yield null;
                        }
                        case 38 -> m.atomicCmpxchgLong(a & ~7, 0L, v);
                        default -> m.atomicReadByte(a);
                    };
            return new Outcome(r, null);
        } catch (RuntimeException e) {
            return new Outcome(null, e);
        }
    }

    private static Byte[] toList(byte[] b) {
        Byte[] r = new Byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[i];
        }
        return r;
    }

    @Test
    void everyOperationGivesWhatChicorysMemoryGivesAndTrapsWhereItTraps() {
        Fuzz.theory(3000)
                .forAll(scripts())
                .checkAssert(
                        script -> {
                            MemoryLimits limits = new MemoryLimits(script.initial(), script.max());
                            Memory ref = new ByteArrayMemory(limits);
                            FlatMemory flat = new FlatMemory(limits);
                            for (Op op : script.ops()) {
                                int size = ref.pages() * PAGE;
                                Outcome want = run(ref, op, size);
                                Outcome got = run(flat, op, size);
                                String what = op + " at size " + size;
                                assertSameOutcome(want, got, what);
                                assertThat(flat.pages()).as(what).isEqualTo(ref.pages());
                            }
                            int size = ref.pages() * PAGE;
                            assertThat(flat.readBytes(0, size)).isEqualTo(ref.readBytes(0, size));
                            assertThat(flat.capacity()).isBetween(size, script.max() * PAGE);
                        });
    }

    /**
     * The 32 atomic loads, stores and read-modify-writes of the threads proposal, each at an
     * aligned address near an edge; a compare-exchange expects the value there half of the time, so
     * both of its outcomes run.
     */
    record AtomicOp(int kind, int where, int pick, long value, boolean expectHeld) {}

    private static final int ATOMIC_KINDS = 32;

    private static Gen<List<AtomicOp>> atomicScripts() {
        return in -> {
            int n = (int) in.next(Constraint.between(1, 80));
            List<AtomicOp> ops = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ops.add(
                        new AtomicOp(
                                (int) in.next(Constraint.between(0, ATOMIC_KINDS - 1)),
                                (int) in.next(Constraint.between(0, 5)),
                                (int)
                                        in.next(
                                                Constraint.between(
                                                        Integer.MIN_VALUE, Integer.MAX_VALUE)),
                                in.next(Constraint.between(Long.MIN_VALUE, Long.MAX_VALUE)),
                                in.next(Constraint.between(0, 1)) == 1));
            }
            return ops;
        };
    }

    /** The width in bytes of atomic operation {@code kind}: byte, short, int, long in turn. */
    private static int width(int kind) {
        return 1 << (kind % 4);
    }

    /** {@code v} in the Java type of {@code width} bytes, as the {@link Memory} methods give it. */
    private static Object typed(int width, long v) {
        return switch (width) {
            case 1 -> (byte) v;
            case 2 -> (short) v;
            case 4 -> (int) v;
            default -> v;
        };
    }

    static Outcome atomic(Memory m, AtomicOp op, int a, long expected) {
        long v = op.value();
        try {
            Object r =
                    switch (op.kind()) {
                        case 0 -> m.atomicReadByte(a);
                        case 1 -> m.atomicReadShort(a);
                        case 2 -> m.atomicReadInt(a);
                        case 3 -> m.atomicReadLong(a);
                        case 4 -> {
                            m.atomicWriteByte(a, (byte) v);
                            yield null;
                        }
                        case 5 -> {
                            m.atomicWriteShort(a, (short) v);
                            yield null;
                        }
                        case 6 -> {
                            m.atomicWriteInt(a, (int) v);
                            yield null;
                        }
                        case 7 -> {
                            m.atomicWriteLong(a, v);
                            yield null;
                        }
                        case 8 -> m.atomicAddByte(a, (byte) v);
                        case 9 -> m.atomicAddShort(a, (short) v);
                        case 10 -> m.atomicAddInt(a, (int) v);
                        case 11 -> m.atomicAddLong(a, v);
                        case 12 -> m.atomicAndByte(a, (byte) v);
                        case 13 -> m.atomicAndShort(a, (short) v);
                        case 14 -> m.atomicAndInt(a, (int) v);
                        case 15 -> m.atomicAndLong(a, v);
                        case 16 -> m.atomicOrByte(a, (byte) v);
                        case 17 -> m.atomicOrShort(a, (short) v);
                        case 18 -> m.atomicOrInt(a, (int) v);
                        case 19 -> m.atomicOrLong(a, v);
                        case 20 -> m.atomicXorByte(a, (byte) v);
                        case 21 -> m.atomicXorShort(a, (short) v);
                        case 22 -> m.atomicXorInt(a, (int) v);
                        case 23 -> m.atomicXorLong(a, v);
                        case 24 -> m.atomicXchgByte(a, (byte) v);
                        case 25 -> m.atomicXchgShort(a, (short) v);
                        case 26 -> m.atomicXchgInt(a, (int) v);
                        case 27 -> m.atomicXchgLong(a, v);
                        case 28 -> m.atomicCmpxchgByte(a, (byte) expected, (byte) v);
                        case 29 -> m.atomicCmpxchgShort(a, (short) expected, (short) v);
                        case 30 -> m.atomicCmpxchgInt(a, (int) expected, (int) v);
                        default -> m.atomicCmpxchgLong(a, expected, v);
                    };
            return new Outcome(r, null);
        } catch (RuntimeException e) {
            return new Outcome(null, e);
        }
    }

    /**
     * What the threads proposal says {@code op} does to {@code memory}, a plain little-endian
     * array: a load gives the value, a store writes it, a read-modify-write gives the old value and
     * writes the operation's result cut to the width, a compare-exchange writes only if the old
     * value equals the expected one in the width; outside memory it traps and writes nothing.
     */
    static Outcome model(byte[] memory, AtomicOp op, int a, long expected) {
        int w = width(op.kind());
        if (Integer.toUnsignedLong(a) + w > memory.length) {
            return new Outcome(
                    null,
                    new WasmRuntimeException(
                            "out of bounds memory access: attempted to access address: " + a));
        }
        ByteBuffer b = ByteBuffer.wrap(memory).order(LITTLE_ENDIAN);
        long old =
                switch (w) {
                    case 1 -> b.get(a);
                    case 2 -> b.getShort(a);
                    case 4 -> b.getInt(a);
                    default -> b.getLong(a);
                };
        long v = op.value();
        Long stored =
                switch (op.kind() / 4) {
                    case 0 -> null; // load
                    case 1, 6 -> v; // store, exchange
                    case 2 -> old + v;
                    case 3 -> old & v;
                    case 4 -> old | v;
                    case 5 -> old ^ v;
                    default -> typed(w, old).equals(typed(w, expected)) ? v : null;
                };
        if (stored != null) {
            switch (w) {
                case 1 -> b.put(a, (byte) (long) stored);
                case 2 -> b.putShort(a, (short) (long) stored);
                case 4 -> b.putInt(a, (int) (long) stored);
                default -> b.putLong(a, stored);
            }
        }
        return new Outcome(op.kind() / 4 == 1 ? null : typed(w, old), null);
    }

    /**
     * The reference here is the proposal's semantics on a plain array, not Chicory's {@link
     * ByteArrayMemory}: on this JDK (17.0.15, x86-64) C2 miscompiles {@code VarHandle.getAndAdd},
     * {@code getAndSet} and {@code compareAndExchange} on a {@code byte[]} element, which
     * ByteArrayMemory's {@code atomicAddByte}, {@code atomicXchgByte} and {@code atomicCmpxchgByte}
     * use: once compiled they give the old byte zero-extended (251 for -5), and boxing such a
     * {@code byte} reads outside the JDK's Byte cache and crashes the JVM. FlatMemory reads and
     * writes plainly and is not affected.
     */
    @Test
    void everyAtomicOperationDoesWhatTheThreadsProposalSaysAndTrapsOutsideMemory() {
        Fuzz.theory(1000)
                .forAll(atomicScripts())
                .checkAssert(
                        ops -> {
                            byte[] want = new byte[PAGE];
                            FlatMemory flat = new FlatMemory(new MemoryLimits(1, 2));
                            for (AtomicOp op : ops) {
                                int w = width(op.kind());
                                int a = address(op.where(), op.pick(), PAGE) & -w;
                                long expected = op.value() >>> 32;
                                if (op.expectHeld() && Integer.toUnsignedLong(a) + w <= PAGE) {
                                    ByteBuffer b = ByteBuffer.wrap(want).order(LITTLE_ENDIAN);
                                    expected =
                                            switch (w) {
                                                case 1 -> b.get(a);
                                                case 2 -> b.getShort(a);
                                                case 4 -> b.getInt(a);
                                                default -> b.getLong(a);
                                            };
                                }
                                String what = op + " at " + a + ", expecting " + expected;
                                assertSameOutcome(
                                        model(want, op, a, expected),
                                        atomic(flat, op, a, expected),
                                        what);
                                // The bytes around the address: the operation wrote its width.
                                int near = (int) Math.min(Integer.toUnsignedLong(a), PAGE);
                                int from = Math.max(0, near - 8);
                                int to = Math.min(PAGE, near + 16);
                                assertThat(flat.readBytes(from, to - from))
                                        .as(what)
                                        .isEqualTo(Arrays.copyOfRange(want, from, to));
                            }
                            assertThat(flat.readBytes(0, PAGE)).isEqualTo(want);
                        });
    }

    /** The same value, or both a trap: this one always Chicory's out-of-bounds trap. */
    private static void assertSameOutcome(Outcome want, Outcome got, String what) {
        if (want.trap() == null) {
            assertThat(got.trap()).as(what).isNull();
            assertThat(got.value()).as(what).isEqualTo(want.value());
            return;
        }
        // Chicory's memory traps with WasmRuntimeException, except where its checks overflow
        // and a raw exception escapes; this one always traps with WasmRuntimeException.
        assertThat(got.trap()).as(what).isNotNull();
        assertThat(got.trap())
                .as(what)
                .isInstanceOf(WasmRuntimeException.class)
                .hasMessageStartingWith("out of bounds memory access");
        if (want.trap() instanceof WasmRuntimeException) {
            assertThat(got.trap().getMessage())
                    .as(what)
                    .startsWith("out of bounds memory access: attempted to access address: ");
        }
    }

    @Test
    void growthIsLimitedByTheAllowanceThenTheMaximum() {
        FlatMemory m = new FlatMemory(new MemoryLimits(1, 10));
        m.allow(3);
        assertThat(m.grow(2)).isEqualTo(1);
        assertThat(m.grow(2)).as("past the allowance").isEqualTo(-1);
        assertThat(m.refused()).isEqualTo(2);
        assertThat(m.grow(5)).isEqualTo(-1);
        assertThat(m.grow(4)).isEqualTo(-1);
        assertThat(m.refused()).as("the largest refusal").isEqualTo(5);
        assertThat(m.grow(1)).as("the rest of the allowance").isEqualTo(3);
        assertThat(m.grow(0)).isEqualTo(4);
        assertThat(m.grow(1)).isEqualTo(-1);
        assertThat(m.pages()).isEqualTo(4);
        m.allow(100);
        assertThat(m.refused()).as("a new allowance forgets refusals").isZero();
        assertThat(m.grow(7)).as("past the maximum").isEqualTo(-1);
        assertThat(m.refused()).as("the maximum refuses, not the host").isZero();
        assertThat(m.grow(6)).isEqualTo(4);
        assertThat(m.pages()).isEqualTo(10);
        assertThat(m.grow(Integer.MIN_VALUE)).isEqualTo(-1);
        assertThat(m.grow(-1)).isEqualTo(-1);
        m.allow(0);
        assertThat(m.grow(0)).isEqualTo(10);
        assertThat(m.grow(-1)).as("a u32 past 2^31 is past any allowance").isEqualTo(-1);
    }

    @Test
    void growingAPageAtATimeCopiesAFewTimesTheFinalSizeNotItsSquare() {
        FlatMemory m = new FlatMemory(new MemoryLimits(1, 256));
        List<Integer> capacities = new ArrayList<>();
        long allocated = 0;
        for (int i = 1; i < 255; i++) {
            int before = m.capacity();
            assertThat(m.grow(1)).isEqualTo(i);
            if (m.capacity() != before) {
                capacities.add(m.capacity() / PAGE);
                allocated += m.capacity();
            }
            assertThat(m.capacity()).isBetween(m.pages() * PAGE, 256 * PAGE);
            // At most an eighth of slack, and a page.
            assertThat(m.capacity() / PAGE)
                    .isLessThanOrEqualTo(m.pages() + Math.max(1, (m.pages() + 7) / 8) + 1);
        }
        // The first growth exactly, then an eighth more each time, up to the maximum.
        assertThat(capacities.get(0)).isEqualTo(2);
        assertThat(capacities.get(1)).isEqualTo(4);
        assertThat(capacities).hasSizeLessThan(50).endsWith(256);
        assertThat(allocated).isLessThan(10L * 256 * PAGE);
        // Bytes past the size are never readable, and a grow over them makes zero pages.
        int size = m.pages() * PAGE;
        m.writeByte(size - 1, (byte) 7);
        assertThatThrownBy(() -> m.read(size))
                .isInstanceOf(WasmRuntimeException.class)
                .hasMessage(
                        "out of bounds memory access: attempted to access address: "
                                + size
                                + " but limit is: "
                                + size
                                + " and size: 1");
        assertThat(m.grow(1)).isEqualTo(255);
        assertThat(m.readLong(size)).isZero();
        assertThat(m.read(size - 1)).isEqualTo((byte) 7);
        assertThat(m.grow(1)).isEqualTo(-1);
    }

    @Test
    void theFirstGrowthTakesWhatItAsksForAndLaterOnesAnEighthMore() {
        FlatMemory m = new FlatMemory(new MemoryLimits(2, 100));
        assertThat(m.capacity()).isEqualTo(2 * PAGE);
        assertThat(m.grow(0)).isEqualTo(2);
        assertThat(m.capacity()).as("no growth, no copy").isEqualTo(2 * PAGE);
        assertThat(m.grow(3)).isEqualTo(2);
        assertThat(m.capacity()).as("the first: exactly").isEqualTo(5 * PAGE);
        assertThat(m.grow(1)).isEqualTo(5);
        assertThat(m.capacity()).as("then a page more (an eighth of 6 pages)").isEqualTo(7 * PAGE);
        assertThat(m.grow(1)).isEqualTo(6);
        assertThat(m.capacity()).as("room left: no copy").isEqualTo(7 * PAGE);
        assertThat(m.grow(33)).isEqualTo(7);
        assertThat(m.capacity()).as("40 pages and an eighth").isEqualTo(45 * PAGE);
        assertThat(m.grow(50)).isEqualTo(40);
        assertThat(m.capacity()).as("an eighth more, capped at the maximum").isEqualTo(100 * PAGE);
        assertThat(m.grow(10)).isEqualTo(90);
        assertThat(m.capacity()).isEqualTo(100 * PAGE);
        FlatMemory empty = new FlatMemory(new MemoryLimits(0, 1));
        assertThat(empty.capacity()).isZero();
        assertThatThrownBy(() -> empty.read(0)).isInstanceOf(WasmRuntimeException.class);
        assertThat(empty.grow(1)).isZero();
        assertThat(empty.capacity()).isEqualTo(PAGE);
    }

    @Test
    void eachCopyIntoALargerArrayIsAnnouncedAsTheHostsWork() {
        FlatMemory m = new FlatMemory(new MemoryLimits(1, 64));
        List<String> events = new ArrayList<>();
        m.grow(1); // before anyone listens
        m.onHostWork(
                new WasmInstance.HostWork() {
                    @Override
                    public void begin() {
                        events.add("begin " + m.capacity());
                    }

                    @Override
                    public void end() {
                        events.add("end " + m.capacity());
                    }
                });
        m.grow(1); // 2 -> 3 pages: a copy into 4
        m.grow(1); // fits
        m.grow(0);
        m.grow(100); // refused
        m.grow(60); // a copy into 64
        assertThat(events)
                .containsExactly(
                        "begin " + 2 * PAGE,
                        "end " + 4 * PAGE,
                        "begin " + 4 * PAGE,
                        "end " + 64 * PAGE);
    }

    @Test
    void theLimitsAreTheModulesAndSharedMemoryIsRefused() {
        FlatMemory m = new FlatMemory(new MemoryLimits(2, 5));
        assertThat(m.initialPages()).isEqualTo(2);
        assertThat(m.maximumPages()).isEqualTo(5);
        assertThat(m.pages()).isEqualTo(2);
        assertThat(m.shared()).isFalse();
        assertThat(new FlatMemory(new MemoryLimits(0, MemoryLimits.MAX_PAGES)).maximumPages())
                .isEqualTo(Memory.RUNTIME_MAX_PAGES);
        assertThatThrownBy(() -> new FlatMemory(new MemoryLimits(1, 2, true)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shared");
    }

    @Test
    void waitingTrapsAndNotifyingWakesNoOneOnUnsharedMemory() {
        FlatMemory m = new FlatMemory(new MemoryLimits(1, 1));
        ByteArrayMemory ref = new ByteArrayMemory(new MemoryLimits(1, 1));
        assertThatThrownBy(() -> ref.atomicWait(0, 0, 0)).isInstanceOf(ChicoryException.class);
        assertThatThrownBy(() -> m.atomicWait(0, 0, 0))
                .isInstanceOf(ChicoryException.class)
                .hasMessageContaining("non-shared");
        assertThatThrownBy(() -> m.atomicWait(0, 0L, 0)).isInstanceOf(ChicoryException.class);
        assertThatThrownBy(() -> m.waitOn(0, 0, 0)).isInstanceOf(ChicoryException.class);
        assertThatThrownBy(() -> m.waitOn(0, 0L, 0)).isInstanceOf(ChicoryException.class);
        assertThat(m.atomicNotify(0, 5)).isZero();
        assertThat(m.notify(0, 5)).isZero();
        assertThatThrownBy(() -> m.lock(0)).isInstanceOf(UnsupportedOperationException.class);
        m.atomicFence();
    }

    /** Active segments are written at their offset; one that does not fit fails instantiation. */
    @Test
    void dataSegmentsAreWrittenDroppedAndCheckedLikeChicorys() {
        for (Function<MemoryLimits, Memory> make :
                List.<Function<MemoryLimits, Memory>>of(ByteArrayMemory::new, FlatMemory::new)) {
            Memory m = make.apply(new MemoryLimits(1, 2));
            DataSegment[] segments = {
                active(0, 10, new byte[] {1, 2, 3}),
                new PassiveDataSegment(new byte[] {9, 8, 7, 6}),
                active(1, 0, new byte[] {5}), // another memory's: skipped
                active(0, PAGE - 2, new byte[] {4, 4}),
                active(0, 0, new byte[] {6}), // at the start
                active(0, PAGE, new byte[] {}), // empty, at the end: fits
            };
            m.initialize(null, segments);
            assertThat(m.readBytes(9, 5)).containsExactly(0, 1, 2, 3, 0);
            assertThat(m.read(0)).isEqualTo((byte) 6);
            assertThat(m.read(1)).isZero();
            assertThat(m.readU16(PAGE - 2)).isEqualTo(0x0404);
            m.initPassiveSegment(1, 100, 1, 3);
            assertThat(m.readBytes(100, 3)).containsExactly(8, 7, 6);
            assertThatThrownBy(() -> m.initPassiveSegment(1, 100, 2, 3))
                    .as(m.getClass().getSimpleName())
                    .isInstanceOf(WasmRuntimeException.class);
            assertThatThrownBy(() -> m.initPassiveSegment(1, PAGE - 1, 0, 2))
                    .isInstanceOf(WasmRuntimeException.class);
            m.drop(1);
            m.initPassiveSegment(1, 100, 0, 0);
            assertThatThrownBy(() -> m.initPassiveSegment(1, 100, 0, 1))
                    .as("a dropped segment is empty")
                    .isInstanceOf(WasmRuntimeException.class);
            m.zero();
            assertThat(m.readBytes(0, PAGE)).containsOnly(0);

            Memory tooFar = make.apply(new MemoryLimits(1, 2));
            assertThatThrownBy(
                            () ->
                                    tooFar.initialize(
                                            null,
                                            new DataSegment[] {
                                                active(0, PAGE - 1, new byte[] {1, 2})
                                            }))
                    .isInstanceOf(UninstantiableException.class)
                    .hasMessageStartingWith("out of bounds memory access");
            assertThatThrownBy(
                            () ->
                                    tooFar.initialize(
                                            null, new DataSegment[] {active(0, -1, new byte[] {})}))
                    .isInstanceOf(UninstantiableException.class);
            Memory none = make.apply(new MemoryLimits(1, 2));
            none.initialize(null, null);
            assertThat(none.read(0)).isZero();
        }
    }

    private static ActiveDataSegment active(int memory, int offset, byte[] data) {
        return new ActiveDataSegment(
                memory,
                List.of(
                        new Instruction(0, OpCode.I32_CONST, new long[] {offset}),
                        new Instruction(1, OpCode.END, new long[0])),
                data);
    }

    @Test
    void overlappingCopiesMoveTheBytesAsThroughATemporaryCopy() {
        FlatMemory m = new FlatMemory(new MemoryLimits(1, 1));
        for (int i = 0; i < 16; i++) {
            m.writeByte(i, (byte) i);
        }
        m.copy(2, 0, 8);
        assertThat(m.readBytes(0, 10)).containsExactly(0, 1, 0, 1, 2, 3, 4, 5, 6, 7);
        m.copy(0, 3, 5);
        assertThat(m.readBytes(0, 5)).containsExactly(1, 2, 3, 4, 5);
        assertThat(Objects.requireNonNull(m.readCString(20))).isEmpty();
    }
}
