package dev.rtbe.agent.scheduler;

import java.time.Duration;

/**
 * The scheduler's parameters, already validated. Built from the agent's settings; kept free of
 * the settings package so the scheduler stays pure Java with no dependencies.
 */
public final class SchedulerPolicy {
    /** Stands for "no limit" in the nanosecond fields. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final int totalSlots;
    private final int rtReservedSlots;
    private final int rtReservedTarget; // R asked for; rtReservedSlots = min(target, N - 1)
    private final RtOrder rtOrder;
    private final long promotionAfterNanos;
    private final int rtMaxQueueLength;
    private final int beMaxQueueLength;
    private final long rtMaxWaitNanos;
    private final long beMaxWaitNanos;
    private final boolean preemption;
    private final long preemptionGraceNanos;
    private final int maxPreemptionsPerCall;
    private final boolean probe;
    private final long probeSpacingNanos;
    private final double preemptionBudget;
    private final long preemptionBudgetWindowNanos;
    private final boolean agingPassedOver;
    private final double reserveAboveRtLoad;

    private SchedulerPolicy(Builder b) {
        checkSlots(b.totalSlots, b.rtReservedSlots);
        if (b.rtMaxQueueLength < 1 || b.beMaxQueueLength < 1) {
            throw new IllegalArgumentException("queue lengths must be >= 1");
        }
        if (b.maxPreemptionsPerCall < 0) {
            throw new IllegalArgumentException("max preemptions per call must be >= 0, was " + b.maxPreemptionsPerCall);
        }
        this.totalSlots = b.totalSlots;
        this.rtReservedSlots = b.rtReservedSlots;
        this.rtReservedTarget = b.rtReservedTarget >= 0 ? b.rtReservedTarget : b.rtReservedSlots;
        this.rtOrder = b.rtOrder;
        this.promotionAfterNanos = b.promotionAfterNanos;
        this.rtMaxQueueLength = b.rtMaxQueueLength;
        this.beMaxQueueLength = b.beMaxQueueLength;
        this.rtMaxWaitNanos = b.rtMaxWaitNanos;
        this.beMaxWaitNanos = b.beMaxWaitNanos;
        this.preemption = b.preemption;
        this.preemptionGraceNanos = b.preemptionGraceNanos;
        this.maxPreemptionsPerCall = b.maxPreemptionsPerCall;
        this.probe = false;
        this.probeSpacingNanos = b.probeSpacingNanos;
        this.preemptionBudget = b.preemptionBudget;
        this.preemptionBudgetWindowNanos = b.preemptionBudgetWindowNanos;
        this.agingPassedOver = b.agingPassedOver;
        this.reserveAboveRtLoad = b.reserveAboveRtLoad;
    }

    /** This policy with another N and R, and a probe open or not (used when N changes at run time). */
    SchedulerPolicy withTotalSlots(int totalSlots, int rtReservedSlots, boolean probe) {
        return new SchedulerPolicy(this, totalSlots, rtReservedSlots, probe);
    }

    private SchedulerPolicy(SchedulerPolicy base, int totalSlots, int rtReservedSlots, boolean probe) {
        checkSlots(totalSlots, rtReservedSlots);
        this.totalSlots = totalSlots;
        this.rtReservedSlots = rtReservedSlots;
        this.probe = probe;
        this.probeSpacingNanos = base.probeSpacingNanos;
        this.rtReservedTarget = base.rtReservedTarget;
        this.rtOrder = base.rtOrder;
        this.promotionAfterNanos = base.promotionAfterNanos;
        this.rtMaxQueueLength = base.rtMaxQueueLength;
        this.beMaxQueueLength = base.beMaxQueueLength;
        this.rtMaxWaitNanos = base.rtMaxWaitNanos;
        this.beMaxWaitNanos = base.beMaxWaitNanos;
        this.preemption = base.preemption;
        this.preemptionGraceNanos = base.preemptionGraceNanos;
        this.maxPreemptionsPerCall = base.maxPreemptionsPerCall;
        this.preemptionBudget = base.preemptionBudget;
        this.preemptionBudgetWindowNanos = base.preemptionBudgetWindowNanos;
        this.agingPassedOver = base.agingPassedOver;
        this.reserveAboveRtLoad = base.reserveAboveRtLoad;
    }

    private static void checkSlots(int totalSlots, int rtReservedSlots) {
        if (totalSlots < 1) {
            throw new IllegalArgumentException("total slots must be >= 1, was " + totalSlots);
        }
        if (rtReservedSlots < 0 || (rtReservedSlots >= totalSlots && rtReservedSlots != 0)) {
            throw new IllegalArgumentException("RT reserved slots must be >= 0 and < total slots ("
                    + totalSlots + "), was " + rtReservedSlots);
        }
    }

    public static Builder builder(int totalSlots) {
        return new Builder(totalSlots);
    }

    /** R as asked for ({@link Builder#rtReservedTarget}), which an N that grows back may use again. */
    public int rtReservedTarget() {
        return rtReservedTarget;
    }

    /** N: how many calls the server runs in parallel. */
    public int totalSlots() {
        return totalSlots;
    }

    /** R: slots that only RT may take. */
    public int rtReservedSlots() {
        return rtReservedSlots;
    }

    /**
     * True while one call may start above N: a probe of N + 1, sent to learn whether the server runs
     * it (see {@link HybridScheduler#setTotalSlots(int, boolean)}).
     */
    public boolean probe() {
        return probe;
    }

    /** How long after any grant no probe starts (see {@link HybridScheduler#setTotalSlots(int, boolean)}). */
    public long probeSpacingNanos() {
        return probeSpacingNanos;
    }

    public RtOrder rtOrder() {
        return rtOrder;
    }

    /** How long a BE call waits before it is promoted to RT's level; {@link #UNLIMITED} = never. */
    public long promotionAfterNanos() {
        return promotionAfterNanos;
    }

    /**
     * True: a BE waiter ages only while it is passed over by RT (an RT call holds a slot beyond the R
     * reserved ones while BE calls wait), not while it waits behind other BE calls; false: all of its wait.
     */
    public boolean agingPassedOver() {
        return agingPassedOver;
    }

    public int maxQueueLength(Priority priority) {
        return priority == Priority.RT ? rtMaxQueueLength : beMaxQueueLength;
    }

    /** Longest a call of this class may wait in the queue; {@link #UNLIMITED} = no limit. */
    public long maxWaitNanos(Priority priority) {
        return priority == Priority.RT ? rtMaxWaitNanos : beMaxWaitNanos;
    }

    /**
     * Transparent preemption: an RT call that has waited the grace may take the slot of the
     * youngest running BE call that offered itself as preemptible.
     */
    public boolean preemption() {
        return preemption;
    }

    /** How long an RT call waits before a preemption is considered (0 = at once). */
    public long preemptionGraceNanos() {
        return preemptionGraceNanos;
    }

    /** How often one BE call may be preempted before it becomes immune. */
    public int maxPreemptionsPerCall() {
        return maxPreemptionsPerCall;
    }

    /**
     * The share of the slot time (N slots) that preemption may throw away, 0 to 1; {@link #NO_BUDGET} when
     * preemption is unbounded. See {@link HybridScheduler}: the budget is a bucket of slot time that fills at this
     * share of N and holds at most one window of it.
     */
    public double preemptionBudget() {
        return preemptionBudget;
    }

    /** True when preemption may throw away only {@link #preemptionBudget()} of the slot time. */
    public boolean preemptionBudgeted() {
        return preemptionBudget != NO_BUDGET;
    }

    /** The window the budget is counted over: the bucket holds the budget of one window. */
    public long preemptionBudgetWindowNanos() {
        return preemptionBudgetWindowNanos;
    }

    /**
     * With a budget: the RT load (the share of the N slots RT calls held, averaged over about the last
     * {@link #RT_LOAD_AVERAGE_NANOS}) above which the pool works as with R = 1: batch work never takes the last
     * slot, and a preemption never takes the last slot batch work holds. 1 = never.
     */
    public double reserveAboveRtLoad() {
        return reserveAboveRtLoad;
    }

    /** The time constant of the RT load's exponentially weighted average: two minutes. */
    public static final long RT_LOAD_AVERAGE_NANOS = 120_000_000_000L;

    /** Stands for "no budget" in {@link #preemptionBudget()}. */
    public static final double NO_BUDGET = -1;

    @Override
    public String toString() {
        return "N=" + totalSlots + (probe ? " (+1 probe)" : "") + " R=" + rtReservedSlots + " rt-order=" + rtOrder
                + " promotion=" + nanosText(promotionAfterNanos) + (agingPassedOver ? " (passed over)" : "")
                + " max-length rt/be=" + rtMaxQueueLength + "/" + beMaxQueueLength
                + " max-wait rt/be=" + nanosText(rtMaxWaitNanos) + "/" + nanosText(beMaxWaitNanos)
                + (preemption ? " preemption grace=" + nanosText(preemptionGraceNanos)
                        + " max-per-call=" + maxPreemptionsPerCall
                        + (preemptionBudgeted() ? " budget=" + preemptionBudget + " of " + nanosText(preemptionBudgetWindowNanos)
                                + " reserve-above=" + reserveAboveRtLoad : "") : "");
    }

    static String nanosText(long nanos) {
        if (nanos == UNLIMITED) {
            return "none";
        }
        return String.format(java.util.Locale.ROOT, "%.3fs", nanos / 1e9);
    }

    /**
     * A call's own timeout as a limit on its wait, in nanoseconds: none (null) or one too long to
     * count is {@link #UNLIMITED}, a negative one is 0 (it is over).
     */
    public static long callLimitNanos(Duration callTimeout) {
        if (callTimeout == null) {
            return UNLIMITED;
        }
        if (callTimeout.isNegative()) {
            return 0;
        }
        try {
            return callTimeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return UNLIMITED;
        }
    }

    private static long toNanos(Duration d) {
        if (d == null) {
            return UNLIMITED;
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative: " + d);
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return UNLIMITED;
        }
    }

    public static final class Builder {
        private final int totalSlots;
        private int rtReservedSlots;
        private int rtReservedTarget = -1;
        private RtOrder rtOrder = RtOrder.FIFO;
        private long promotionAfterNanos = Duration.ofSeconds(180).toNanos();
        private int rtMaxQueueLength = 1_000;
        private int beMaxQueueLength = 10_000;
        private long rtMaxWaitNanos = UNLIMITED;
        private long beMaxWaitNanos = UNLIMITED;
        private boolean preemption;
        private long preemptionGraceNanos;
        private int maxPreemptionsPerCall = 1;
        private long probeSpacingNanos;
        private double preemptionBudget = NO_BUDGET;
        private long preemptionBudgetWindowNanos;
        private boolean agingPassedOver;
        private double reserveAboveRtLoad = 1;

        private Builder(int totalSlots) {
            this.totalSlots = totalSlots;
            this.rtReservedSlots = Math.max(0, Math.min(1, totalSlots - 1));
        }

        public Builder rtReservedSlots(int r) {
            this.rtReservedSlots = r;
            return this;
        }

        /** R as a target for an N that changes (learned): the policy uses min(r, N - 1). */
        public Builder rtReservedTarget(int r) {
            if (r < 0) {
                throw new IllegalArgumentException("RT reserved slots must be >= 0, was " + r);
            }
            this.rtReservedTarget = r;
            this.rtReservedSlots = Math.min(r, Math.max(0, totalSlots - 1));
            return this;
        }

        public Builder rtOrder(RtOrder order) {
            this.rtOrder = order;
            return this;
        }

        /** {@code null} = never promote. */
        public Builder promotionAfter(Duration d) {
            this.promotionAfterNanos = toNanos(d);
            return this;
        }

        /** true: aging counts only the time a BE waiter is passed over by RT (see {@link #agingPassedOver()}). */
        public Builder agingPassedOver(boolean passedOver) {
            this.agingPassedOver = passedOver;
            return this;
        }

        public Builder maxQueueLength(Priority priority, int length) {
            if (priority == Priority.RT) {
                rtMaxQueueLength = length;
            } else {
                beMaxQueueLength = length;
            }
            return this;
        }

        /** {@code null} = no limit. */
        public Builder maxWait(Priority priority, Duration d) {
            if (priority == Priority.RT) {
                rtMaxWaitNanos = toNanos(d);
            } else {
                beMaxWaitNanos = toNanos(d);
            }
            return this;
        }

        /** Turns transparent preemption on, with its grace and per-call limit. */
        public Builder preemption(Duration grace, int maxPerCall) {
            long g = toNanos(java.util.Objects.requireNonNull(grace, "grace"));
            this.preemption = true;
            this.preemptionGraceNanos = g;
            this.maxPreemptionsPerCall = maxPerCall;
            return this;
        }

        /**
         * Bounds what preemption throws away: at most {@code share} (0 to 1) of the slot time, counted over
         * {@code window} (the most that can be spent at once). Without this, preemption is unbounded.
         */
        public Builder preemptionBudget(double share, Duration window) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("preemption budget must be a share from 0 to 1, was " + share);
            }
            long w = toNanos(java.util.Objects.requireNonNull(window, "window"));
            if (w <= 0 || w == UNLIMITED) {
                throw new IllegalArgumentException("preemption budget window must be > 0 and finite, was " + window);
            }
            this.preemptionBudget = share;
            this.preemptionBudgetWindowNanos = w;
            return this;
        }

        /** With a budget: above this RT load (a share of N, 0 to 1; 1 = never) the pool works as with R = 1. */
        public Builder reserveAboveRtLoad(double share) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("RT load must be a share from 0 to 1, was " + share);
            }
            this.reserveAboveRtLoad = share;
            return this;
        }

        /** No probe starts within this after any grant (default 0: a learned N's pool sets it). */
        public Builder probeSpacing(Duration spacing) {
            this.probeSpacingNanos = toNanos(java.util.Objects.requireNonNull(spacing, "spacing"));
            return this;
        }

        public SchedulerPolicy build() {
            return new SchedulerPolicy(this);
        }
    }
}
