package io.weir.tools.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.GarbageCollectionNotificationInfo;
import io.weir.tools.WeirCommand;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * {@code weir replay --json CAPTURE} in a JVM of its own (run with a small {@code -Xmx}): the
 * output is counted, not kept; prints one JSON object with the exit code, the line count, the last
 * line (the summary), the time, the peak heap used and the most heap in use right after a
 * collection (what the replay keeps alive; metaspace and code cache are not heap and not counted).
 */
public final class LargeReplayChild {
    /** Counts lines and keeps only the last one. */
    private static final class LastLine extends OutputStream {
        long lines;
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        String last = "";

        @Override
        public void write(int b) {
            if (b == '\n') {
                lines++;
                last = current.toString(StandardCharsets.UTF_8);
                current.reset();
            } else {
                current.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String capture = args[0];
        String driver = args[1];
        LastLine out = new LastLine();
        StringWriter err = new StringWriter();
        var cl = WeirCommand.commandLine();
        cl.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8)));
        cl.setErr(new PrintWriter(err));
        // The heap in use right after each collection: what the replay keeps alive.
        AtomicLong live = new AtomicLong();
        Set<String> heapPools = new HashSet<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc)
                    .addNotificationListener(
                            (n, handback) -> {
                                if (!n.getType()
                                        .equals(
                                                GarbageCollectionNotificationInfo
                                                        .GARBAGE_COLLECTION_NOTIFICATION)) {
                                    return;
                                }
                                var info =
                                        GarbageCollectionNotificationInfo.from(
                                                (CompositeData) n.getUserData());
                                long used = 0;
                                for (Map.Entry<String, MemoryUsage> e :
                                        info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                                    if (heapPools.contains(e.getKey())) {
                                        used += e.getValue().getUsed();
                                    }
                                }
                                live.accumulateAndGet(used, Math::max);
                            },
                            null,
                            null);
        }
        long t0 = System.nanoTime();
        int code = cl.execute("replay", "--driver", driver, "--pcap", capture, "--json");
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("exit", code);
        result.put("err", err.toString());
        result.put("lines", out.lines);
        result.put("summary", out.last);
        result.put("seconds", seconds);
        result.put("peak_heap_bytes", peak);
        result.put("peak_after_gc_bytes", live.get());
        result.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        System.out.println(new ObjectMapper().writeValueAsString(result));
    }
}
