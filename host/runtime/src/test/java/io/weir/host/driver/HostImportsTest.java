package io.weir.host.driver;

import static org.assertj.core.api.Assertions.assertThat;

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
        DriverModule m = DriverModule.load("fixture", Fixtures.wasm("fixture"));
        DriverInstance d = m.instantiate("flood");
        d.open(0, "device\n", NOW);
        d.poll(0, NOW);
        assertThat(d.onFrame(0, Fixtures.command(0xF8), 0, 2, NOW)).isEmpty();
        // A burst of 20 gets through; the other 30 of the 50 are dropped.
        assertThat(lines).hasSize(20);
        String first = lines.get(0);
        assertThat(first).startsWith("{\"name\":\"fixture\"");
        assertThat(first).endsWith("… (truncated from 2000 bytes)");
        assertThat(first.length()).isEqualTo(1024 + "… (truncated from 2000 bytes)".length());
        // Once tokens come back, the next message reports how many were dropped.
        Thread.sleep(400);
        d.poll(0, NOW);
        d.poll(0, NOW);
        d.onFrame(0, Fixtures.command(0xF8), 0, 2, NOW);
        assertThat(lines.get(20)).isEqualTo("30");
        assertThat(d.dead()).isFalse();
    }
}
