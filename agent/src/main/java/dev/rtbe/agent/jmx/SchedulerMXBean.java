package dev.rtbe.agent.jmx;

import java.util.Map;

/** Live scheduler state and the effective settings, as {@code dev.rtbe:type=Scheduler}. */
public interface SchedulerMXBean {
    int getTotalSlots();

    int getRtReservedSlots();

    int getRtInFlight();

    int getBeInFlight();

    int getRtQueued();

    int getBeQueued();

    int getPromotedWaiting();

    long getPromotions();

    long getRtRejections();

    long getBeRejections();

    long getRtGranted();

    long getBeGranted();

    Map<String, String> getEffectiveSettings();
}
