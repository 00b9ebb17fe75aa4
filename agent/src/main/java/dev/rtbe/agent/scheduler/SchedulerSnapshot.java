package dev.rtbe.agent.scheduler;

/** A consistent view of the scheduler at one moment, for telemetry, JMX and tests. */
public final class SchedulerSnapshot {
    private final int totalSlots;
    private final int rtReservedSlots;
    private final int[] inFlight;
    private final int[] queued;
    private final int promotedWaiting;
    private final long promotions;
    private final long[] granted;
    private final long[] released;
    private final long[] rejectedQueueFull;
    private final long[] rejectedMaxWait;
    private final long[] rejectedCallTimeout;
    private final long[] cancelled;
    private final long preemptions;
    private final long preemptedSlotNanos;

    public SchedulerSnapshot(int totalSlots, int rtReservedSlots, int[] inFlight, int[] queued,
                      int promotedWaiting, long promotions, long[] granted, long[] released,
                      long[] rejectedQueueFull, long[] rejectedMaxWait, long[] rejectedCallTimeout,
                      long[] cancelled, long preemptions, long preemptedSlotNanos) {
        this.totalSlots = totalSlots;
        this.rtReservedSlots = rtReservedSlots;
        this.inFlight = inFlight;
        this.queued = queued;
        this.promotedWaiting = promotedWaiting;
        this.promotions = promotions;
        this.granted = granted;
        this.released = released;
        this.rejectedQueueFull = rejectedQueueFull;
        this.rejectedMaxWait = rejectedMaxWait;
        this.rejectedCallTimeout = rejectedCallTimeout;
        this.cancelled = cancelled;
        this.preemptions = preemptions;
        this.preemptedSlotNanos = preemptedSlotNanos;
    }

    /** BE calls whose slot was taken back for an RT call, since start. */
    public long preemptions() {
        return preemptions;
    }

    /** Slot time the preempted calls had used when their slot was taken back (work thrown away). */
    public long preemptedSlotNanos() {
        return preemptedSlotNanos;
    }

    public int totalSlots() {
        return totalSlots;
    }

    public int rtReservedSlots() {
        return rtReservedSlots;
    }

    /** Slots held by calls of this class right now. */
    public int inFlight(Priority p) {
        return inFlight[p.ordinal()];
    }

    public int inFlight() {
        return inFlight[0] + inFlight[1];
    }

    /** Slots nobody holds; 0 while N was lowered below the slots still held. */
    public int freeSlots() {
        return Math.max(0, totalSlots - inFlight());
    }

    /** Calls of this class waiting right now (promoted BE waiters count as BE). */
    public int queued(Priority p) {
        return queued[p.ordinal()];
    }

    /** BE waiters that have reached RT's level and are still waiting. */
    public int promotedWaiting() {
        return promotedWaiting;
    }

    /** BE waiters promoted since start. */
    public long promotions() {
        return promotions;
    }

    public long granted(Priority p) {
        return granted[p.ordinal()];
    }

    public long released(Priority p) {
        return released[p.ordinal()];
    }

    public long rejectedQueueFull(Priority p) {
        return rejectedQueueFull[p.ordinal()];
    }

    public long rejectedMaxWait(Priority p) {
        return rejectedMaxWait[p.ordinal()];
    }

    public long rejectedCallTimeout(Priority p) {
        return rejectedCallTimeout[p.ordinal()];
    }

    /** All rejections of this class: queue full, max wait and call timeout. */
    public long rejected(Priority p) {
        int i = p.ordinal();
        return rejectedQueueFull[i] + rejectedMaxWait[i] + rejectedCallTimeout[i];
    }

    /** Waiters that left the queue by cancellation or interrupt. */
    public long cancelled(Priority p) {
        return cancelled[p.ordinal()];
    }

    @Override
    public String toString() {
        return "in-flight rt/be=" + inFlight[0] + "/" + inFlight[1] + " of " + totalSlots
                + " (R=" + rtReservedSlots + "), queued rt/be=" + queued[0] + "/" + queued[1]
                + ", promoted waiting=" + promotedWaiting + ", promotions=" + promotions
                + ", rejected rt/be=" + rejected(Priority.RT) + "/" + rejected(Priority.BE)
                + (preemptions > 0 ? ", preemptions=" + preemptions : "");
    }
}
