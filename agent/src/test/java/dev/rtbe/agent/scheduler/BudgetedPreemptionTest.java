package dev.rtbe.agent.scheduler;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The policy that keeps preemption from doing worse than reservation: the budget of thrown-away slot time (a
 * continued call's expected loss is its prefill, a restarted call's all of its time), the last slot only for a call
 * that can be taken back, reservation under high RT load, and aging that counts only the time a batch call is passed
 * over by RT (its starvation bound: {@code HybridSchedulerRulesTest}). The rules themselves run rule by rule on both
 * ledgers, this scheduler and the fleet's scripts in Redis, in {@code LedgerRulesTest}; here what only the
 * in-process scheduler shows. {@code TraceReplayTest} shows the effect on whole traces.
 */
class BudgetedPreemptionTest {
    private final VirtualClock clock = new VirtualClock();

    private static Permit granted(CompletableFuture<Permit> f) {
        assertTrue(f.isDone() && !f.isCompletedExceptionally(), "expected a granted slot: " + f);
        return f.join();
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
}
