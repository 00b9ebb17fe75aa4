package dev.rtbe.agent.scheduler;

/** An intrusive doubly linked list of waiters, in arrival order (re-queued calls are inserted in it). Guarded by the scheduler's lock. */
final class WaitQueue {
    private Waiter first;
    private Waiter last;
    private int size;

    void addLast(Waiter w) {
        w.prev = last;
        w.next = null;
        if (last == null) {
            first = w;
        } else {
            last.next = w;
        }
        last = w;
        size++;
    }

    /** Inserts after every waiter that arrived no later than {@code w}: arrival order is kept. */
    void insertByArrival(Waiter w) {
        Waiter after = last;
        while (after != null && after.arrivalNanos > w.arrivalNanos) {
            after = after.prev;
        }
        w.prev = after;
        w.next = after == null ? first : after.next;
        if (after == null) {
            first = w;
        } else {
            after.next = w;
        }
        if (w.next == null) {
            last = w;
        } else {
            w.next.prev = w;
        }
        size++;
    }

    void remove(Waiter w) {
        if (w.prev == null) {
            first = w.next;
        } else {
            w.prev.next = w.next;
        }
        if (w.next == null) {
            last = w.prev;
        } else {
            w.next.prev = w.prev;
        }
        w.prev = null;
        w.next = null;
        size--;
    }

    /** The oldest waiter, or null. */
    Waiter first() {
        return first;
    }

    /** The newest waiter, or null. */
    Waiter last() {
        return last;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }
}
