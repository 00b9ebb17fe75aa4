package dev.rtbe.simulator;

import java.util.concurrent.atomic.AtomicInteger;

/** Server-wide count of requests holding a slot, over every model, and its high-water mark. */
final class Occupancy {
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger max = new AtomicInteger();

    void started() {
        int now = running.incrementAndGet();
        // A plain CAS loop: this runs inside a timed grant, where a lambda's first-use bootstrap would show.
        int seen;
        while ((seen = max.get()) < now && !max.compareAndSet(seen, now)) {
            // another grant raised it meanwhile; look again
        }
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
