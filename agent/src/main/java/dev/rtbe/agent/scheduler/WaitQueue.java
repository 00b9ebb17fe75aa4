package dev.rtbe.agent.scheduler;

/** An intrusive doubly linked list of waiters, in arrival order. Guarded by the scheduler's lock. */
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
