package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.Abi;
import io.weir.host.wasm.ChicoryEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code weir_host_v1.log}: truncated to 1024 bytes and rate-limited per instance (ABI §3.1). */
class HostImportsTest {
    private static final long NOW = 1_700_000_000_000_000L;
    private final List<String> lines = new ArrayList<>();
    private final Logger logger = Logger.getLogger("io.weir.driver");
    private final Handler handler =
            new Handler() {
                @Override
                public void publish(LogRecord r) {
                    Object[] p = r.getParameters();
                    lines.add(p == null ? r.getMessage() : String.valueOf(p[p.length - 1]));
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };

    @BeforeEach
    void capture() {
        logger.addHandler(handler);
        logger.setLevel(Level.ALL);
    }

    @AfterEach
    void release() {
        logger.removeHandler(handler);
    }

    @Test
    void logFloodIsTruncatedAndRateLimited() throws Exception {
        // A roomy budget: this test is about the log, not about time (a loaded machine is slow).
        DriverModule m =
                DriverModule.load(
                        new ChicoryEngine(),
                        "fixture",
                        Fixtures.wasm("fixture"),
                        new DriverLimits(Abi.MEMORY_CAP_PAGES, 5000, 5000),
                        Watchdog.shared());
        DriverInstance d = m.instantiate("flood");
        d.open(0, "device\n", NOW);
        d.poll(0, NOW);
        long t0 = System.nanoTime();
        assertThat(d.onFrame(0, Fixtures.command(0xF8), 0, 2, NOW)).isEmpty();
        double seconds = (System.nanoTime() - t0) / 1e9;
        // A burst of 20 gets through, plus the 5 per second that come back while the 50 calls
        // run (none on a machine with time to spare); the others are dropped.
        int passed = lines.size();
        assertThat(passed).isBetween(20, 20 + (int) (seconds * 5) + 1);
        // The message is the blob from the manifest on: 82 bytes of JSON, then zeros. The host
        // keeps 1024 bytes and writes each control character as \\uXXXX (no raw NUL in a log).
        String manifest =
                "{\"name\":\"fixture\",\"version\":\"1.0.0\",\"protocol\":\"fixture-frames\","
                        + "\"transport\":\"tcp\"}";
        assertThat(lines.get(0))
                .isEqualTo(
                        manifest
                                + "\\u0000".repeat(1024 - manifest.length())
                                + "… (truncated from 2000 bytes)");
        // Once tokens come back, the next message reports how many were dropped.
        Thread.sleep(400);
        d.poll(0, NOW);
        d.poll(0, NOW);
        d.onFrame(0, Fixtures.command(0xF8), 0, 2, NOW);
        assertThat(lines.get(passed)).isEqualTo(String.valueOf(50 - passed));
        assertThat(d.dead()).isFalse();
    }
}
