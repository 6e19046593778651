package io.weir.host.poll;

import io.weir.host.io.FakeLink;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * A worker pool that holds what it is given until the test runs it, so that a test sees whether a
 * device's event went to a worker or ran on the link's thread.
 */
final class HeldPool implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    /** Tasks given and not run yet. */
    int held() {
        return tasks.size();
    }

    /** Runs what it holds, and what those tasks give it, as a worker would. */
    void runAll() {
        while (!tasks.isEmpty()) {
            tasks.poll().run();
        }
    }

    /**
     * One cycle of a device with one request: the tick falls, the poll goes out, {@code answer}
     * comes back from the link.
     *
     * @return whether the answer was decoded on the link's thread (nothing was held for a worker)
     */
    boolean cycle(ManualClock clock, long intervalMs, FakeLink link, byte[] answer) {
        clock.advanceMillis(intervalMs);
        runAll();
        link.takeSent();
        link.receive(answer);
        boolean here = tasks.isEmpty();
        runAll();
        return here;
    }
}
