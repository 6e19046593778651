package io.weir.host.poll;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

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
                next.run();
            } catch (RuntimeException | Error e) {
                // A bug in one event must not stop the device's queue for good.
                System.getLogger("io.weir.poll")
                        .log(System.Logger.Level.ERROR, "session task failed", e);
            } finally {
                WorkerPool.taskEnded();
            }
        }
    }
}
