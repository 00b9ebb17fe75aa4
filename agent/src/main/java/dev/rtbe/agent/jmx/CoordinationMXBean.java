package dev.rtbe.agent.jmx;

/** Fleet coordination as JMX shows it: {@code dev.rtbe:type=Coordination}. */
public interface CoordinationMXBean {
    /** local, redis or fallback. */
    String getMode();

    /** This JVM's id in the fleet (empty in local mode). */
    String getJvmId();

    long getScriptCalls();

    double getScriptMeanMillis();

    double getScriptMaxMillis();

    /** Times Redis was lost and calls were admitted locally. */
    long getFallbacks();

    /** Slots and waiters re-asserted by heartbeats (after a Redis restart or an outage). */
    long getReassertions();

    /** Grants that reached their waiter through the mailbox because pub/sub lost them. */
    long getRecoveredNotices();
}
