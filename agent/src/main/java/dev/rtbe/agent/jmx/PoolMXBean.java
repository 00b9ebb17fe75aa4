package dev.rtbe.agent.jmx;

/** One pool (server, model), as {@code dev.rtbe:type=Pool,server=...,model=...}. */
public interface PoolMXBean {
    String getServer();

    /** The model, or {@code _default} for the server's default pool. */
    String getModel();

    /** {@code fixed} or {@code auto} (N learned from the server's timings). */
    String getMode();

    /** N now: set, or learned so far. */
    int getTotalSlots();

    int getRtReservedSlots();

    int getRtInFlight();

    int getBeInFlight();

    int getRtQueued();

    int getBeQueued();

    long getPromotions();

    long getPreemptions();

    long getRtRejections();

    long getBeRejections();

    /** The last call's wait inside the server (s), from its own timings; -1 before any. */
    double getServerQueueWaitLastSeconds();

    /** The mean wait inside the server (s) over the calls that reported it; -1 before any. */
    double getServerQueueWaitMeanSeconds();

    /** True once a call waited inside the server while it was the pool's only call: other clients share it. */
    boolean isOutsideCallsDetected();

    /** The pool's effective settings, {@code slots.total=2,slots.rt-reserved=1,...}. */
    String getEffectiveSettings();
}
