package dev.rtbe.agent.telemetry;

/**
 * The application's current span at the start of a call, copied out of whichever OpenTelemetry
 * it uses (its own SDK, or the OpenTelemetry Java agent), so that our span can join its trace.
 */
public final class TraceParent {
    private final String traceId;
    private final String spanId;
    private final boolean sampled;

    public TraceParent(String traceId, String spanId, boolean sampled) {
        this.traceId = traceId;
        this.spanId = spanId;
        this.sampled = sampled;
    }

    /** 32 lower-case hex digits. */
    public String traceId() {
        return traceId;
    }

    /** 16 lower-case hex digits. */
    public String spanId() {
        return spanId;
    }

    public boolean sampled() {
        return sampled;
    }

    @Override
    public String toString() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }
}
