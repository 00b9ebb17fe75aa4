package dev.rtbe.agent.telemetry;

import java.util.function.ObjLongConsumer;

/** What metrics read from fleet coordination ({@code rtbe.coordination}) at each collection. */
public interface CoordinationView {
    /** No fleet: this JVM counts its own slots. */
    CoordinationView LOCAL = new CoordinationView() {
        @Override public String mode() { return "local"; }
        @Override public boolean coordinated() { return false; }
        @Override public long fallbacks() { return 0; }
        @Override public long reassertions() { return 0; }
        @Override public long recoveredNotices() { return 0; }
        @Override public void onScriptTimed(ObjLongConsumer<String> timer) { }
    };

    /** {@code local}, {@code redis} or {@code fallback} (Redis configured but not reachable). */
    String mode();

    /** True when a fleet is configured: only then are the fleet's counters exported. */
    boolean coordinated();

    /** Times Redis was lost and calls were admitted locally. */
    long fallbacks();

    /** Slots and waiters re-asserted by heartbeats (after a Redis restart or an outage). */
    long reassertions();

    /** Grants that reached their waiter through the mailbox because pub/sub lost them. */
    long recoveredNotices();

    /**
     * Tells {@code timer} the name and duration (ns) of every script the fleet runs from now on, on the
     * thread that ran it; the timer must be quick and never throw.
     */
    void onScriptTimed(ObjLongConsumer<String> timer);
}
