package dev.rtbe.agent.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately naive re-statement of DESIGN.md's scheduling rules (plain lists, promotion
 * recomputed from age at every decision) that the randomized test runs side by side with the real
 * scheduler. It shares no code with it, so a bookkeeping bug in either shows up as a difference.
 */
final class ReferenceModel {
    static final class Entry {
        final int id;
        final Priority priority;
        final long arrival;
        final long deadline; // Long.MAX_VALUE = none
        /** The aging clock when it arrived (passed-over aging). */
        long mark;

        Entry(int id, Priority priority, long arrival, long deadline) {
            this.id = id;
            this.priority = priority;
            this.arrival = arrival;
            this.deadline = deadline;
        }
    }

    int n;
    int r;
    boolean probe;
    private final int configuredR;
    private final RtOrder order;
    private final long promotionAfter;
    private final int rtMax;
    private final int beMax;
    final List<Entry> rtQueue = new ArrayList<>();
    final List<Entry> beQueue = new ArrayList<>();
    int rtIn;
    int beIn;
    /** Passed-over aging: the clock advances only while BE waits and RT holds more than R slots. */
    private final boolean passedOver;
    private long aging;
    private long agingAt = Long.MIN_VALUE;

    ReferenceModel(SchedulerPolicy p) {
        n = p.totalSlots();
        r = p.rtReservedSlots();
        configuredR = r;
        order = p.rtOrder();
        promotionAfter = p.promotionAfterNanos();
        rtMax = p.maxQueueLength(Priority.RT);
        beMax = p.maxQueueLength(Priority.BE);
        passedOver = p.agingPassedOver();
    }

    /** Runs the aging clock up to {@code t} under the state since the last change; call before every change. */
    void age(long t) {
        aging = agingAt(t);
        agingAt = Math.max(agingAt, t);
    }

    private long agingAt(long t) {
        if (agingAt == Long.MIN_VALUE) {
            return t;
        }
        boolean runs = !passedOver || (!beQueue.isEmpty() && rtIn > r);
        return runs && t > agingAt ? aging + (t - agingAt) : aging;
    }

    /** N changes: R is the configured R, at most N - 1; nothing running is revoked. */
    void setTotalSlots(int newN, boolean newProbe, long now) {
        age(now);
        n = newN;
        r = Math.min(configuredR, newN - 1);
        probe = newProbe;
    }

    /** More runs than N and R admit: left over from a shrink (nothing is revoked). */
    boolean overCommitted() {
        return rtIn + beIn > n || beIn + Math.max(r, rtIn) > n;
    }

    /** With a probe, RT may be the (N+1)-th call only when the pool has no BE call at all. */
    boolean rtMayStart() {
        if (rtIn + beIn < n) {
            return true;
        }
        return probe && rtIn + beIn == n && beIn == 0 && beQueue.isEmpty();
    }

    /** With a probe, BE may be the (N+1)-th call when N are busy, RT holds R of them and none waits. */
    boolean beMayStart() {
        if (beIn + Math.max(r, rtIn) < n) {
            return true;
        }
        return probe && rtIn + beIn == n && rtIn >= r && rtQueue.isEmpty();
    }

    boolean promoted(Entry e, long now) {
        if (promotionAfter == SchedulerPolicy.UNLIMITED) {
            return false;
        }
        return passedOver ? agingAt(now) - e.mark >= promotionAfter : now - e.arrival >= promotionAfter;
    }

    int promotedWaiting(long now) {
        int count = 0;
        for (Entry e : beQueue) {
            if (promoted(e, now)) {
                count++;
            }
        }
        return count;
    }

    /** "granted", "queued" or "full". */
    String arrive(Entry e, long now) {
        age(now);
        e.mark = aging;
        boolean startNow = e.priority == Priority.RT
                ? rtQueue.isEmpty() && rtMayStart()
                : beQueue.isEmpty() && rtQueue.isEmpty() && beMayStart();
        if (startNow) {
            take(e.priority);
            return "granted";
        }
        List<Entry> q = e.priority == Priority.RT ? rtQueue : beQueue;
        if (q.size() >= (e.priority == Priority.RT ? rtMax : beMax)) {
            return "full";
        }
        q.add(e);
        return "queued";
    }

    void release(Priority p, long now) {
        age(now);
        if (p == Priority.RT) {
            rtIn--;
        } else {
            beIn--;
        }
    }

    /** Grants until nobody may start; returns the ids granted, in order. */
    List<Integer> dispatch(long now) {
        age(now);
        List<Integer> granted = new ArrayList<>();
        while (true) {
            Entry be = beQueue.isEmpty() ? null : beQueue.get(0);
            Entry rt = rtQueue.isEmpty() ? null
                    : order == RtOrder.FIFO ? rtQueue.get(0) : rtQueue.get(rtQueue.size() - 1);
            Entry chosen;
            if (be != null && promoted(be, now) && beMayStart()) {
                chosen = be;
            } else if (rt != null && rtMayStart()) {
                chosen = rt;
            } else if (be != null && beMayStart()) {
                chosen = be;
            } else {
                return granted;
            }
            (chosen.priority == Priority.RT ? rtQueue : beQueue).remove(chosen);
            take(chosen.priority);
            granted.add(chosen.id);
        }
    }

    boolean remove(Entry e, long now) {
        age(now);
        return (e.priority == Priority.RT ? rtQueue : beQueue).remove(e);
    }

    /**
     * The waiter whose deadline passes first at or before {@code now} (ties: the earlier arrival),
     * removed; null if none. One at a time: with a probe open, a waiter leaving may let another go.
     */
    Entry expireNext(long now) {
        Entry first = null;
        for (List<Entry> q : List.of(rtQueue, beQueue)) {
            for (Entry e : q) {
                if (e.deadline <= now && (first == null || e.deadline < first.deadline
                        || e.deadline == first.deadline && e.id < first.id)) {
                    first = e;
                }
            }
        }
        if (first != null) {
            remove(first, first.deadline);
        }
        return first;
    }

    private void take(Priority p) {
        if (p == Priority.RT) {
            rtIn++;
        } else {
            beIn++;
        }
    }
}
