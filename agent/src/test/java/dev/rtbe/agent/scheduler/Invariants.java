package dev.rtbe.agent.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.ledger.SlotLedger;

/** The scheduler's invariants, checked against a snapshot and the permits a test holds. */
final class Invariants {
    private Invariants() {}

    static void check(SlotLedger scheduler, int heldRt, int heldBe, String context) {
        check(scheduler, heldRt, heldBe, false, context);
    }

    /**
     * {@code shrunk}: N was lowered while more calls ran than the new N admits, and they have not
     * all ended yet; then held may exceed N and BE may hold what is now reserved (nothing is revoked).
     */
    static void check(SlotLedger scheduler, int heldRt, int heldBe, boolean shrunk, String context) {
        SchedulerSnapshot s = scheduler.snapshot();
        int n = s.totalSlots();
        int r = s.rtReservedSlots();
        int rt = s.inFlight(Priority.RT);
        int be = s.inFlight(Priority.BE);
        assertEquals(heldRt, rt, () -> context + ": RT permits held vs counted; " + s);
        assertEquals(heldBe, be, () -> context + ": BE permits held vs counted; " + s);
        assertTrue(s.freeSlots() >= 0, () -> context + ": negative free slots; " + s);
        assertTrue(r == 0 && n == 1 || r < n, () -> context + ": R must stay below N; " + s);
        if (shrunk) {
            assertEquals(Math.max(0, n - rt - be), s.freeSlots(), () -> context + ": free slots after a shrink; " + s);
        } else {
            assertEquals(n, s.freeSlots() + rt + be, () -> context + ": free + held == N; " + s);
            assertTrue(be + Math.max(r, rt) <= n, () -> context + ": BE took a reserved slot; " + s);
        }
        if (s.queued(Priority.RT) > 0) {
            assertTrue(rt + be >= n, () -> context + ": an RT call waits while a slot is free; " + s);
        }
        if (s.queued(Priority.BE) > 0) {
            assertTrue(be + Math.max(r, rt) >= n,
                    () -> context + ": a BE call waits while a slot BE may take is free; " + s);
        }
    }
}
