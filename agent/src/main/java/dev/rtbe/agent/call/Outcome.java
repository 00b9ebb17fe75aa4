package dev.rtbe.agent.call;

/** How a gated call ended; each end releases the slot. */
public enum Outcome {
    /** The response body was read to its end. */
    COMPLETED("completed"),
    /** The application closed the body before its end. */
    CLOSED("closed"),
    /** The exchange failed: connection error, reset, an exception while reading. */
    FAILED("failed"),
    /** The application cancelled the call or its body subscription. */
    CANCELLED("cancelled"),
    /** Never granted a slot: queue full, wait limit, interrupt. */
    REJECTED("rejected"),
    /** The body became unreachable without being closed; the garbage collector reported it. */
    RECLAIMED("reclaimed"),
    /** Held past rtbe.slots.max-hold and taken back. */
    FORCED("forced");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
