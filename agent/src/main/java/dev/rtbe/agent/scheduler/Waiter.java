package dev.rtbe.agent.scheduler;

import java.util.concurrent.CompletableFuture;

/**
 * A call waiting for a slot. It is also the future handed to the caller, so waiting costs one
 * object; it is a node of an intrusive list, so leaving the queue from anywhere is O(1).
 * All fields except the future's own state are guarded by the scheduler's lock.
 */
final class Waiter extends CompletableFuture<Permit> {
    enum State { QUEUED, GRANTED, GONE }

    final HybridScheduler scheduler;
    final Priority priority;
    final long arrivalNanos;
    final int queuePosition;
    /** How often the call was preempted before (0 for a new call). */
    final int preemptions;

    State state = State.QUEUED;
    boolean promoted;
    Cancellable deadline;
    /** The end of an RT waiter's preemption grace. */
    Cancellable grace;
    Permit permit;

    Waiter prev;
    Waiter next;
    /** Link in the chain of waiters granted by one dispatch, delivered after the lock is released. */
    Waiter nextGranted;

    Waiter(HybridScheduler scheduler, Priority priority, long arrivalNanos, int queuePosition, int preemptions) {
        this.scheduler = scheduler;
        this.priority = priority;
        this.arrivalNanos = arrivalNanos;
        this.queuePosition = queuePosition;
        this.preemptions = preemptions;
    }

    /** Cancelling the future takes the waiter out of the queue; a slot granted meanwhile passes on. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            scheduler.abandon(this);
        }
        return cancelled;
    }

    /** Failing the future from outside (e.g. {@code orTimeout}) counts as leaving the queue too. */
    @Override
    public boolean completeExceptionally(Throwable ex) {
        boolean failed = super.completeExceptionally(ex);
        if (failed) {
            scheduler.abandon(this);
        }
        return failed;
    }

    /** Fails the future on the scheduler's behalf, once the waiter is already out of the queue. */
    boolean failFromScheduler(Throwable ex) {
        return super.completeExceptionally(ex);
    }
}
