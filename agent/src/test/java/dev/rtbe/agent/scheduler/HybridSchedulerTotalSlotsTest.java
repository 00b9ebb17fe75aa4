package dev.rtbe.agent.scheduler;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The rules of {@link HybridScheduler#setTotalSlots}: N changed at run time, on a virtual clock. */
class HybridSchedulerTotalSlotsTest {
    private final VirtualClock clock = new VirtualClock();

    private HybridScheduler scheduler(SchedulerPolicy.Builder policy) {
        return new HybridScheduler(policy.build(), clock);
    }

    private static Permit granted(CompletableFuture<Permit> f) {
        assertTrue(f.isDone() && !f.isCompletedExceptionally(), "expected a granted slot: " + f);
        return f.join();
    }

    @Test
    void rIsClampedBelowNAndTheConfiguredRComesBack() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(4).rtReservedSlots(2));
        s.setTotalSlots(2);
        assertEquals(2, s.snapshot().totalSlots());
        assertEquals(1, s.snapshot().rtReservedSlots(), "R at most N - 1");
        s.setTotalSlots(1);
        assertEquals(0, s.policy().rtReservedSlots(), "nothing to reserve with one slot");
        assertEquals(1, s.policy().totalSlots());
        s.setTotalSlots(3);
        assertEquals(2, s.snapshot().rtReservedSlots(), "the configured R is back");
        s.setTotalSlots(6);
        assertEquals(2, s.snapshot().rtReservedSlots(), "R never grows past the configured R");
        assertEquals(6, s.snapshot().totalSlots());
        assertEquals(2, s.configuredRtReservedSlots());
    }

    @Test
    void startingAtOneKeepsTheConfiguredReserveForLater() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(4).rtReservedSlots(1));
        s.setTotalSlots(1);
        Permit be = s.tryAcquire(BE);
        assertNotNull(be, "with N = 1 there is no reserve: BE may take the only slot");
        assertNull(s.tryAcquire(RT));
        s.setTotalSlots(2);
        assertNull(s.tryAcquire(BE), "with N = 2 the configured reserve of 1 applies again");
        assertNotNull(s.tryAcquire(RT));
        Invariants.check(s, 1, 1, "N back at 2");
    }

    @Test
    void growingGrantsWaitersAtOnce() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(3).rtReservedSlots(1));
        s.setTotalSlots(1);
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> be1 = s.acquireAsync(BE, null);
        CompletableFuture<Permit> be2 = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        assertFalse(be1.isDone() || be2.isDone() || rt.isDone());
        s.setTotalSlots(3);
        granted(rt);
        granted(be1);
        assertFalse(be2.isDone(), "BE holds 2 of 3 with R = 1 and one RT running: no more BE");
        Invariants.check(s, 1, 2, "after growing to 3");
        running.release();
        granted(be2);
        Invariants.check(s, 1, 2, "after a BE call ended");
    }

    @Test
    void shrinkingRevokesNothingAndNobodyStartsUntilBelowTheNewN() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(3).rtReservedSlots(0));
        List<Permit> running = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            running.add(s.tryAcquire(BE));
        }
        s.setTotalSlots(1);
        for (Permit p : running) {
            assertFalse(p.isReleased(), "a running call keeps its slot");
        }
        SchedulerSnapshot snap = s.snapshot();
        assertEquals(3, snap.inFlight(), "in flight may exceed N after a shrink");
        assertEquals(0, snap.freeSlots());
        assertEquals(1, snap.totalSlots());
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        assertNull(s.tryAcquire(RT));
        Invariants.check(s, 0, 3, true, "shrunk to 1 with 3 running");
        running.get(0).release();
        assertFalse(rt.isDone(), "2 running, N = 1");
        running.get(1).release();
        assertFalse(rt.isDone(), "1 running, N = 1");
        running.get(2).release();
        granted(rt);
        Invariants.check(s, 1, 0, "drained below the new N");
    }

    @Test
    void aShrinkBelowTheReserveKeepsBeOutUntilTheRuleAllowsIt() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(4).rtReservedSlots(1));
        Permit be1 = s.tryAcquire(BE);
        Permit be2 = s.tryAcquire(BE);
        Permit be3 = s.tryAcquire(BE);
        s.setTotalSlots(2); // R = 1: BE may hold 1
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        be1.release();
        be2.release();
        assertFalse(be.isDone(), "one BE call runs, which is all N = 2, R = 1 allows");
        assertNotNull(s.tryAcquire(RT), "the reserved slot is free for RT");
        be3.release();
        granted(be);
        Invariants.check(s, 1, 1, "after the shrink drained");
    }

    @Test
    void aShrinkPreemptsNothingAndAPreemptionAfterItSwapsOneCallForAnother() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(3).rtReservedSlots(0).promotionAfter(null)
                .preemption(java.time.Duration.ZERO, 1));
        List<Permit> be = new ArrayList<>();
        int[] aborts = new int[1];
        for (int i = 0; i < 3; i++) {
            Permit p = s.tryAcquire(BE);
            assertTrue(p.offerPreemption(() -> aborts[0]++));
            be.add(p);
            clock.advance(java.time.Duration.ofSeconds(1));
        }
        s.setTotalSlots(1);
        assertEquals(0, aborts[0], "a shrink alone aborts nothing");
        assertEquals(0, s.snapshot().preemptions());
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        granted(rt);
        assertEquals(1, aborts[0], "the RT call takes the youngest offered BE call's slot, as always");
        assertTrue(be.get(2).isPreempted());
        Invariants.check(s, 1, 2, true, "a swap: still 3 running with N = 1");
        CompletableFuture<Permit> next = s.acquireAsync(RT, null);
        granted(next);
        assertEquals(2, aborts[0], "each RT arrival swaps one offered BE call");
        Invariants.check(s, 2, 1, true, "still 3 running with N = 1");
        be.get(0).release();
        CompletableFuture<Permit> third = s.acquireAsync(RT, null);
        assertFalse(third.isDone(), "nothing left to preempt and 2 running with N = 1");
        rt.join().release();
        assertFalse(third.isDone(), "1 running, N = 1");
        next.join().release();
        granted(third);
        Invariants.check(s, 1, 0, "drained below the new N");
    }

    @Test
    void theSameNChangesNothingAndABadNIsRefused() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(1));
        SchedulerPolicy before = s.policy();
        s.setTotalSlots(2);
        assertTrue(before == s.policy(), "same N: same policy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.setTotalSlots(0));
        assertTrue(e.getMessage().contains("was 0"), e.getMessage());
        assertEquals(2, s.policy().totalSlots());
    }

    @Test
    void otherSettingsSurviveAChangeOfN() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtOrder(RtOrder.LIFO)
                .maxQueueLength(BE, 7).promotionAfter(null));
        s.setTotalSlots(5);
        SchedulerPolicy p = s.policy();
        assertEquals(RtOrder.LIFO, p.rtOrder());
        assertEquals(7, p.maxQueueLength(BE));
        assertEquals(SchedulerPolicy.UNLIMITED, p.promotionAfterNanos());
    }
}
