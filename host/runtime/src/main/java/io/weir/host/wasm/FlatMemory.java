package io.weir.host.wasm;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A driver's linear memory: one flat {@code byte[]} read and written through little-endian array
 * views, with a growth allowance the host sets before each call (ABI §9, 1.1, growth per call).
 *
 * <p><b>Why not Chicory's {@code ByteArrayMemory}:</b> it keeps memory in 64 KiB pages ({@code
 * byte[][]}), so every load and store of the compiled module loads the page from the page table (a
 * dependent load with its own bounds and null check), masks the address and tests whether the
 * access straddles two pages, before the array view's bounds check. Here an access is one unsigned
 * compare of the address with the memory's size, then the view's access (whose own check the CPU
 * predicts as well). The compiled module calls these methods through {@link Memory} on the instance
 * it was given; with this the only implementation loaded, C2 inlines them.
 *
 * <p><b>Growth:</b> {@code memory.grow} copies into a larger array when the current one is full:
 * the first time one of the size asked for (a driver that grows its heap once keeps no slack), from
 * then on one of at least twice the size (up to the memory's maximum), so a driver that grows a
 * page at a time copies and allocates about twice its final size in all, not the square of it
 * (measured: growing 64 pages a page at a time from 20 takes 1.4 ms of CPU warm, Chicory's paged
 * memory 0.5 ms; on a fresh heap both take tens of ms, the first touch of the heap's pages). The
 * bytes past the memory's size are never readable (the size check below) and are zero when the
 * memory grows over them, as new pages must be. A {@code memory.grow} past what the current call
 * may still grow fails as one past the maximum does: it returns -1 and the memory keeps its size.
 * Why per call and not only the cap: a driver that grows to the 16 MiB cap in one call makes the
 * JVM collect while the call's CPU budget does not see it (measured with Chicory's paged memory:
 * 2–6 collections, 40–300 ms of pauses a call with the launcher's Serial collector), and every
 * device waits meanwhile. A call that may grow only a few MiB allocates too little to cause more
 * than one young collection.
 *
 * <p><b>Traps</b> are Chicory's: an access outside memory throws {@link WasmRuntimeException} "out
 * of bounds memory access: …", an active data segment that does not fit at instantiation {@link
 * UninstantiableException}. The memory is never shared (ABI §3.2 refuses shared memory, and {@link
 * ModuleCheck} before this): one thread at a time calls an instance, so the atomic instructions are
 * plain reads and writes here, {@code memory.atomic.wait} traps as Chicory's does on unshared
 * memory and {@code memory.atomic.notify} wakes no one.
 */
final class FlatMemory implements Memory {

    private static final VarHandle SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLE =
            MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

    private final int initialPages;
    private final int maximumPages;

    /** The memory, and past {@link #size} room to grow into (all zero). */
    private byte[] bytes;

    /** The memory's size in bytes: {@link #pages} × {@link #PAGE_SIZE}. */
    private int size;

    private int pages;

    /** Whether the array was ever replaced by a larger one. */
    private boolean grown;

    /** Told when copying into a larger array begins and ends, or {@code null}. */
    private WasmInstance.HostWork hostWork;

    private DataSegment[] dataSegments;

    /** Pages the current call may still grow. */
    private int allowance = Integer.MAX_VALUE;

    /** The largest {@code memory.grow} refused since the allowance was set, or 0. */
    private int refused;

    FlatMemory(MemoryLimits limits) {
        if (limits.shared()) {
            // ModuleCheck refuses shared memory before any instance exists.
            throw new IllegalArgumentException("shared memory is refused (ABI §3.2)");
        }
        this.initialPages = limits.initialPages();
        this.maximumPages = Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
        if (initialPages < 0 || initialPages > maximumPages) {
            throw new IllegalArgumentException(
                    "initial pages " + initialPages + " outside 0.." + maximumPages);
        }
        this.pages = initialPages;
        this.size = initialPages * PAGE_SIZE;
        this.bytes = new byte[size];
    }

    /**
     * Lets the calls from now on grow memory by at most {@code pages} pages in all, until the next
     * allowance, and forgets earlier refusals.
     */
    void allow(int pages) {
        allowance = pages;
        refused = 0;
    }

    /** The largest growth in pages refused for the allowance since it was set, or 0. */
    int refused() {
        return refused;
    }

    /**
     * Tells {@code work} when each copy into a larger array begins and ends: the host's work, not
     * the driver's. Allocating and copying up to 16 MiB costs 1–3 ms warm, but tens of ms on heap
     * memory the JVM has not touched yet (page faults, measured 50–65 ms for a call that grows 64
     * pages in four steps from 20, Chicory's paged memory 13 ms), which a 50 ms budget must not pay
     * for.
     */
    void onHostWork(WasmInstance.HostWork work) {
        this.hostWork = work;
    }

    /** Bytes the array holds, the memory's size and the room to grow into (tests). */
    int capacity() {
        return bytes.length;
    }

    // ---- size --------------------------------------------------------------------------------

    @Override
    public int pages() {
        return pages;
    }

    @Override
    public int initialPages() {
        return initialPages;
    }

    @Override
    public int maximumPages() {
        return maximumPages;
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public int grow(int delta) {
        if (delta > allowance) {
            refused = Math.max(refused, delta);
            return -1;
        }
        // delta is memory.grow's u32 operand: a negative int asks for more than 2^31 pages.
        if (delta < 0 || delta > maximumPages - pages) {
            return -1;
        }
        int before = pages;
        int after = before + delta;
        int need = after * PAGE_SIZE;
        if (need > bytes.length) {
            // The first growth takes what it asks for (a driver that grows its heap once, in
            // weir_open, keeps no slack); from the second on an eighth more, at least a page, so
            // that many small grows copy about nine times the final size in all, not its square,
            // while an instance keeps at most an eighth of slack: doubling left up to half of every
            // shared instance's memory unused, 4 KB a device at 10,000 devices (BENCHMARKS.md §9);
            // never past the maximum.
            long roomy =
                    grown
                            ? (long) need + Math.max(PAGE_SIZE, ((long) after + 7) / 8 * PAGE_SIZE)
                            : need;
            WasmInstance.HostWork work = hostWork;
            if (work != null) {
                work.begin();
            }
            try {
                bytes =
                        Arrays.copyOf(
                                bytes, (int) Math.min(roomy, (long) maximumPages * PAGE_SIZE));
            } finally {
                if (work != null) {
                    work.end();
                }
            }
            grown = true;
        }
        pages = after;
        size = need;
        allowance -= delta;
        return before;
    }

    // ---- bounds ------------------------------------------------------------------------------

    /**
     * Traps unless {@code [addr, addr + width)} lies inside memory. One unsigned compare: a
     * negative address (Chicory passes addresses past 2^31 as negative ints) is a huge one.
     */
    private int at(int addr, int width) {
        if (Integer.toUnsignedLong(addr) + width > size) {
            throw outOfBounds(addr, width);
        }
        return addr;
    }

    /** Traps unless {@code [addr, addr + len)} lies inside a region of {@code limit} bytes. */
    private static void within(int addr, int len, int limit) {
        if (addr < 0 || len < 0 || (long) addr + len > limit) {
            throw outOfBounds(addr, len, limit);
        }
    }

    private WasmRuntimeException outOfBounds(int addr, int width) {
        return outOfBounds(addr, width, size);
    }

    private static WasmRuntimeException outOfBounds(int addr, int len, int limit) {
        // Chicory's own wording, which traps and tests recognise.
        return new WasmRuntimeException(
                "out of bounds memory access: attempted to access address: "
                        + addr
                        + " but limit is: "
                        + limit
                        + " and size: "
                        + len);
    }

    // ---- loads and stores --------------------------------------------------------------------

    @Override
    public byte read(int addr) {
        return bytes[at(addr, 1)];
    }

    @Override
    public void writeByte(int addr, byte value) {
        bytes[at(addr, 1)] = value;
    }

    @Override
    public short readShort(int addr) {
        return (short) SHORT.get(bytes, at(addr, 2));
    }

    @Override
    public long readU16(int addr) {
        return readShort(addr) & 0xFFFFL;
    }

    @Override
    public void writeShort(int addr, short value) {
        SHORT.set(bytes, at(addr, 2), value);
    }

    @Override
    public int readInt(int addr) {
        return (int) INT.get(bytes, at(addr, 4));
    }

    @Override
    public void writeI32(int addr, int value) {
        INT.set(bytes, at(addr, 4), value);
    }

    @Override
    public long readLong(int addr) {
        return (long) LONG.get(bytes, at(addr, 8));
    }

    @Override
    public void writeLong(int addr, long value) {
        LONG.set(bytes, at(addr, 8), value);
    }

    @Override
    public float readFloat(int addr) {
        return (float) FLOAT.get(bytes, at(addr, 4));
    }

    @Override
    public long readF32(int addr) {
        // Chicory's ByteArrayMemory gives the bits sign-extended; so does this.
        return readInt(addr);
    }

    @Override
    public void writeF32(int addr, float value) {
        FLOAT.set(bytes, at(addr, 4), value);
    }

    @Override
    public double readDouble(int addr) {
        return (double) DOUBLE.get(bytes, at(addr, 8));
    }

    @Override
    public long readF64(int addr) {
        return readLong(addr);
    }

    @Override
    public void writeF64(int addr, double value) {
        DOUBLE.set(bytes, at(addr, 8), value);
    }

    // ---- bulk --------------------------------------------------------------------------------

    @Override
    public byte[] readBytes(int addr, int len) {
        within(addr, len, size);
        return Arrays.copyOfRange(bytes, addr, addr + len);
    }

    @Override
    public void write(int addr, byte[] data, int offset, int len) {
        within(offset, len, data.length);
        within(addr, len, size);
        System.arraycopy(data, offset, bytes, addr, len);
    }

    @Override
    public void zero() {
        Arrays.fill(bytes, 0, size, (byte) 0);
    }

    @Override
    public void fill(byte value, int fromIndex, int toIndex) {
        within(fromIndex, toIndex - fromIndex, size);
        Arrays.fill(bytes, fromIndex, toIndex, value);
    }

    @Override
    public void copy(int dest, int src, int len) {
        within(dest, len, size);
        within(src, len, size);
        // arraycopy copies overlapping ranges of one array as if through a temporary copy.
        System.arraycopy(bytes, src, bytes, dest, len);
    }

    // ---- data segments -----------------------------------------------------------------------

    @Override
    public void initialize(Instance instance, DataSegment[] segments) {
        initialize(instance, segments, 0);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] segments, int memoryIndex) {
        this.dataSegments = segments;
        if (segments == null) {
            return;
        }
        for (DataSegment s : segments) {
            if (s instanceof ActiveDataSegment active) {
                if (active.index() != memoryIndex) {
                    continue;
                }
                int offset =
                        (int)
                                ConstantEvaluators.computeConstantValue(
                                        instance, active.offsetInstructions())[0];
                byte[] data = active.data();
                if (offset < 0 || (long) offset + data.length > size) {
                    throw new UninstantiableException(
                            outOfBounds(offset, data.length).getMessage());
                }
                System.arraycopy(data, 0, bytes, offset, data.length);
            } else if (!(s instanceof PassiveDataSegment)) {
                throw new ChicoryException("data segment should be active or passive: " + s);
            }
        }
    }

    @Override
    public void initPassiveSegment(int segmentId, int dest, int offset, int len) {
        write(dest, dataSegments[segmentId].data(), offset, len);
    }

    @Override
    public void drop(int segment) {
        dataSegments[segment] = PassiveDataSegment.EMPTY;
    }

    // ---- atomics on unshared memory ----------------------------------------------------------

    @Override
    @SuppressWarnings("removal")
    public Object lock(int addr) {
        // Chicory's ByteArrayMemory has no per-address lock either; atomics below need none.
        throw new UnsupportedOperationException("linear memory has no per-address lock");
    }

    @Override
    @SuppressWarnings("removal")
    public int waitOn(int addr, int expected, long timeout) {
        throw notShared();
    }

    @Override
    @SuppressWarnings("removal")
    public int waitOn(int addr, long expected, long timeout) {
        throw notShared();
    }

    @Override
    @SuppressWarnings("removal")
    public int notify(int addr, int maxThreads) {
        return 0;
    }

    @Override
    public int atomicWait(int addr, int expected, long timeout) {
        throw notShared();
    }

    @Override
    public int atomicWait(int addr, long expected, long timeout) {
        throw notShared();
    }

    @Override
    public int atomicNotify(int addr, int maxThreads) {
        // No thread can wait on unshared memory.
        return 0;
    }

    private static ChicoryException notShared() {
        return new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
    }

    @Override
    public void atomicFence() {
        VarHandle.fullFence();
    }

    @Override
    public byte atomicReadByte(int addr) {
        return read(addr);
    }

    @Override
    public short atomicReadShort(int addr) {
        return readShort(addr);
    }

    @Override
    public int atomicReadInt(int addr) {
        return readInt(addr);
    }

    @Override
    public long atomicReadLong(int addr) {
        return readLong(addr);
    }

    @Override
    public void atomicWriteByte(int addr, byte value) {
        writeByte(addr, value);
    }

    @Override
    public void atomicWriteShort(int addr, short value) {
        writeShort(addr, value);
    }

    @Override
    public void atomicWriteInt(int addr, int value) {
        writeI32(addr, value);
    }

    @Override
    public void atomicWriteLong(int addr, long value) {
        writeLong(addr, value);
    }

    @Override
    public byte atomicAddByte(int addr, byte value) {
        byte old = read(addr);
        writeByte(addr, (byte) (old + value));
        return old;
    }

    @Override
    public byte atomicAndByte(int addr, byte value) {
        byte old = read(addr);
        writeByte(addr, (byte) (old & value));
        return old;
    }

    @Override
    public byte atomicOrByte(int addr, byte value) {
        byte old = read(addr);
        writeByte(addr, (byte) (old | value));
        return old;
    }

    @Override
    public byte atomicXorByte(int addr, byte value) {
        byte old = read(addr);
        writeByte(addr, (byte) (old ^ value));
        return old;
    }

    @Override
    public byte atomicXchgByte(int addr, byte value) {
        byte old = read(addr);
        writeByte(addr, value);
        return old;
    }

    @Override
    public byte atomicCmpxchgByte(int addr, byte expected, byte replacement) {
        byte old = read(addr);
        if (old == expected) {
            writeByte(addr, replacement);
        }
        return old;
    }

    @Override
    public short atomicAddShort(int addr, short value) {
        short old = readShort(addr);
        writeShort(addr, (short) (old + value));
        return old;
    }

    @Override
    public short atomicAndShort(int addr, short value) {
        short old = readShort(addr);
        writeShort(addr, (short) (old & value));
        return old;
    }

    @Override
    public short atomicOrShort(int addr, short value) {
        short old = readShort(addr);
        writeShort(addr, (short) (old | value));
        return old;
    }

    @Override
    public short atomicXorShort(int addr, short value) {
        short old = readShort(addr);
        writeShort(addr, (short) (old ^ value));
        return old;
    }

    @Override
    public short atomicXchgShort(int addr, short value) {
        short old = readShort(addr);
        writeShort(addr, value);
        return old;
    }

    @Override
    public short atomicCmpxchgShort(int addr, short expected, short replacement) {
        short old = readShort(addr);
        if (old == expected) {
            writeShort(addr, replacement);
        }
        return old;
    }

    @Override
    public int atomicAddInt(int addr, int value) {
        int old = readInt(addr);
        writeI32(addr, old + value);
        return old;
    }

    @Override
    public int atomicAndInt(int addr, int value) {
        int old = readInt(addr);
        writeI32(addr, old & value);
        return old;
    }

    @Override
    public int atomicOrInt(int addr, int value) {
        int old = readInt(addr);
        writeI32(addr, old | value);
        return old;
    }

    @Override
    public int atomicXorInt(int addr, int value) {
        int old = readInt(addr);
        writeI32(addr, old ^ value);
        return old;
    }

    @Override
    public int atomicXchgInt(int addr, int value) {
        int old = readInt(addr);
        writeI32(addr, value);
        return old;
    }

    @Override
    public int atomicCmpxchgInt(int addr, int expected, int replacement) {
        int old = readInt(addr);
        if (old == expected) {
            writeI32(addr, replacement);
        }
        return old;
    }

    @Override
    public long atomicAddLong(int addr, long value) {
        long old = readLong(addr);
        writeLong(addr, old + value);
        return old;
    }

    @Override
    public long atomicAndLong(int addr, long value) {
        long old = readLong(addr);
        writeLong(addr, old & value);
        return old;
    }

    @Override
    public long atomicOrLong(int addr, long value) {
        long old = readLong(addr);
        writeLong(addr, old | value);
        return old;
    }

    @Override
    public long atomicXorLong(int addr, long value) {
        long old = readLong(addr);
        writeLong(addr, old ^ value);
        return old;
    }

    @Override
    public long atomicXchgLong(int addr, long value) {
        long old = readLong(addr);
        writeLong(addr, value);
        return old;
    }

    @Override
    public long atomicCmpxchgLong(int addr, long expected, long replacement) {
        long old = readLong(addr);
        if (old == expected) {
            writeLong(addr, replacement);
        }
        return old;
    }
}
