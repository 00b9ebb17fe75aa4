package dev.rtbe.simulator;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Ollama's per-model parallelism semaphore (one per model): N slots and a FIFO queue of waiters behind them, unbounded unless a
 * maxQueue is set. A waiter whose client disconnects leaves the queue, as with Go's semaphore.Acquire(ctx).
 * Grants happen under the lock, so grant time and order are exact even if the woken thread runs late.
 */
final class SlotScheduler {
    /** A granted slot; fields are written under the scheduler's lock before the waiter sees {@code granted}. */
    static final class Ticket {
        private boolean granted;
        private boolean released;
        long queueSeq;
        long startSeq;
        long enqueuedAt;
        long grantedAt;
        int runningAtStart;
    }

    private final int slots;
    private final int maxQueue;
    private final Runnable onChange;
    private final Occupancy occupancy;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Ticket> queue = new ArrayDeque<>();
    private int running;
    private int maxRunning;
    private long nextQueueSeq;
    private long nextStartSeq;

    SlotScheduler(int slots, int maxQueue, Occupancy occupancy, Runnable onChange) {
        this.slots = slots;
        this.maxQueue = maxQueue;
        this.occupancy = occupancy;
        this.onChange = onChange;
    }

    /**
     * Blocks until a slot is granted. Returns null if the client disconnected while waiting.
     *
     * @throws QueueFullException when maxQueue requests are already waiting
     */
    Ticket acquire(Cancellation cancel) throws QueueFullException, InterruptedException {
        Ticket t = new Ticket();
        lock.lock();
        try {
            // Taken under the lock, and a free slot is granted at the same instant: a request that found a
            // slot free waited for no other request's (scaled) work, and the time scale would magnify a
            // thread's few ms off the CPU here into a wait of a tenth of a second or more.
            t.enqueuedAt = System.nanoTime();
            t.queueSeq = nextQueueSeq++;
            if (queue.isEmpty() && running < slots) {
                grant(t, t.enqueuedAt);
            } else {
                if (queue.size() >= maxQueue) throw new QueueFullException();
                queue.addLast(t);
                cancel.onCancel(this::wakeAll);
                while (!t.granted) {
                    if (cancel.isCancelled()) {
                        queue.remove(t);
                        return null;
                    }
                    changed.await();
                }
            }
        } finally {
            lock.unlock();
        }
        onChange.run();
        return t;
    }

    /** Frees the ticket's slot; only the first call for a ticket counts. */
    void release(Ticket t) {
        lock.lock();
        try {
            if (t.released) return;
            t.released = true;
            running--;
            occupancy.ended();
            long now = System.nanoTime();
            while (running < slots && !queue.isEmpty()) grant(queue.pollFirst(), now);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    private void grant(Ticket t, long now) {
        running++;
        occupancy.started();
        maxRunning = Math.max(maxRunning, running);
        t.runningAtStart = running;
        t.startSeq = nextStartSeq++;
        t.grantedAt = now;
        t.granted = true;
    }

    private void wakeAll() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    int running() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    int maxRunning() {
        lock.lock();
        try {
            return maxRunning;
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the high-water mark (keeps what runs now) and restarts the sequence numbers. */
    void resetStats() {
        lock.lock();
        try {
            maxRunning = running;
            nextQueueSeq = 0;
            nextStartSeq = 0;
        } finally {
            lock.unlock();
        }
    }
}
