package dev.rtbe.agent.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scheduler's invariants, checked against a snapshot and the permits a test holds. */
final class Invariants {
    private Invariants() {}

    static void check(HybridScheduler scheduler, int heldRt, int heldBe, String context) {
        SchedulerSnapshot s = scheduler.snapshot();
        int n = s.totalSlots();
        int r = s.rtReservedSlots();
        int rt = s.inFlight(Priority.RT);
        int be = s.inFlight(Priority.BE);
        assertEquals(heldRt, rt, () -> context + ": RT permits held vs counted; " + s);
        assertEquals(heldBe, be, () -> context + ": BE permits held vs counted; " + s);
        assertEquals(n, s.freeSlots() + rt + be, () -> context + ": free + held == N; " + s);
        assertTrue(s.freeSlots() >= 0, () -> context + ": more slots held than exist; " + s);
        assertTrue(be + Math.max(r, rt) <= n, () -> context + ": BE took a reserved slot; " + s);
        if (s.queued(Priority.RT) > 0) {
            assertEquals(n, rt + be, () -> context + ": an RT call waits while a slot is free; " + s);
        }
        if (s.queued(Priority.BE) > 0) {
            assertTrue(be + Math.max(r, rt) >= n,
                    () -> context + ": a BE call waits while a slot BE may take is free; " + s);
        }
    }
}
