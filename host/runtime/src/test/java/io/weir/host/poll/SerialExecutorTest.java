package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.LogCapture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One device's tasks, in order and never two at once, on a pool or on a link's own thread. */
class SerialExecutorTest {
    private final ArrayDeque<Runnable> pool = new ArrayDeque<>();
    private final SerialExecutor serial = new SerialExecutor(pool::add);
    private final List<String> ran = new ArrayList<>();

    private void runPool() {
        while (!pool.isEmpty()) {
            pool.poll().run();
        }
    }

    @Test
    void tasksRunInOrderOnThePool() {
        serial.execute(() -> ran.add("a"));
        serial.execute(() -> ran.add("b"));
        assertThat(pool).as("one drain for both").hasSize(1);
        assertThat(ran).isEmpty();
        runPool();
        assertThat(ran).containsExactly("a", "b");
    }

    @Test
    void anIdleExecutorRunsATaskOnTheCallersThread() {
        Thread caller = Thread.currentThread();
        List<Thread> threads = new ArrayList<>();
        assertThat(serial.executeHere(() -> threads.add(Thread.currentThread()))).isTrue();
        assertThat(threads).containsExactly(caller);
        assertThat(pool).isEmpty();
        // It is idle again afterwards.
        assertThat(serial.executeHere(() -> ran.add("again"))).isTrue();
        assertThat(ran).containsExactly("again");
    }

    @Test
    void aBusyExecutorQueuesTheTaskBehindTheOthers() {
        serial.execute(() -> ran.add("first"));
        assertThat(serial.executeHere(() -> ran.add("second"))).isFalse();
        assertThat(ran).as("nothing runs on the caller while a task waits").isEmpty();
        runPool();
        assertThat(ran).containsExactly("first", "second");
    }

    @Test
    void tasksQueuedByATaskRunningHereGoToThePoolAfterIt() {
        serial.executeHere(
                () -> {
                    ran.add("here");
                    serial.execute(() -> ran.add("queued"));
                    assertThat(pool).as("not while the first runs").isEmpty();
                });
        assertThat(ran).containsExactly("here");
        assertThat(pool).hasSize(1);
        runPool();
        assertThat(ran).containsExactly("here", "queued");
        assertThat(serial.executeHere(() -> ran.add("idle again"))).isTrue();
    }

    @Test
    void aFailingTaskLeavesTheExecutorUsable() {
        assertThat(
                        serial.executeHere(
                                () -> {
                                    throw new IllegalStateException("bug in one event");
                                }))
                .isTrue();
        assertThat(serial.executeHere(() -> ran.add("next"))).isTrue();
        serial.execute(
                () -> {
                    throw new IllegalStateException("bug on the pool");
                });
        serial.execute(() -> ran.add("after"));
        runPool();
        assertThat(ran).containsExactly("next", "after");
    }

    @Test
    void aTaskRefusedAtShutdownIsOneQuietLineAndABugIsAnError() {
        try (LogCapture log = LogCapture.of("io.weir.poll")) {
            List<java.util.logging.LogRecord> records = log.records();
            serial.executeHere(
                    () -> {
                        throw new java.util.concurrent.RejectedExecutionException("pool shut down");
                    });
            serial.executeHere(() -> ran.add("next"));
            assertThat(ran).containsExactly("next");
            assertThat(records).hasSize(1);
            assertThat(records.get(0).getLevel()).isEqualTo(java.util.logging.Level.FINE);
            assertThat(records.get(0).getThrown()).isNull();
            serial.executeHere(
                    () -> {
                        throw new IllegalStateException("bug");
                    });
            assertThat(records).hasSize(2);
            assertThat(records.get(1).getLevel()).isEqualTo(java.util.logging.Level.SEVERE);
            assertThat(records.get(1).getThrown()).hasMessage("bug");
        }
    }
}
