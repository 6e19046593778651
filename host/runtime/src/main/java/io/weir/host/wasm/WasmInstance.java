package io.weir.host.wasm;

/**
 * One instance of a {@link WasmProgram}: its own linear memory and globals. Never used by two
 * threads at once (ABI §2.7); the same instance may be used by different threads in turn.
 */
public interface WasmInstance {

    /** The exported function of this name, or {@code null} if there is none. */
    WasmFunction function(String name);

    /** Current size of linear memory in bytes. */
    long memoryBytes();

    /** Current size of linear memory in pages. */
    int memoryPages();

    /** Copies {@code len} bytes of memory from {@code address}. */
    byte[] read(int address, int len);

    /** Reads a little-endian i32. */
    int readI32(int address);

    /**
     * Reads a little-endian i64 in place, without copying a range out first: the host reads a
     * call's records straight from linear memory.
     */
    long readI64(int address);

    /** Copies {@code src[off .. off+len]} into memory at {@code address}. */
    void write(int address, byte[] src, int off, int len);

    /**
     * Lets the calls from now on grow linear memory by at most {@code pages} pages in all, until
     * the next allowance (ABI §9, 1.1, growth per call): a {@code memory.grow} past it fails
     * (returns -1) as one past the maximum does. Until the first allowance only the maximum limits
     * growth.
     */
    void allowGrowth(int pages);

    /**
     * The largest {@code memory.grow}, in pages, refused for the current allowance since it was
     * set; 0 if none was.
     */
    int refusedGrowth();

    /**
     * From now on, work of the host's own that a call does for the instance (copying linear memory
     * into a larger array on {@code memory.grow}) is announced to {@code work} as it begins and
     * ends, on the calling thread, so that the call's budget need not pay for how the host keeps
     * memory.
     */
    default void onHostWork(HostWork work) {}

    /** Brackets work of the host's own inside a call. */
    interface HostWork {
        void begin();

        void end();
    }
}
