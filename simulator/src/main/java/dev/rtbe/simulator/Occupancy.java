package dev.rtbe.simulator;

import java.util.concurrent.atomic.AtomicInteger;

/** Server-wide count of requests holding a slot, over every model, and its high-water mark. */
final class Occupancy {
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger max = new AtomicInteger();

    void started() {
        int now = running.incrementAndGet();
        max.accumulateAndGet(now, Math::max);
    }

    void ended() {
        running.decrementAndGet();
    }

    int running() {
        return running.get();
    }

    int max() {
        return max.get();
    }

    /** Forgets the high-water mark, keeping what runs now. */
    void resetMax() {
        max.set(running.get());
    }
}
