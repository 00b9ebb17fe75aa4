package dev.rtbe.agent.jmx;

import java.util.Map;

/** Live scheduler state summed over every pool, and the effective settings, as {@code dev.rtbe:type=Scheduler}. */
public interface SchedulerMXBean {
    int getTotalSlots();

    int getRtReservedSlots();

    int getRtInFlight();

    int getBeInFlight();

    int getRtQueued();

    int getBeQueued();

    int getPromotedWaiting();

    long getPromotions();

    /** Batch calls whose slot was taken back for a real-time call since start (each was re-sent). */
    long getPreemptions();

    /** Slot time the preempted calls had used when aborted: server work thrown away, in seconds. */
    double getPreemptedSlotSeconds();

    long getRtRejections();

    long getBeRejections();

    long getRtGranted();

    long getBeGranted();

    Map<String, String> getEffectiveSettings();
}
