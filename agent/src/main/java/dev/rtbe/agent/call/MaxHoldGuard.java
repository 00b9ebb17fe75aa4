package dev.rtbe.agent.call;

import dev.rtbe.agent.scheduler.Cancellable;
import dev.rtbe.agent.scheduler.SchedulerClock;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes a slot back from a call that held it past {@code rtbe.slots.max-hold}, with one timer for
 * all calls instead of one per call: scheduling and cancelling a timer task per call woke the
 * timer thread on every call (its queue was empty between calls), which cost more than the rest
 * of the gate. Held calls sit in a list in the order they were granted, which (with one max-hold
 * for all) is the order of their deadlines; the one timer waits for the earliest deadline it was
 * set for, and a call that ends only unlinks itself. A timer that finds nothing due sets itself
 * for the earliest deadline left.
 */
final class MaxHoldGuard {
    private final SchedulerClock clock;
    /** Sentinel of a circular doubly linked list of held calls; guarded by {@code this}. */
    private final Hold head = new Hold(0, null);
    /** The deadline of the latest timer set, while {@code timerSet}. */
    private long timerAt;
    private boolean timerSet;

    /** The timer's task (a class, not {@code this::expire}: no lambda is spun on a call's path). */
    private final Runnable expiry = new Runnable() {
        @Override
        public void run() {
            expire();
        }
    };

    MaxHoldGuard(SchedulerClock clock) {
        this.clock = clock;
        head.prev = head;
        head.next = head;
    }

    /** Runs {@code onExpiry} at {@code deadlineNanos} unless the returned hold is cancelled first. */
    Cancellable hold(long deadlineNanos, Runnable onExpiry) {
        Hold h = new Hold(deadlineNanos, onExpiry);
        boolean schedule;
        synchronized (this) {
            h.prev = head.prev;
            h.next = head;
            head.prev.next = h;
            head.prev = h;
            schedule = !timerSet || deadlineNanos - timerAt < 0;
            if (schedule) {
                timerSet = true;
                timerAt = deadlineNanos;
            }
        }
        if (schedule) {
            clock.schedule(deadlineNanos, expiry);
        }
        return h;
    }

    /** The timer: runs every expired hold (outside the lock) and sets itself for the next deadline. */
    private void expire() {
        long now = clock.nanoTime();
        List<Hold> due = new ArrayList<>();
        long next = 0;
        boolean schedule;
        synchronized (this) {
            boolean any = false;
            for (Hold h = head.next; h != head; ) {
                Hold following = h.next;
                if (h.deadline - now <= 0) {
                    h.unlink();
                    due.add(h);
                } else if (!any || h.deadline - next < 0) {
                    any = true;
                    next = h.deadline;
                }
                h = following;
            }
            // A timer for an earlier deadline set meanwhile fires on its own: keep the earliest.
            schedule = any && (!timerSet || timerAt - now <= 0 || next - timerAt < 0);
            if (schedule) {
                timerAt = next;
                timerSet = true;
            } else if (!any) {
                timerSet = timerSet && timerAt - now > 0;
            }
        }
        if (schedule) {
            clock.schedule(next, expiry);
        }
        for (Hold h : due) {
            h.onExpiry.run();
        }
    }

    private final class Hold implements Cancellable {
        final long deadline;
        final Runnable onExpiry;
        Hold prev;
        Hold next;

        Hold(long deadline, Runnable onExpiry) {
            this.deadline = deadline;
            this.onExpiry = onExpiry;
        }

        /** Unlinks; the caller holds the guard's lock. */
        void unlink() {
            if (prev != null) {
                prev.next = next;
                next.prev = prev;
                prev = null;
                next = null;
            }
        }

        @Override
        public void cancel() {
            synchronized (MaxHoldGuard.this) {
                unlink();
            }
        }
    }
}
