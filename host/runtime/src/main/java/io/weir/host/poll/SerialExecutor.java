package io.weir.host.poll;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks one at a time, in order, on a shared pool: a device's events (ticks, bytes, timeouts)
 * never run concurrently, so its driver instance is never called from two threads at once (ABI
 * §2.7), yet no device owns a thread.
 */
final class SerialExecutor implements Executor {
    private final Executor pool;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        pool.execute(this::drain);
    }

    /**
     * Runs {@code task} on the calling thread if no task of this executor is queued or running,
     * else queues it as {@link #execute} does. Tasks queued while it runs are handed to the pool
     * afterwards, never run here: the caller (a link's I/O thread) does at most this one task.
     *
     * @return whether the task ran on the calling thread
     */
    boolean executeHere(Runnable task) {
        synchronized (tasks) {
            if (running) {
                tasks.add(task);
                return false;
            }
            running = true;
        }
        try {
            runOne(task);
        } finally {
            synchronized (tasks) {
                if (tasks.isEmpty()) {
                    running = false;
                } else {
                    pool.execute(this::drain);
                }
            }
        }
        return true;
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            WorkerPool.taskStarted();
            try {
                runOne(next);
            } finally {
                WorkerPool.taskEnded();
            }
        }
    }

    /** Runs one event: a bug in one must not stop the device's queue for good. */
    private static void runOne(Runnable task) {
        try {
            task.run();
        } catch (RejectedExecutionException e) {
            // The host is closing: the task wanted a timer or a worker that has shut down. An
            // expected end, one line without a trace.
            System.getLogger("io.weir.poll")
                    .log(
                            System.Logger.Level.DEBUG,
                            "session task dropped at shutdown: {0}",
                            e.toString());
        } catch (RuntimeException | Error e) {
            System.getLogger("io.weir.poll")
                    .log(System.Logger.Level.ERROR, "session task failed", e);
        }
    }
}
