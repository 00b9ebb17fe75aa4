package dev.rtbe.agent.config;

/** Whether a waiting real-time call may take the slot of a running batch call. */
public enum PreemptionMode {
    /** Never: a real-time call waits for a free slot (reserved slots keep that wait short). */
    OFF,
    /** The preemptible batch call that loses the least is aborted on the wire and re-sent (or continued) later, unseen by the application. */
    TRANSPARENT
}
