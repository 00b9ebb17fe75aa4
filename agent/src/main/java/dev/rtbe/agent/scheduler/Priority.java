package dev.rtbe.agent.scheduler;

/** The two classes of work the scheduler tells apart. */
public enum Priority {
    /** Real-time: someone is waiting for the first token. */
    RT,
    /** Best-effort: batch work nobody watches. */
    BE;

    /** The lower-case name used in settings, telemetry and messages. */
    public String label() {
        return this == RT ? "rt" : "be";
    }
}
