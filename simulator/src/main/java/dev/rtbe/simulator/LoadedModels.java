package dev.rtbe.simulator;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Ollama's runner table: which models are loaded, each model's own slots, loads and evictions. A request first
 * attaches to its model's runner (Ollama's scheduleRunner: load_duration), then queues for one of that model's
 * slots (the semaphore inside the runner). A request for a loaded model attaches at once. A request for an unloaded
 * model waits its turn (FIFO, like Ollama's one pending-request loop); when {@code maxLoadedModels} are loaded it
 * waits until one of them is idle (nothing waiting for its load, queued or running), evicts the least recently used
 * idle one, then loads. Loads hold no slot and no lock, so other models keep running meanwhile.
 */
final class LoadedModels {
    /** One model's runner. Its slot scheduler lives as long as the server; the other fields are guarded by the table's lock. */
    static final class Runner {
        final String model;
        final SlotScheduler slots;
        private boolean loaded;
        /** System.nanoTime at which the current load ends(ed). */
        private long readyAt;
        /** Requests attached: waiting for the load, queued for a slot or running. */
        private int refs;
        /** Use sequence number, for LRU eviction. */
        private long lastUsed;
        private Instant lastUsedAt = Instant.now();

        private Runner(String model, SlotScheduler slots) {
            this.model = model;
            this.slots = slots;
        }
    }

    /** A request's hold on its model's runner, from attach to the end of the request; close is idempotent. */
    final class Lease implements AutoCloseable {
        private final Runner runner;
        private final long loadNanos;
        private boolean closed;

        private Lease(Runner runner, long loadNanos) {
            this.runner = runner;
            this.loadNanos = loadNanos;
        }

        SlotScheduler slots() {
            return runner.slots;
        }

        /** MODEL-time nanoseconds from attach to a ready runner: eviction wait plus load (0 when loaded). */
        long loadNanos() {
            return loadNanos;
        }

        /**
         * Frees the ticket's slot and detaches: once the request holds nothing, its model may be evicted even while
         * its last bytes are still being written.
         */
        void release(SlotScheduler.Ticket ticket) {
            runner.slots.release(ticket);
            close();
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            detach(runner);
        }
    }

    /** A loaded model as /api/ps shows it. */
    record Loaded(String model, Instant lastUsedAt) {
    }

    private final SimulatorConfig config;
    private final TimingModel timing;
    private final Occupancy occupancy;
    private final Runnable onChange;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Runner> runners = new HashMap<>();
    /** Requests waiting to load an unloaded model, in arrival order; only the head may evict and load. */
    private final ArrayDeque<Object> pendingLoads = new ArrayDeque<>();
    private long useSeq;

    LoadedModels(SimulatorConfig config, TimingModel timing, Occupancy occupancy, Runnable onChange) {
        this.config = config;
        this.timing = timing;
        this.occupancy = occupancy;
        this.onChange = onChange;
    }

    /**
     * Attaches to the (normalized) model's runner, loading it first if needed. Blocks through any eviction wait and
     * load; returns null if the client disconnected meanwhile (the load, once started, still completes).
     */
    Lease attach(String model, Cancellation cancel) throws InterruptedException {
        long start = System.nanoTime();
        long loadNanos = -1; // set when this request starts the load: its own wait plus the modelled load
        Runner r;
        long readyAt;
        lock.lock();
        try {
            r = runner(model);
            if (!r.loaded) {
                Object turn = new Object();
                pendingLoads.addLast(turn);
                cancel.onCancel(this::wakeAll);
                boolean waited = false;
                try {
                    while (!r.loaded) {
                        if (cancel.isCancelled()) return null;
                        if (pendingLoads.peekFirst() == turn && makeRoom()) {
                            long evictionWait = waited ? timing.toModel(System.nanoTime() - start) : 0;
                            load(r);
                            loadNanos = evictionWait + config.loadTimeFor(model).toNanos();
                        } else {
                            changed.await();
                            waited = true;
                        }
                    }
                } finally {
                    pendingLoads.remove(turn);
                    changed.signalAll();
                }
            }
            r.refs++;
            used(r);
            readyAt = r.readyAt;
        } finally {
            lock.unlock();
        }
        onChange.run();
        // The load itself is waited out with no lock held.
        if (cancel.awaitUntil(readyAt)) {
            detach(r);
            return null;
        }
        // A request that found the model loading (or loaded) waited for what was left of that load. Handler overhead
        // is left out of an unwaited load, as the time scale would magnify it.
        if (loadNanos < 0) loadNanos = timing.toModel(Math.max(0, readyAt - start));
        return new Lease(r, loadNanos);
    }

    /** True when one more model may be loaded, after evicting the least recently used idle model if needed. */
    private boolean makeRoom() {
        if (config.maxLoadedModels() == 0) return true;
        int loaded = 0;
        Runner victim = null;
        for (Runner r : runners.values()) {
            if (!r.loaded) continue;
            loaded++;
            // An idle model mid-load (its requester left) may go too: nobody waits for it.
            if (r.refs == 0 && (victim == null || r.lastUsed < victim.lastUsed)) victim = r;
        }
        if (loaded < config.maxLoadedModels()) return true;
        if (victim == null) return false;
        victim.loaded = false;
        return true;
    }

    private void load(Runner r) {
        r.loaded = true;
        r.readyAt = System.nanoTime() + timing.toWall(config.loadTimeFor(r.model).toNanos());
    }

    private void detach(Runner r) {
        lock.lock();
        try {
            r.refs--;
            used(r);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    private void used(Runner r) {
        r.lastUsed = ++useSeq;
        r.lastUsedAt = Instant.now();
    }

    private Runner runner(String model) {
        return runners.computeIfAbsent(model, m -> new Runner(m,
                new SlotScheduler(config.slotsFor(m), config.maxQueue(), occupancy, onChange)));
    }

    private void wakeAll() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Marks every model unloaded: the next request for each pays its load again (running requests go on). */
    void unloadAll() {
        lock.lock();
        try {
            for (Runner r : runners.values()) r.loaded = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    /** Models loaded and ready, most recently used first (Ollama sorts /api/ps by expiry, latest first). */
    List<Loaded> loaded() {
        long now = System.nanoTime();
        List<Runner> ready = new ArrayList<>();
        lock.lock();
        try {
            for (Runner r : runners.values()) if (r.loaded && r.readyAt <= now) ready.add(r);
            ready.sort((a, b) -> Long.compare(b.lastUsed, a.lastUsed));
            List<Loaded> out = new ArrayList<>(ready.size());
            for (Runner r : ready) out.add(new Loaded(r.model, r.lastUsedAt));
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** The model's slot scheduler, or null if no request for it came yet. */
    SlotScheduler slots(String model) {
        lock.lock();
        try {
            Runner r = runners.get(model);
            return r == null ? null : r.slots;
        } finally {
            lock.unlock();
        }
    }

    /** Every model's slot scheduler (for totals). */
    List<SlotScheduler> allSlots() {
        lock.lock();
        try {
            List<SlotScheduler> out = new ArrayList<>();
            for (Runner r : runners.values()) out.add(r.slots);
            return out;
        } finally {
            lock.unlock();
        }
    }
}
