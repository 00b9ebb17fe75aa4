package dev.rtbe.agent.scheduler;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The policy that keeps preemption from doing worse than reservation, rule by rule on a virtual clock: the budget
 * of thrown-away slot time (a continued call's expected loss is its prefill, a restarted call's all of its time),
 * the last slot only for a call that can be taken back, reservation under high RT load, and aging that counts only
 * the time a batch call is passed over by RT (its starvation bound: {@code HybridSchedulerRulesTest}).
 * {@code TraceReplayTest} shows the effect on whole traces.
 */
class BudgetedPreemptionTest {
    private final VirtualClock clock = new VirtualClock();

    /** N slots, R = 0, no promotion, preemption at once, a budget of {@code share} over 100 s. */
    private HybridScheduler budgeted(int n, double share) {
        return new HybridScheduler(SchedulerPolicy.builder(n).rtReservedSlots(0).promotionAfter(null)
                .preemption(Duration.ZERO, 4).preemptionBudget(share, Duration.ofSeconds(100)).build(), clock);
    }

    private static Permit granted(CompletableFuture<Permit> f) {
        assertTrue(f.isDone() && !f.isCompletedExceptionally(), "expected a granted slot: " + f);
        return f.join();
    }

    /** A BE call that runs as a stream (continued if preempted): offered, first token after {@code prefill}. */
    private Permit streamedBe(HybridScheduler s, Duration prefill) {
        Permit p = granted(s.acquireAsync(BE, null));
        p.reportProgress(0);
        assertTrue(p.offerPreemption(() -> { }));
        clock.advance(prefill);
        p.reportProgress(1);
        return p;
    }

    @Test
    void aContinuedVictimCostsItsPrefillAndPreemptionStopsWhenTheBudgetIsSpent() {
        // Budget: 0.01 x 2 slots x 100 s = 2 s of slot time, refilling at 0.02 s per second.
        HybridScheduler s = budgeted(2, 0.01);
        Permit a = streamedBe(s, Duration.ofMillis(1500));
        Permit b = streamedBe(s, Duration.ofMillis(1500));
        clock.advance(Duration.ofSeconds(60)); // both generate for a minute: their kept output is no loss
        Permit rt1 = granted(s.acquireAsync(RT, null));
        assertTrue(b.isPreempted() || a.isPreempted(), "1.5 s of prefill fits the 2 s budget");
        assertNotNull(rt1);
        Permit other = a.isPreempted() ? b : a;

        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        assertFalse(rt2.isDone(), "0.5 s left: the next 1.5 s prefill does not fit");
        assertFalse(other.isPreempted());
        clock.advance(Duration.ofSeconds(49)); // 0.5 + 49 x 0.02 = 1.48 s
        assertFalse(rt2.isDone());
        clock.advance(Duration.ofSeconds(2)); // the budget covers it again: a timer preempts at that moment
        assertTrue(other.isPreempted());
        granted(rt2);
        assertEquals(2, s.snapshot().preemptions());
    }

    @Test
    void aRestartedVictimCostsAllOfItsTimeSoAnOldOneIsSpared() {
        HybridScheduler s = budgeted(2, 0.05); // 10 s of budget
        Permit young = granted(s.acquireAsync(BE, null)); // progress unknown: restarts from zero
        assertTrue(young.offerPreemption(() -> { }));
        clock.advance(Duration.ofSeconds(30));
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        assertTrue(rt.isDone(), "a slot is free: BE may not take the last one in a call that restarts");
        assertFalse(young.isPreempted());
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        assertFalse(rt2.isDone(), "30 s of work to throw away: more than the 10 s budget");
        assertFalse(young.isPreempted());
        young.release();
        granted(rt2);
    }

    @Test
    void batchWorkTakesTheLastSlotOnlyInACallThatCanBeTakenBack() {
        HybridScheduler s = budgeted(2, 0.02);
        Permit first = granted(s.acquireAsync(BE, null)); // not offered yet: RT could not take it back
        CompletableFuture<Permit> second = s.acquireAsync(BE, null);
        assertFalse(second.isDone(), "the last slot stays free while the running batch call is not preemptible");
        first.reportProgress(0);
        assertTrue(first.offerPreemption(() -> { }));
        Permit last = granted(second); // the first can now be taken back: the second may use the last slot
        assertFalse(last.isPreempted());

        CompletableFuture<Permit> third = s.acquireAsync(BE, null);
        assertFalse(third.isDone());
        Permit rt = granted(s.acquireAsync(RT, null));
        assertTrue(first.isPreempted(), "RT found its slot without waiting for a batch call to end");
        assertNotNull(rt);
    }

    @Test
    void underHighRtLoadThePoolWorksAsWithOneReservedSlot() {
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(2).rtReservedSlots(0).promotionAfter(null)
                .preemption(Duration.ZERO, 4).preemptionBudget(0.02, Duration.ofSeconds(600))
                .reserveAboveRtLoad(0.3).build(), clock);
        // RT holds one slot for ten minutes: its load (about 1 of 2 slots) is above 0.3 x 2.
        Permit rt = granted(s.acquireAsync(RT, null));
        clock.advance(Duration.ofMinutes(10));
        Permit be = streamedBe(s, Duration.ofSeconds(1));
        CompletableFuture<Permit> be2 = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        assertFalse(rt2.isDone(), "the last slot batch work holds is not preempted");
        assertFalse(be.isPreempted());
        rt.release();
        granted(rt2);
        assertFalse(be2.isDone());
        rt2.join().release();
        assertFalse(be2.isDone(), "a slot stays free for RT: batch work never takes the last one");
        assertEquals(1, s.snapshot().freeSlots(), "one slot free, kept for RT as with R = 1");

        // Quiet for ten minutes: the load falls and batch work may use every slot again.
        be.release();
        Permit continued = granted(be2);
        continued.reportProgress(0);
        assertTrue(continued.offerPreemption(() -> { }));
        continued.reportProgress(1); // its first token: a preemption would cost no more than this
        CompletableFuture<Permit> be3 = s.acquireAsync(BE, null);
        assertFalse(be3.isDone());
        clock.advance(Duration.ofMinutes(10));
        assertFalse(be3.isDone(), "nothing happened: the next event decides");
        assertNotNull(granted(s.acquireAsync(RT, null))); // the free slot
        assertNotNull(granted(s.acquireAsync(RT, null)), "the load is low again: RT takes the last batch slot");
        assertTrue(continued.isPreempted());
    }

    @Test
    void budgetSettingsAreValidated() {
        assertThrows(IllegalArgumentException.class,
                () -> SchedulerPolicy.builder(2).preemptionBudget(1.5, Duration.ofMinutes(1)));
        assertThrows(IllegalArgumentException.class,
                () -> SchedulerPolicy.builder(2).preemptionBudget(0.02, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> SchedulerPolicy.builder(2).reserveAboveRtLoad(-0.1));
    }

    // ---------------------------------------------------------------------------------------------
    // Aging by passed-over time

    private HybridScheduler passedOver(int n, int r, Duration promotion) {
        return new HybridScheduler(SchedulerPolicy.builder(n).rtReservedSlots(r).promotionAfter(promotion)
                .agingPassedOver(true).build(), clock);
    }

    @Test
    void timeBehindOtherBatchCallsDoesNotAge() {
        HybridScheduler s = passedOver(1, 0, Duration.ofSeconds(10));
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> waiting = s.acquireAsync(BE, null);
        clock.advance(Duration.ofMinutes(5)); // behind a batch call: no RT passed it over
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        running.release();
        assertTrue(rt.isDone(), "the batch waiter is not promoted: RT keeps its place");
        assertFalse(waiting.isDone());
        assertEquals(0, s.snapshot().promotedWaiting());
    }

    @Test
    void timePassedOverByRtAgesAndPromotes() {
        HybridScheduler s = passedOver(1, 0, Duration.ofSeconds(10));
        Permit rt = s.tryAcquire(RT);
        CompletableFuture<Permit> waiting = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(9));
        assertEquals(0, s.snapshot().promotedWaiting());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, s.snapshot().promotedWaiting(), "10 s with RT holding the slot it could have used");
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        rt.release();
        assertTrue(granted(waiting).promoted(), "the promoted batch call beats RT for the slot");
        assertFalse(rt2.isDone());
    }

    @Test
    void rtInTheReservedSlotsPassesNobodyOver() {
        HybridScheduler s = passedOver(2, 1, Duration.ofSeconds(10));
        Permit be = s.tryAcquire(BE);
        Permit rt = s.tryAcquire(RT); // in the reserved slot: no batch call could have used it
        CompletableFuture<Permit> waiting = s.acquireAsync(BE, null);
        clock.advance(Duration.ofMinutes(1));
        assertEquals(0, s.snapshot().promotedWaiting());
        assertNotNull(rt);
        be.release();
        assertFalse(granted(waiting).promoted());
    }
}
