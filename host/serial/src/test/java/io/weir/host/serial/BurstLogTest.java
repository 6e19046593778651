package io.weir.host.serial;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BurstLogTest {

    /** Keeps what would be logged. */
    static final class Lines implements Logger {
        final List<String> lines = new ArrayList<>();

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + java.text.MessageFormat.format(format, params));
        }
    }

    @Test
    void logsTheFirstOfABurstAndCountsTheRest() {
        Lines log = new Lines();
        AtomicLong now = new AtomicLong();
        BurstLog burst = new BurstLog(log, Level.WARNING, Duration.ofSeconds(10), now::get);

        assertThat(burst.event(3, () -> "3 bytes of noise")).isTrue();
        for (int i = 0; i < 100; i++) {
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            assertThat(burst.event(2, () -> "never built")).isFalse();
        }
        assertThat(burst.suppressed()).isEqualTo(100);
        assertThat(log.lines).containsExactly("WARNING 3 bytes of noise");

        // Ten quiet seconds end the burst; the next event is logged with the count of the last.
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(burst.event(1, () -> "1 byte of noise")).isTrue();
        assertThat(log.lines)
                .containsExactly(
                        "WARNING 3 bytes of noise",
                        "WARNING 1 byte of noise (the burst before: 100 more, 203 in all)");
        assertThat(burst.events()).isEqualTo(102);
    }

    @Test
    void aResetStartsAFreshBurst() {
        Lines log = new Lines();
        AtomicLong now = new AtomicLong();
        BurstLog burst = new BurstLog(log, Level.INFO, Duration.ofSeconds(10), now::get);
        burst.event(1, () -> "a");
        burst.event(1, () -> "b");
        burst.reset();
        burst.event(1, () -> "c");
        assertThat(log.lines).containsExactly("INFO a", "INFO c");
    }
}
