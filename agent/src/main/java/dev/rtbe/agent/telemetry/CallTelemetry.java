package dev.rtbe.agent.telemetry;

/**
 * What a gated call tells telemetry: where it started (the application's trace context, read on
 * the calling thread) and, once, everything about how it went. Implementations never throw and
 * never block the caller.
 */
public interface CallTelemetry {
    /** Telemetry off: nothing is read, nothing is recorded. */
    CallTelemetry NOOP = new CallTelemetry() {
        @Override
        public TraceParent captureParent() {
            return null;
        }

        @Override
        public void callEnded(CallRecord record) {
            // off
        }
    };

    /** On the calling thread at the call's start: the application's current span, or null. */
    TraceParent captureParent();

    /** The call is over and its slot released: record its span and metrics. */
    void callEnded(CallRecord record);
}
