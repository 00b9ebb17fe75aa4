package dev.rtbe.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** One request's "client went away" signal, fired by the disconnect watcher or a failed write. */
final class Cancellation {
    private final CountDownLatch latch = new CountDownLatch(1);
    private final List<Runnable> listeners = new ArrayList<>();
    private volatile long cancelledAt = -1;

    /**
     * Listeners run before timed waiters wake, so whatever they record (e.g. the disconnect time) is in place
     * before a woken generation decides its outcome.
     */
    void cancel() {
        List<Runnable> toRun;
        synchronized (this) {
            if (cancelledAt >= 0) return;
            cancelledAt = System.nanoTime();
            toRun = new ArrayList<>(listeners);
            listeners.clear();
        }
        toRun.forEach(Runnable::run);
        latch.countDown();
    }

    boolean isCancelled() {
        return cancelledAt >= 0;
    }

    /** System.nanoTime of the cancel, or -1. */
    long cancelledAt() {
        return cancelledAt;
    }

    /** Runs {@code r} on cancel, or at once if already cancelled (so a waiter can never miss the wake-up). */
    void onCancel(Runnable r) {
        synchronized (this) {
            if (cancelledAt < 0) {
                listeners.add(r);
                return;
            }
        }
        r.run();
    }

    /** Waits until the System.nanoTime deadline; true if cancelled first (or already). */
    boolean awaitUntil(long deadline) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0) return isCancelled();
        return latch.await(left, TimeUnit.NANOSECONDS) || isCancelled();
    }
}
