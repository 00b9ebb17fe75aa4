package dev.rtbe.agent.scheduler;

import dev.rtbe.agent.ledger.SlotWaiter;

/**
 * A call waiting for a slot of the in-process scheduler. It is a node of an intrusive list, so
 * leaving the queue from anywhere is O(1). All fields except the future's own state are guarded
 * by the scheduler's lock.
 */
final class Waiter extends SlotWaiter {
    enum State { QUEUED, GRANTED, GONE }

    final HybridScheduler scheduler;
    final int queuePosition;

    State state = State.QUEUED;
    boolean promoted;
    /** The scheduler's passed-over clock when the call arrived: aging counts from here. */
    long agingMark;
    Cancellable deadline;
    /** The end of an RT waiter's preemption grace. */
    Cancellable grace;
    Permit permit;

    Waiter prev;
    Waiter next;
    /** Link in the chain of waiters granted by one dispatch, delivered after the lock is released. */
    Waiter nextGranted;

    Waiter(HybridScheduler scheduler, Priority priority, long arrivalNanos, int queuePosition, int preemptions) {
        super(priority, arrivalNanos, preemptions);
        this.scheduler = scheduler;
        this.queuePosition = queuePosition;
    }

    @Override
    protected void leave() {
        scheduler.abandon(this);
    }
}
