package io.weir.host.wasm;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.DataSegment;
import java.nio.charset.Charset;

/**
 * A driver's linear memory: Chicory's {@link ByteArrayMemory}, with a growth allowance the host
 * sets before each call (ABI §9, 1.1, growth per call). A {@code memory.grow} past what the current
 * call may still grow fails as one past the maximum does: it returns -1 and the memory keeps its
 * size.
 *
 * <p>Why per call and not only the cap: Chicory allocates a 64 KiB {@code byte[]} on the Java heap
 * for each page it grows. A driver that grows to the 16 MiB cap in one call costs the JVM a few
 * collections of those pages while they are live (measured: 2–6 collections, 40–300 ms of pauses a
 * call with the launcher's Serial collector), which the call's CPU budget does not see, and every
 * device waits meanwhile. A call that may grow only a few MiB allocates too little to cause more
 * than one young collection.
 *
 * <p>Everything else is {@link ByteArrayMemory}'s: the compiled module calls this class through
 * {@link Memory}, and each method is one call of the final delegate, which the JIT inlines.
 */
final class MeteredMemory implements Memory {

    private final ByteArrayMemory memory;

    /** Pages the current call may still grow. */
    private int allowance = Integer.MAX_VALUE;

    /** The largest {@code memory.grow} refused since the allowance was set, or 0. */
    private int refused;

    MeteredMemory(ByteArrayMemory memory) {
        this.memory = memory;
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

    @Override
    public int grow(int delta) {
        // delta is memory.grow's u32 operand: a negative int asks for more than 2^31 pages, which
        // ByteArrayMemory refuses itself.
        if (delta > allowance) {
            refused = Math.max(refused, delta);
            return -1;
        }
        int before = memory.grow(delta);
        if (before >= 0) {
            allowance -= delta;
        }
        return before;
    }

    @Override
    public int pages() {
        return memory.pages();
    }

    @Override
    public int initialPages() {
        return memory.initialPages();
    }

    @Override
    public int maximumPages() {
        return memory.maximumPages();
    }

    @Override
    public boolean shared() {
        return memory.shared();
    }

    @Override
    public Object lock(int addr) {
        return memory.lock(addr);
    }

    @Override
    public int waitOn(int addr, int expected, long timeout) {
        return memory.waitOn(addr, expected, timeout);
    }

    @Override
    public int waitOn(int addr, long expected, long timeout) {
        return memory.waitOn(addr, expected, timeout);
    }

    @Override
    public int notify(int addr, int maxThreads) {
        return memory.notify(addr, maxThreads);
    }

    @Override
    public void atomicFence() {
        memory.atomicFence();
    }

    @Override
    public int atomicWait(int addr, int expected, long timeout) {
        return memory.atomicWait(addr, expected, timeout);
    }

    @Override
    public int atomicWait(int addr, long expected, long timeout) {
        return memory.atomicWait(addr, expected, timeout);
    }

    @Override
    public int atomicNotify(int addr, int maxThreads) {
        return memory.atomicNotify(addr, maxThreads);
    }

    @Override
    public int atomicReadInt(int addr) {
        return memory.atomicReadInt(addr);
    }

    @Override
    public long atomicReadLong(int addr) {
        return memory.atomicReadLong(addr);
    }

    @Override
    public short atomicReadShort(int addr) {
        return memory.atomicReadShort(addr);
    }

    @Override
    public byte atomicReadByte(int addr) {
        return memory.atomicReadByte(addr);
    }

    @Override
    public void atomicWriteInt(int addr, int value) {
        memory.atomicWriteInt(addr, value);
    }

    @Override
    public void atomicWriteLong(int addr, long value) {
        memory.atomicWriteLong(addr, value);
    }

    @Override
    public void atomicWriteShort(int addr, short value) {
        memory.atomicWriteShort(addr, value);
    }

    @Override
    public void atomicWriteByte(int addr, byte value) {
        memory.atomicWriteByte(addr, value);
    }

    @Override
    public int atomicAddInt(int addr, int value) {
        return memory.atomicAddInt(addr, value);
    }

    @Override
    public int atomicAndInt(int addr, int value) {
        return memory.atomicAndInt(addr, value);
    }

    @Override
    public int atomicOrInt(int addr, int value) {
        return memory.atomicOrInt(addr, value);
    }

    @Override
    public int atomicXorInt(int addr, int value) {
        return memory.atomicXorInt(addr, value);
    }

    @Override
    public int atomicXchgInt(int addr, int value) {
        return memory.atomicXchgInt(addr, value);
    }

    @Override
    public int atomicCmpxchgInt(int addr, int expected, int replacement) {
        return memory.atomicCmpxchgInt(addr, expected, replacement);
    }

    @Override
    public long atomicAddLong(int addr, long value) {
        return memory.atomicAddLong(addr, value);
    }

    @Override
    public long atomicAndLong(int addr, long value) {
        return memory.atomicAndLong(addr, value);
    }

    @Override
    public long atomicOrLong(int addr, long value) {
        return memory.atomicOrLong(addr, value);
    }

    @Override
    public long atomicXorLong(int addr, long value) {
        return memory.atomicXorLong(addr, value);
    }

    @Override
    public long atomicXchgLong(int addr, long value) {
        return memory.atomicXchgLong(addr, value);
    }

    @Override
    public long atomicCmpxchgLong(int addr, long expected, long replacement) {
        return memory.atomicCmpxchgLong(addr, expected, replacement);
    }

    @Override
    public short atomicAddShort(int addr, short value) {
        return memory.atomicAddShort(addr, value);
    }

    @Override
    public short atomicAndShort(int addr, short value) {
        return memory.atomicAndShort(addr, value);
    }

    @Override
    public short atomicOrShort(int addr, short value) {
        return memory.atomicOrShort(addr, value);
    }

    @Override
    public short atomicXorShort(int addr, short value) {
        return memory.atomicXorShort(addr, value);
    }

    @Override
    public short atomicXchgShort(int addr, short value) {
        return memory.atomicXchgShort(addr, value);
    }

    @Override
    public short atomicCmpxchgShort(int addr, short expected, short replacement) {
        return memory.atomicCmpxchgShort(addr, expected, replacement);
    }

    @Override
    public byte atomicAddByte(int addr, byte value) {
        return memory.atomicAddByte(addr, value);
    }

    @Override
    public byte atomicAndByte(int addr, byte value) {
        return memory.atomicAndByte(addr, value);
    }

    @Override
    public byte atomicOrByte(int addr, byte value) {
        return memory.atomicOrByte(addr, value);
    }

    @Override
    public byte atomicXorByte(int addr, byte value) {
        return memory.atomicXorByte(addr, value);
    }

    @Override
    public byte atomicXchgByte(int addr, byte value) {
        return memory.atomicXchgByte(addr, value);
    }

    @Override
    public byte atomicCmpxchgByte(int addr, byte expected, byte replacement) {
        return memory.atomicCmpxchgByte(addr, expected, replacement);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments) {
        memory.initialize(instance, dataSegments);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments, int count) {
        memory.initialize(instance, dataSegments, count);
    }

    @Override
    public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
        memory.initPassiveSegment(segmentId, dest, offset, size);
    }

    @Override
    public void writeString(int addr, String data, Charset charSet) {
        memory.writeString(addr, data, charSet);
    }

    @Override
    public void writeString(int addr, String data) {
        memory.writeString(addr, data);
    }

    @Override
    public String readString(int addr, int len) {
        return memory.readString(addr, len);
    }

    @Override
    public String readString(int addr, int len, Charset charSet) {
        return memory.readString(addr, len, charSet);
    }

    @Override
    public void writeCString(int addr, String data) {
        memory.writeCString(addr, data);
    }

    @Override
    public void writeCString(int addr, String data, Charset charSet) {
        memory.writeCString(addr, data, charSet);
    }

    @Override
    public String readCString(int addr, Charset charSet) {
        return memory.readCString(addr, charSet);
    }

    @Override
    public String readCString(int addr) {
        return memory.readCString(addr);
    }

    @Override
    public void write(int addr, byte[] data) {
        memory.write(addr, data);
    }

    @Override
    public void write(int addr, byte[] data, int offset, int size) {
        memory.write(addr, data, offset, size);
    }

    @Override
    public byte read(int addr) {
        return memory.read(addr);
    }

    @Override
    public byte[] readBytes(int addr, int len) {
        return memory.readBytes(addr, len);
    }

    @Override
    public void writeI32(int addr, int value) {
        memory.writeI32(addr, value);
    }

    @Override
    public int readInt(int addr) {
        return memory.readInt(addr);
    }

    @Override
    public long readI32(int addr) {
        return memory.readI32(addr);
    }

    @Override
    public long readU32(int addr) {
        return memory.readU32(addr);
    }

    @Override
    public void writeLong(int addr, long value) {
        memory.writeLong(addr, value);
    }

    @Override
    public long readLong(int addr) {
        return memory.readLong(addr);
    }

    @Override
    public long readI64(int addr) {
        return memory.readI64(addr);
    }

    @Override
    public void writeShort(int addr, short value) {
        memory.writeShort(addr, value);
    }

    @Override
    public short readShort(int addr) {
        return memory.readShort(addr);
    }

    @Override
    public long readI16(int addr) {
        return memory.readI16(addr);
    }

    @Override
    public long readU16(int addr) {
        return memory.readU16(addr);
    }

    @Override
    public void writeByte(int addr, byte value) {
        memory.writeByte(addr, value);
    }

    @Override
    public long readU8(int addr) {
        return memory.readU8(addr);
    }

    @Override
    public long readI8(int addr) {
        return memory.readI8(addr);
    }

    @Override
    public void writeF32(int addr, float value) {
        memory.writeF32(addr, value);
    }

    @Override
    public long readF32(int addr) {
        return memory.readF32(addr);
    }

    @Override
    public float readFloat(int addr) {
        return memory.readFloat(addr);
    }

    @Override
    public void writeF64(int addr, double value) {
        memory.writeF64(addr, value);
    }

    @Override
    public double readDouble(int addr) {
        return memory.readDouble(addr);
    }

    @Override
    public long readF64(int addr) {
        return memory.readF64(addr);
    }

    @Override
    public void zero() {
        memory.zero();
    }

    @Override
    public void fill(byte value, int fromIndex, int toIndex) {
        memory.fill(value, fromIndex, toIndex);
    }

    @Override
    public void copy(int dest, int src, int size) {
        memory.copy(dest, src, size);
    }

    @Override
    public void drop(int segment) {
        memory.drop(segment);
    }
}
