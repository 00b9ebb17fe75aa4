package dev.rtbe.agent.scheduler;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hybrid RT/BE slot scheduler.
 *
 * <p>Admission, decided and claimed under one lock: RT may start iff {@code inFlight < N}; BE may
 * start iff {@code beInFlight + max(R, rtInFlight) < N}. RT waiters are served FIFO (or LIFO), BE
 * waiters FIFO. A BE waiter that has waited {@code promotionAfter} is promoted: it then beats RT
 * for any slot BE may take, oldest first. After every event the scheduler grants until nobody who
 * may start is left waiting, so no waiter waits while a slot it may take is free.
 *
 * <p>Correct by construction where the seed's Python scheduler was not: there are no per-class
 * pools to move permits between, only two in-flight counters; a permit knows its class and is
 * released once (compare-and-set); the hand-off to a waiter is decided under the lock and
 * delivered after it, and a waiter that was cancelled in between hands its slot straight back.
 * Nothing blocks while holding the lock, and futures are completed outside it, so the caller's
 * continuations never run under it.
 */
public final class HybridScheduler {
    private final SchedulerPolicy policy;
    private final SchedulerClock clock;
    private final ReentrantLock lock = new ReentrantLock();

    // Everything below is guarded by lock.
    private final WaitQueue rtQueue = new WaitQueue();
    private final WaitQueue beQueue = new WaitQueue();
    /** The oldest BE waiter not yet promoted. BE is FIFO, so promoted waiters form a prefix. */
    private Waiter nextToPromote;
    private int rtInFlight;
    private int beInFlight;
    private int promotedWaiting;
    private long promotions;
    private final long[] granted = new long[2];
    private final long[] released = new long[2];
    private final long[] rejectedQueueFull = new long[2];
    private final long[] rejectedMaxWait = new long[2];
    private final long[] rejectedCallTimeout = new long[2];
    private final long[] cancelled = new long[2];

    public HybridScheduler(SchedulerPolicy policy, SchedulerClock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    public SchedulerPolicy policy() {
        return policy;
    }

    public SchedulerClock clock() {
        return clock;
    }

    /**
     * Waits for a slot. {@code timeout} is the call's own limit ({@code null} = none); the class's
     * max-wait applies as well.
     *
     * @throws InterruptedException if interrupted while waiting; the waiter has left the queue
     * @throws SchedulerRejectedException if the queue is full or a wait limit passed
     */
    public Permit acquire(Priority priority, Duration timeout)
            throws InterruptedException, SchedulerRejectedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Object admitted = admit(priority, timeout);
        if (admitted instanceof Permit) {
            return (Permit) admitted;
        }
        if (admitted instanceof SchedulerRejectedException) {
            throw (SchedulerRejectedException) admitted;
        }
        Waiter waiter = (Waiter) admitted;
        try {
            return waiter.get();
        } catch (InterruptedException e) {
            // Leave the queue. If a slot was granted at the same moment, hand it straight back.
            if (!waiter.cancel(false) && !waiter.isCompletedExceptionally()) {
                waiter.join().release();
            }
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SchedulerRejectedException) {
                throw (SchedulerRejectedException) cause;
            }
            throw new IllegalStateException("unexpected failure while waiting for a slot", cause);
        }
    }

    /**
     * Asks for a slot without blocking. The future completes with the permit, or fails with a
     * {@link SchedulerRejectedException}. Cancelling it removes the waiter; a slot granted at the
     * same moment passes on to the next waiter. Continuations attached to the future may run on
     * the thread that released the slot, so keep them short or make them async.
     */
    public CompletableFuture<Permit> acquireAsync(Priority priority, Duration timeout) {
        Object admitted = admit(priority, timeout);
        if (admitted instanceof Permit) {
            return CompletableFuture.completedFuture((Permit) admitted);
        }
        if (admitted instanceof SchedulerRejectedException) {
            CompletableFuture<Permit> failed = new CompletableFuture<>();
            failed.completeExceptionally((SchedulerRejectedException) admitted);
            return failed;
        }
        return (Waiter) admitted;
    }

    /** Takes a slot if one may be taken right now without passing a waiter; otherwise null. */
    public Permit tryAcquire(Priority priority) {
        long now = clock.nanoTime();
        lock.lock();
        try {
            promoteDue(now);
            return mayStartNow(priority) ? newPermit(priority, now, now, false, 0) : null;
        } finally {
            lock.unlock();
        }
    }

    public SchedulerSnapshot snapshot() {
        long now = clock.nanoTime();
        lock.lock();
        try {
            promoteDue(now);
            return new SchedulerSnapshot(policy.totalSlots(), policy.rtReservedSlots(),
                    new int[] {rtInFlight, beInFlight}, new int[] {rtQueue.size(), beQueue.size()},
                    promotedWaiting, promotions, granted.clone(), released.clone(),
                    rejectedQueueFull.clone(), rejectedMaxWait.clone(), rejectedCallTimeout.clone(),
                    cancelled.clone());
        } finally {
            lock.unlock();
        }
    }

    /** Returns a {@link Permit} (started at once), a {@link Waiter} (queued) or the rejection. */
    private Object admit(Priority priority, Duration timeout) {
        long now = clock.nanoTime();
        lock.lock();
        try {
            promoteDue(now);
            if (mayStartNow(priority)) {
                return newPermit(priority, now, now, false, 0);
            }
            WaitQueue queue = queue(priority);
            int maxLength = policy.maxQueueLength(priority);
            if (queue.size() >= maxLength) {
                rejectedQueueFull[priority.ordinal()]++;
                return new QueueFullException(priority, queue.size(), maxLength);
            }
            Waiter waiter = new Waiter(this, priority, now, positionAtArrival(priority));
            queue.addLast(waiter);
            if (priority == Priority.BE && nextToPromote == null) {
                nextToPromote = waiter;
            }
            scheduleDeadline(waiter, timeout, now);
            return waiter;
        } finally {
            lock.unlock();
        }
    }

    /** Called once per permit, by {@link Permit#release()}. */
    void onRelease(Permit permit) {
        Waiter grantedChain;
        lock.lock();
        try {
            if (permit.priority() == Priority.RT) {
                rtInFlight--;
            } else {
                beInFlight--;
            }
            released[permit.priority().ordinal()]++;
            grantedChain = dispatch(clock.nanoTime());
        } finally {
            lock.unlock();
        }
        deliver(grantedChain);
    }

    /** The waiter's future was cancelled or failed from outside: take it out of the queue. */
    void abandon(Waiter waiter) {
        lock.lock();
        try {
            if (waiter.state != Waiter.State.QUEUED) {
                return; // already granted (the deliverer hands the slot back) or already gone
            }
            leaveQueue(waiter);
            cancelled[waiter.priority.ordinal()]++;
        } finally {
            lock.unlock();
        }
    }

    private void expire(Waiter waiter, long limitNanos, boolean callTimeout) {
        long now = clock.nanoTime();
        lock.lock();
        try {
            if (waiter.state != Waiter.State.QUEUED) {
                return;
            }
            leaveQueue(waiter);
            (callTimeout ? rejectedCallTimeout : rejectedMaxWait)[waiter.priority.ordinal()]++;
        } finally {
            lock.unlock();
        }
        waiter.failFromScheduler(
                new QueueTimeoutException(waiter.priority, now - waiter.arrivalNanos, limitNanos, callTimeout));
    }

    /** Completes the granted waiters' futures, outside the lock. */
    private static void deliver(Waiter chain) {
        while (chain != null) {
            Waiter waiter = chain;
            chain = waiter.nextGranted;
            waiter.nextGranted = null;
            Permit permit = waiter.permit;
            if (!waiter.complete(permit)) {
                permit.release(); // cancelled between grant and delivery: the slot passes on
            }
        }
    }

    /**
     * Grants slots to waiters until nobody who may start is left waiting. Returns the granted
     * waiters as a chain, to be delivered after the lock is released.
     */
    private Waiter dispatch(long now) {
        promoteDue(now);
        Waiter head = null;
        Waiter tail = null;
        while (true) {
            Waiter be = beQueue.first();
            Waiter rt = policy.rtOrder() == RtOrder.FIFO ? rtQueue.first() : rtQueue.last();
            Waiter chosen;
            if (be != null && be.promoted && beMayStart()) {
                chosen = be; // promoted BE beats RT for a slot BE may take
            } else if (rt != null && rtMayStart()) {
                chosen = rt;
            } else if (be != null && beMayStart()) {
                chosen = be;
            } else {
                return head;
            }
            leaveQueue(chosen);
            chosen.state = Waiter.State.GRANTED;
            chosen.permit = newPermit(chosen.priority, chosen.arrivalNanos, now, chosen.promoted,
                    chosen.queuePosition);
            if (tail == null) {
                head = chosen;
            } else {
                tail.nextGranted = chosen;
            }
            tail = chosen;
        }
    }

    /** Marks the BE waiters that have waited long enough as promoted; O(1) per promotion. */
    private void promoteDue(long now) {
        long after = policy.promotionAfterNanos();
        if (after == SchedulerPolicy.UNLIMITED) {
            return;
        }
        while (nextToPromote != null && now - nextToPromote.arrivalNanos >= after) {
            nextToPromote.promoted = true;
            promotedWaiting++;
            promotions++;
            nextToPromote = nextToPromote.next;
        }
    }

    /** True when a new call of this class may start now without passing anyone. */
    private boolean mayStartNow(Priority priority) {
        if (priority == Priority.RT) {
            return rtQueue.isEmpty() && rtMayStart();
        }
        return beQueue.isEmpty() && rtQueue.isEmpty() && beMayStart();
    }

    private boolean rtMayStart() {
        return rtInFlight + beInFlight < policy.totalSlots();
    }

    private boolean beMayStart() {
        return beInFlight + Math.max(policy.rtReservedSlots(), rtInFlight) < policy.totalSlots();
    }

    private Permit newPermit(Priority priority, long arrival, long now, boolean promoted, int position) {
        if (priority == Priority.RT) {
            rtInFlight++;
        } else {
            beInFlight++;
        }
        granted[priority.ordinal()]++;
        return new Permit(this, priority, arrival, now, promoted, position);
    }

    /** Waiters ahead of a new arrival: for RT those served before it, for BE all RT and older BE. */
    private int positionAtArrival(Priority priority) {
        if (priority == Priority.RT) {
            return (policy.rtOrder() == RtOrder.FIFO ? rtQueue.size() : 0) + promotedWaiting;
        }
        return rtQueue.size() + beQueue.size();
    }

    private void leaveQueue(Waiter waiter) {
        if (waiter == nextToPromote) {
            nextToPromote = waiter.next;
        }
        if (waiter.promoted) {
            promotedWaiting--;
        }
        queue(waiter.priority).remove(waiter);
        waiter.state = Waiter.State.GONE;
        if (waiter.deadline != null) {
            waiter.deadline.cancel();
            waiter.deadline = null;
        }
    }

    private void scheduleDeadline(Waiter waiter, Duration callTimeout, long now) {
        long classLimit = policy.maxWaitNanos(waiter.priority);
        long callLimit = callTimeout == null ? SchedulerPolicy.UNLIMITED : nanos(callTimeout);
        long limit = Math.min(classLimit, callLimit);
        if (limit == SchedulerPolicy.UNLIMITED) {
            return;
        }
        boolean isCallTimeout = callLimit < classLimit;
        long deadline = now + limit < now ? Long.MAX_VALUE : now + limit;
        waiter.deadline = clock.schedule(deadline, () -> expire(waiter, limit, isCallTimeout));
    }

    private WaitQueue queue(Priority priority) {
        return priority == Priority.RT ? rtQueue : beQueue;
    }

    private static long nanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return SchedulerPolicy.UNLIMITED;
        }
    }

    @Override
    public String toString() {
        return "HybridScheduler[" + policy + "; " + snapshot() + "]";
    }
}
