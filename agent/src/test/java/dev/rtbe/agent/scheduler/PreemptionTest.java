package dev.rtbe.agent.scheduler;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Transparent preemption (see {@link HybridScheduler}'s class comment), rule by rule on a virtual
 * clock: victim choice, grace, immunity (only after {@code maxPreemptionsPerCall} preemptions, never
 * for being promoted), how preemption and promotion share slots (a preempted slot goes straight to
 * the RT call, a slot freed by a call ending to a promoted BE call first), which RT call a
 * preemption serves (FIFO: the oldest; LIFO: the newest that has waited the grace), the
 * offer/withdraw race, re-queueing in arrival order (once per preemption), the abort action and the
 * counters. {@link PreemptionRandomizedTest} checks the same rules on random runs.
 */
class PreemptionTest {
    private static final Duration GRACE = Duration.ofSeconds(5);

    private final VirtualClock clock = new VirtualClock();

    private HybridScheduler scheduler(SchedulerPolicy.Builder policy) {
        return new HybridScheduler(policy.build(), clock);
    }

    /** N slots, none reserved, no promotion (so only preemption is at play), preemption on. */
    private static SchedulerPolicy.Builder policy(int n, Duration grace, int maxPerCall) {
        return SchedulerPolicy.builder(n).rtReservedSlots(0).promotionAfter(null).preemption(grace, maxPerCall);
    }

    private static Permit granted(CompletableFuture<Permit> f) {
        assertTrue(f.isDone() && !f.isCompletedExceptionally(), "expected a granted slot: " + f);
        return f.join();
    }

    /** The adapter's abort action: counts its runs and remembers where it ran. */
    private static final class Abort implements Runnable {
        int runs;
        Thread thread;

        @Override
        public void run() {
            runs++;
            thread = Thread.currentThread();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Victim choice

    @Test
    void theVictimIsTheYoungestOfferedCallAndAnUnofferedCallIsNeverPreempted() {
        HybridScheduler s = scheduler(policy(3, Duration.ZERO, 1));
        Permit oldest = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit middle = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit youngest = s.tryAcquire(BE); // never offered
        Abort oldestAbort = new Abort();
        Abort middleAbort = new Abort();
        // Offer order does not matter, grant time does.
        assertTrue(middle.offerPreemption(middleAbort));
        assertTrue(oldest.offerPreemption(oldestAbort));
        assertEquals(0, s.snapshot().preemptions(), "no RT call waits: an offer alone preempts nothing");

        Permit rt1 = granted(s.acquireAsync(RT, null)); // grace 0: preempts on arrival
        assertTrue(middle.isPreempted(), "the youngest offered call loses its slot");
        assertEquals(1, middleAbort.runs);
        assertEquals(0, oldestAbort.runs);
        assertFalse(youngest.isReleased());
        assertEquals(0, rt1.queueWaitNanos());
        assertEquals(middle.preemptedNanos(), rt1.grantedNanos(), "the slot changes hands in the same step");

        Permit rt2 = granted(s.acquireAsync(RT, null));
        assertTrue(oldest.isPreempted());
        assertEquals(1, oldestAbort.runs);

        CompletableFuture<Permit> rt3 = s.acquireAsync(RT, null);
        clock.advance(Duration.ofHours(1));
        assertFalse(rt3.isDone(), "the only BE call left never offered itself");
        assertFalse(youngest.isPreempted());
        Invariants.check(s, 2, 1, "after two preemptions");
        assertEquals(2, s.snapshot().preemptions());
        youngest.release();
        granted(rt3);
        assertNotNull(rt1);
        assertNotNull(rt2);
    }

    @Test
    void theVictimIsTheCallWithTheFewestTokensGeneratedThenTheYoungestThenOneOfUnknownProgress() {
        HybridScheduler s = scheduler(policy(4, Duration.ZERO, 1));
        Permit few = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit many = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit alsoFew = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit unknown = s.tryAcquire(BE); // reports no progress (its answer is not streamed)
        few.reportProgress(3);
        many.reportProgress(40);
        alsoFew.reportProgress(3);
        Abort unknownAbort = new Abort();
        Abort fewAbort = new Abort();
        Abort manyAbort = new Abort();
        Abort alsoFewAbort = new Abort();
        assertTrue(unknown.offerPreemption(unknownAbort));
        assertTrue(many.offerPreemption(manyAbort));
        assertTrue(few.offerPreemption(fewAbort));
        assertTrue(alsoFew.offerPreemption(alsoFewAbort));

        granted(s.acquireAsync(RT, null));
        assertTrue(alsoFew.isPreempted(), "fewest tokens; of two equal, the younger");
        granted(s.acquireAsync(RT, null));
        assertTrue(few.isPreempted(), "then the other with 3 tokens");
        many.reportProgress(41);
        granted(s.acquireAsync(RT, null));
        assertTrue(many.isPreempted(), "a call that reports its progress before one that cannot, though older than it");
        assertFalse(unknown.isPreempted());
        granted(s.acquireAsync(RT, null));
        assertTrue(unknown.isPreempted());
        assertEquals(1, unknownAbort.runs);
        assertEquals(1, fewAbort.runs);
        assertEquals(1, manyAbort.runs);
        assertEquals(1, alsoFewAbort.runs);
    }

    @Test
    void slotTimeWhoseOutputACallKeptIsNotCountedAsThrownAway() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit be = s.tryAcquire(BE);
        assertTrue(be.offerPreemption(new Abort()));
        clock.advance(Duration.ofSeconds(10));
        be.keptAfterPreemption(Duration.ofSeconds(4).toNanos()); // not preempted yet: nothing to keep
        granted(s.acquireAsync(RT, null));
        assertTrue(be.isPreempted());
        assertEquals(Duration.ofSeconds(10).toNanos(), s.snapshot().preemptedSlotNanos());
        be.keptAfterPreemption(Duration.ofSeconds(7).toNanos());
        assertEquals(Duration.ofSeconds(3).toNanos(), s.snapshot().preemptedSlotNanos(), "7 s of its 10 s were kept");
    }

    @Test
    void rtCallsAreNeverOfferedForPreemption() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit rt = s.tryAcquire(RT);
        Abort abort = new Abort();
        assertFalse(rt.offerPreemption(abort));
        CompletableFuture<Permit> other = s.acquireAsync(RT, null);
        assertFalse(other.isDone());
        assertFalse(rt.isPreempted());
        assertEquals(0, abort.runs);
    }

    // ---------------------------------------------------------------------------------------------
    // Grace

    @Test
    void withAGraceThePreemptionWaitsForTheClockTask() {
        HybridScheduler s = scheduler(policy(1, GRACE, 1));
        Permit be = s.tryAcquire(BE);
        Abort abort = new Abort();
        assertTrue(be.offerPreemption(abort));
        long arrival = clock.nanoTime();
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        assertEquals(1, clock.pendingTasks(), "the end of the grace is a clock task");

        clock.advance(GRACE.minusMillis(1));
        assertFalse(rt.isDone());
        assertFalse(be.isPreempted());
        clock.advance(Duration.ofMillis(1));
        Permit p = granted(rt);
        assertEquals(GRACE.toNanos(), p.queueWaitNanos());
        assertTrue(be.isPreempted());
        assertEquals(arrival + GRACE.toNanos(), be.preemptedNanos());
        assertEquals(1, abort.runs);
        assertEquals(0, clock.pendingTasks());
        Invariants.check(s, 1, 0, "after the grace");
    }

    @Test
    void anRtCallGrantedBeforeItsGraceEndsCancelsThePreemption() {
        HybridScheduler s = scheduler(policy(2, GRACE, 1));
        Permit be = s.tryAcquire(BE);
        Permit rt = s.tryAcquire(RT);
        Abort abort = new Abort();
        assertTrue(be.offerPreemption(abort));
        CompletableFuture<Permit> waiting = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(2));
        rt.release();
        granted(waiting);
        assertEquals(0, clock.pendingTasks(), "the grace task left with its waiter");
        clock.advance(Duration.ofMinutes(1));
        assertFalse(be.isPreempted());
        assertEquals(0, abort.runs);

        // The grace is per waiter: the next RT call waits its own, then preempts.
        CompletableFuture<Permit> next = s.acquireAsync(RT, null);
        clock.advance(GRACE.minusMillis(1));
        assertFalse(next.isDone());
        clock.advance(Duration.ofMillis(1));
        granted(next);
        assertTrue(be.isPreempted());
    }

    @Test
    void anOfferMadeAfterTheGracePreemptsAtOnceOnTheOfferingThread() {
        HybridScheduler s = scheduler(policy(1, GRACE, 1));
        Permit be = s.tryAcquire(BE);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(GRACE.multipliedBy(2));
        assertFalse(rt.isDone(), "nothing was offered");
        Abort abort = new Abort();
        assertTrue(be.offerPreemption(abort));
        assertEquals(1, abort.runs, "preempted before offerPreemption returned");
        assertSame(Thread.currentThread(), abort.thread);
        granted(rt);
    }

    // ---------------------------------------------------------------------------------------------
    // Immunity: only by the number of preemptions

    @ParameterizedTest(name = "max per call {0}")
    @ValueSource(ints = {1, 2, 3})
    void aCallPreemptedMaxPerCallTimesIsImmune(int maxPerCall) {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, maxPerCall));
        Permit current = s.tryAcquire(BE);
        long arrival = current.arrivalNanos();
        for (int i = 0; i < maxPerCall; i++) {
            assertEquals(i, current.preemptions());
            assertTrue(current.offerPreemption(new Abort()), "offer #" + (i + 1));
            Permit rt = granted(s.acquireAsync(RT, null));
            CompletableFuture<Permit> again = s.reacquireAsync(current, null);
            assertFalse(again.isDone());
            clock.advance(Duration.ofSeconds(1));
            rt.release();
            current = granted(again);
            assertEquals(arrival, current.arrivalNanos());
        }
        assertEquals(maxPerCall, current.preemptions());
        assertFalse(current.offerPreemption(new Abort()), "immune after " + maxPerCall + " preemptions");
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(Duration.ofHours(1));
        assertFalse(rt.isDone());
        assertFalse(current.isPreempted());
        assertEquals(maxPerCall, s.snapshot().preemptions());
    }

    @Test
    void zeroPreemptionsPerCallMeansNoCallIsEverOffered() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 0));
        assertFalse(s.tryAcquire(BE).offerPreemption(new Abort()));
    }

    // ---------------------------------------------------------------------------------------------
    // Promotion and preemption

    @Test
    void aPromotedRunningBeCallCanBePreempted() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(10))
                .preemption(Duration.ZERO, 2));
        Permit rt = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(10));
        rt.release();
        Permit promoted = granted(be);
        assertTrue(promoted.promoted());
        Abort abort = new Abort();
        assertTrue(promoted.offerPreemption(abort), "promotion makes no call immune");
        Permit rt2 = granted(s.acquireAsync(RT, null)); // grace 0: preempts on arrival
        assertTrue(promoted.isPreempted());
        assertEquals(1, abort.runs);
        assertEquals(1, s.snapshot().preemptions());

        // It rejoins promoted (it asked 10 s ago), so it beats the next RT call for a freed slot...
        CompletableFuture<Permit> again = s.reacquireAsync(promoted, null);
        CompletableFuture<Permit> rt3 = s.acquireAsync(RT, null);
        assertFalse(rt3.isDone(), "nothing is offered");
        rt2.release();
        Permit promoted2 = granted(again);
        assertTrue(promoted2.promoted());
        assertEquals(1, promoted2.preemptions());
        assertFalse(rt3.isDone());
        // ...and may be preempted again, up to the limit per call: the waiting RT call takes it at once.
        assertTrue(promoted2.offerPreemption(new Abort()));
        Permit rt3Permit = granted(rt3);
        assertTrue(promoted2.isPreempted());
        assertEquals(2, s.snapshot().preemptions());

        CompletableFuture<Permit> last = s.reacquireAsync(promoted2, null);
        rt3Permit.release();
        Permit promoted3 = granted(last);
        assertTrue(promoted3.promoted());
        assertEquals(2, promoted3.preemptions());
        assertFalse(promoted3.offerPreemption(new Abort()), "immune by count, not by promotion");
        Invariants.check(s, 0, 1, "after two preemptions of a promoted call");
    }

    @ParameterizedTest(name = "grace {0} s")
    @ValueSource(ints = {0, 5})
    void withAPromotedBeCallWaiting_aPreemptedSlotGoesToTheRtCall_aNormalReleaseToThePromotedCall(int graceSeconds) {
        Duration grace = Duration.ofSeconds(graceSeconds);
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(0)
                .promotionAfter(Duration.ofSeconds(10)).preemption(grace, 1));
        Permit offered = s.tryAcquire(BE);
        Permit other = s.tryAcquire(BE);
        CompletableFuture<Permit> waitingBe = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, s.snapshot().promotedWaiting());
        Abort abort = new Abort();
        assertTrue(offered.offerPreemption(abort));
        CompletableFuture<Permit> rt1 = s.acquireAsync(RT, null);
        if (graceSeconds > 0) {
            assertFalse(rt1.isDone());
            clock.advance(grace);
        }
        // The promoted call waits but does not block the preemption, and does not get the slot.
        Permit r1 = granted(rt1);
        assertTrue(offered.isPreempted());
        assertEquals(1, abort.runs);
        assertEquals(offered.preemptedNanos(), r1.grantedNanos(), "straight to the RT call");
        assertFalse(waitingBe.isDone());
        assertEquals(1, s.snapshot().promotedWaiting());
        Invariants.check(s, 1, 1, "after the preemption");

        // A slot freed by a call ending still serves the promoted call first.
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        clock.advance(grace); // rt2's grace ends too: nothing is offered, so nothing happens
        assertFalse(rt2.isDone());
        other.release();
        Permit be = granted(waitingBe);
        assertTrue(be.promoted());
        assertFalse(rt2.isDone(), "the promoted call passed the RT call");
        Invariants.check(s, 1, 1, "after the normal release");
        r1.release();
        granted(rt2);
        assertEquals(1, s.snapshot().preemptions());
    }

    @Test
    void aPromotedCallThatWaitsDoesNotStopLaterPreemptionsEither() {
        // Two RT calls in a row take offered slots while the promoted call keeps waiting for a release.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(3).rtReservedSlots(0)
                .promotionAfter(Duration.ofSeconds(10)).preemption(Duration.ZERO, 1));
        Permit a = s.tryAcquire(BE);
        Permit b = s.tryAcquire(BE);
        Permit notOffered = s.tryAcquire(BE);
        CompletableFuture<Permit> waitingBe = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(10));
        assertTrue(a.offerPreemption(new Abort()));
        assertTrue(b.offerPreemption(new Abort()));
        granted(s.acquireAsync(RT, null));
        granted(s.acquireAsync(RT, null));
        assertTrue(a.isPreempted() && b.isPreempted());
        assertEquals(1, s.snapshot().promotedWaiting());
        assertFalse(waitingBe.isDone());
        notOffered.release();
        assertTrue(granted(waitingBe).promoted());
        Invariants.check(s, 2, 1, "after two preemptions and one release");
    }

    // ---------------------------------------------------------------------------------------------
    // Which RT call a preemption serves

    @Test
    void oneGraceEndPreemptsForEveryRtCallThatIsDue() {
        HybridScheduler s = scheduler(policy(3, GRACE, 1));
        Permit older = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit younger = s.tryAcquire(BE);
        Permit notOffered = s.tryAcquire(BE);
        CompletableFuture<Permit> rt1 = s.acquireAsync(RT, null);
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null); // the same arrival: both graces end together
        boolean[] bothGrantedBeforeTheFirstAbort = {false};
        assertTrue(younger.offerPreemption(() -> bothGrantedBeforeTheFirstAbort[0] = rt1.isDone() && rt2.isDone()));
        assertTrue(older.offerPreemption(new Abort()));
        clock.advance(GRACE);
        Permit r1 = granted(rt1);
        Permit r2 = granted(rt2);
        assertTrue(bothGrantedBeforeTheFirstAbort[0], "one event, two preemptions: grants first, then aborts");
        assertTrue(older.isPreempted() && younger.isPreempted());
        assertEquals(younger.preemptedNanos(), r1.grantedNanos(), "the oldest RT call gets the youngest victim's slot");
        assertEquals(older.preemptedNanos(), r2.grantedNanos());
        assertEquals(2, s.snapshot().preemptions());
        assertEquals(0, clock.pendingTasks(), "the second grace task left with its waiter");
        assertFalse(notOffered.isPreempted());
        Invariants.check(s, 2, 1, "after two preemptions in one step");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(RtOrder.class)
    void aPreemptionServesTheOldestRtCall_orWithLifoTheNewestThatWaitedTheGrace(RtOrder order) {
        HybridScheduler s = scheduler(policy(2, GRACE, 1).rtOrder(order));
        Permit be1 = s.tryAcquire(BE);
        Permit be2 = s.tryAcquire(BE);
        CompletableFuture<Permit> rt1 = s.acquireAsync(RT, null); // t0
        clock.advance(Duration.ofSeconds(2));
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null); // t2
        clock.advance(Duration.ofSeconds(6));
        CompletableFuture<Permit> rt3 = s.acquireAsync(RT, null); // t8: has not waited the grace at t10
        clock.advance(Duration.ofSeconds(2)); // t10: the graces of rt1 and rt2 ended with nothing offered
        assertFalse(rt1.isDone() || rt2.isDone() || rt3.isDone());

        assertTrue(be1.offerPreemption(new Abort()));
        CompletableFuture<Permit> first = order == RtOrder.FIFO ? rt1 : rt2;
        CompletableFuture<Permit> second = order == RtOrder.FIFO ? rt2 : rt1;
        Permit firstPermit = granted(first);
        assertFalse(second.isDone());
        assertFalse(rt3.isDone(), "the newest RT call has not waited the grace: a preemption is not for it");
        assertTrue(be2.offerPreemption(new Abort()));
        granted(second);
        assertFalse(rt3.isDone());
        clock.advance(Duration.ofSeconds(3)); // t13: rt3's grace ends; nothing is offered any more
        assertFalse(rt3.isDone());

        // A normal release serves RT in its plain order, grace or not: with LIFO the newest.
        CompletableFuture<Permit> rt4 = s.acquireAsync(RT, null); // t13
        firstPermit.release();
        if (order == RtOrder.FIFO) {
            granted(rt3);
            assertFalse(rt4.isDone());
        } else {
            granted(rt4);
            assertFalse(rt3.isDone());
        }
        assertEquals(2, s.snapshot().preemptions());
        Invariants.check(s, 2, 0, "after two preemptions and one release");
    }

    @Test
    void withLifoAGraceEndingServesThatRtCallWhenNoNewerOneHasWaitedTheGrace() {
        HybridScheduler s = scheduler(policy(1, GRACE, 1).rtOrder(RtOrder.LIFO));
        Permit be = s.tryAcquire(BE);
        assertTrue(be.offerPreemption(new Abort()));
        CompletableFuture<Permit> rt1 = s.acquireAsync(RT, null); // t0
        clock.advance(Duration.ofSeconds(3));
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null); // t3, the newest
        clock.advance(Duration.ofSeconds(2)); // t5: rt1's grace ends, rt2 has waited 2 s
        granted(rt1);
        assertFalse(rt2.isDone());
        assertTrue(be.isPreempted());
    }

    // ---------------------------------------------------------------------------------------------
    // Offer and withdraw

    @Test
    void aWithdrawnOfferIsNotPreempted() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit be = s.tryAcquire(BE);
        Abort abort = new Abort();
        assertTrue(be.offerPreemption(abort));
        assertTrue(be.withdrawPreemption());
        assertTrue(be.withdrawPreemption(), "withdrawing twice is harmless");
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        assertFalse(rt.isDone());
        assertEquals(0, abort.runs);
        // Offered again (a new preemptible exchange): it is preempted at once for the waiting RT call.
        assertTrue(be.offerPreemption(abort));
        assertEquals(1, abort.runs);
        granted(rt);
    }

    @Test
    void withdrawingAfterThePreemptionReturnsFalse() {
        // The race the adapter must lose cleanly: the response is about to reach the application
        // but the slot is gone, so the exchange is being aborted and must not be delivered.
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit be = s.tryAcquire(BE);
        assertTrue(be.offerPreemption(new Abort()));
        granted(s.acquireAsync(RT, null));
        assertFalse(be.withdrawPreemption());
        assertFalse(be.withdrawPreemption());
        assertTrue(be.isPreempted());
    }

    @Test
    void aSecondOfferWhileOfferedIsRefusedAndTheFirstAbortStays() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit be = s.tryAcquire(BE);
        Abort first = new Abort();
        Abort second = new Abort();
        assertTrue(be.offerPreemption(first));
        assertFalse(be.offerPreemption(second));
        granted(s.acquireAsync(RT, null));
        assertEquals(1, first.runs);
        assertEquals(0, second.runs);
    }

    @Test
    void aReleasedPermitCannotBeOffered() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 2));
        Permit released = s.tryAcquire(BE);
        released.release();
        Abort abort = new Abort();
        assertFalse(released.offerPreemption(abort));
        // A preempted permit is released too: it cannot be offered again either (its call re-acquires).
        Permit held = s.tryAcquire(BE);
        assertTrue(held.offerPreemption(new Abort()));
        Permit rt = granted(s.acquireAsync(RT, null));
        assertTrue(held.isPreempted());
        assertFalse(held.offerPreemption(abort));
        CompletableFuture<Permit> next = s.acquireAsync(RT, null);
        assertFalse(next.isDone(), "nothing is offered");
        assertEquals(0, abort.runs);
        assertEquals(1, s.snapshot().preemptions());
        rt.release();
        granted(next);
    }

    @Test
    void releasingAnOfferedPermitEndsTheOffer() {
        HybridScheduler s = scheduler(policy(2, Duration.ZERO, 1));
        Permit b = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit a = s.tryAcquire(BE); // the younger: it would be the victim if its offer lingered
        Abort abort = new Abort();
        assertTrue(a.offerPreemption(abort));
        a.release();
        assertNotNull(s.tryAcquire(RT), "the freed slot");
        Abort bAbort = new Abort();
        assertTrue(b.offerPreemption(bAbort));
        assertEquals(0, bAbort.runs, "no RT call waits yet");

        Permit rt = granted(s.acquireAsync(RT, null));
        assertTrue(b.isPreempted(), "b is the only offered call: a's offer ended with its release");
        assertEquals(1, bAbort.runs);
        assertEquals(0, abort.runs);
        assertNotNull(rt);
    }

    @Test
    void offPolicyNeverPreempts() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(null));
        assertFalse(s.policy().preemption());
        Permit be = s.tryAcquire(BE);
        Abort abort = new Abort();
        assertFalse(be.offerPreemption(abort));
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        assertEquals(0, clock.pendingTasks(), "no grace task without preemption");
        clock.advance(Duration.ofHours(1));
        assertFalse(rt.isDone());
        assertFalse(be.isPreempted());
        assertTrue(be.withdrawPreemption());
        assertEquals(0, s.snapshot().preemptions());
        assertEquals(0, abort.runs);
    }

    // ---------------------------------------------------------------------------------------------
    // Re-queueing

    @Test
    void aPreemptedCallRejoinsAtTheFrontAheadOfLaterArrivals() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit a = s.tryAcquire(BE);
        long aArrival = a.arrivalNanos();
        assertTrue(a.offerPreemption(new Abort()));
        clock.advance(Duration.ofSeconds(1));
        CompletableFuture<Permit> b = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(1));
        Permit rt = granted(s.acquireAsync(RT, null));
        clock.advance(Duration.ofSeconds(1));
        CompletableFuture<Permit> c = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(1));
        CompletableFuture<Permit> again = s.reacquireAsync(a, null);
        assertFalse(again.isDone());
        assertEquals(3, s.snapshot().queued(BE));

        clock.advance(Duration.ofSeconds(1));
        rt.release();
        Permit a2 = granted(again);
        assertFalse(b.isDone(), "b came after a");
        assertEquals(aArrival, a2.arrivalNanos(), "the call keeps its arrival time");
        assertEquals(Duration.ofSeconds(5).toNanos(), a2.queueWaitNanos());
        assertEquals(1, a2.preemptions());
        a2.release();
        Permit b2 = granted(b);
        assertFalse(c.isDone());
        b2.release();
        granted(c).release();
        assertEquals(0, s.snapshot().inFlight());
    }

    @Test
    void preemptedCallsRejoinInArrivalOrderWhateverOrderTheyAskAgainIn() {
        HybridScheduler s = scheduler(policy(2, Duration.ZERO, 1));
        Permit x = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit y = s.tryAcquire(BE);
        assertTrue(x.offerPreemption(new Abort()));
        assertTrue(y.offerPreemption(new Abort()));
        clock.advance(Duration.ofSeconds(1));
        CompletableFuture<Permit> later = s.acquireAsync(BE, null);
        Permit rt1 = granted(s.acquireAsync(RT, null)); // takes y's slot
        Permit rt2 = granted(s.acquireAsync(RT, null)); // takes x's slot
        assertTrue(x.isPreempted() && y.isPreempted());
        CompletableFuture<Permit> y2 = s.reacquireAsync(y, null); // y asks first...
        CompletableFuture<Permit> x2 = s.reacquireAsync(x, null); // ...but x arrived first
        rt1.release();
        assertEquals(x.arrivalNanos(), granted(x2).arrivalNanos());
        assertFalse(y2.isDone());
        rt2.release();
        granted(y2);
        assertFalse(later.isDone());
        Invariants.check(s, 0, 2, "both re-admitted");
    }

    @Test
    void aRequeuedCallIsPromotedFromItsOriginalArrival() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(30))
                .preemption(Duration.ZERO, 2));
        Permit a = s.tryAcquire(BE);
        assertTrue(a.offerPreemption(new Abort()));
        clock.advance(Duration.ofSeconds(20));
        CompletableFuture<Permit> b = s.acquireAsync(BE, null);
        Permit rt = granted(s.acquireAsync(RT, null));
        CompletableFuture<Permit> again = s.reacquireAsync(a, null);
        assertEquals(0, s.snapshot().promotedWaiting());
        clock.advance(Duration.ofSeconds(10)); // 30 s after a arrived, 10 s after b
        assertEquals(1, s.snapshot().promotedWaiting(), "a is promoted, b is not");
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        rt.release();
        Permit a2 = granted(again);
        assertTrue(a2.promoted(), "the promoted call beats the waiting RT call");
        assertFalse(rt2.isDone());
        assertEquals(1, s.snapshot().promotions());
        // Promotion gives no immunity: offered again, it loses the slot to the waiting RT call at once.
        assertTrue(a2.offerPreemption(new Abort()));
        granted(rt2);
        assertTrue(a2.isPreempted());
        assertFalse(b.isDone());
    }

    @Test
    void aCallPreemptedAfterThePromotionTimeRejoinsPromoted() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(30))
                .preemption(Duration.ZERO, 1));
        Permit a = s.tryAcquire(BE);
        assertTrue(a.offerPreemption(new Abort()));
        clock.advance(Duration.ofSeconds(35));
        CompletableFuture<Permit> b = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(5));
        Permit rt = granted(s.acquireAsync(RT, null));
        CompletableFuture<Permit> again = s.reacquireAsync(a, null);
        SchedulerSnapshot snap = s.snapshot();
        assertEquals(1, snap.promotedWaiting());
        assertEquals(1, snap.promotions());
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        rt.release();
        assertTrue(granted(again).promoted());
        assertFalse(rt2.isDone());
        assertFalse(b.isDone());
    }

    @Test
    void aCallPastThePromotionTimeThatRestartsAtOnceIsPromotedAndCounted() throws Exception {
        // Regression: restarting at once, the call was marked promoted but not counted in promotions.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(0)
                .promotionAfter(Duration.ofSeconds(30)).preemption(Duration.ZERO, 3));
        Permit a = s.tryAcquire(BE);
        Permit b = s.tryAcquire(BE);
        assertTrue(a.offerPreemption(new Abort()));
        clock.advance(Duration.ofSeconds(40));
        Permit rt = granted(s.acquireAsync(RT, null));
        b.release();
        assertEquals(0, s.snapshot().promotions());
        Permit a2 = granted(s.reacquireAsync(a, null));
        assertTrue(a2.promoted(), "it asked 40 s ago");
        assertEquals(0, s.snapshot().queued(BE), "it started at once");
        assertEquals(1, s.snapshot().promotions(), "counted as in the queued path");

        // Preemptible still (preempted once, max 3): the same again, the blocking way.
        assertTrue(a2.offerPreemption(new Abort()));
        Permit rt2 = granted(s.acquireAsync(RT, null));
        rt.release();
        Permit a3 = s.reacquire(a2, null);
        assertTrue(a3.promoted());
        assertEquals(2, s.snapshot().promotions());

        // A call not yet due restarts unpromoted and uncounted.
        rt2.release();
        Permit fresh = s.tryAcquire(BE);
        assertTrue(fresh.offerPreemption(new Abort()));
        granted(s.acquireAsync(RT, null));
        a3.release();
        Permit fresh2 = granted(s.reacquireAsync(fresh, null));
        assertFalse(fresh2.promoted());
        assertEquals(2, s.snapshot().promotions());
    }

    @Test
    void aRequeuedCallStartsAtOnceWhenABeSlotIsFreeAndNoRtCallWaits() throws Exception {
        HybridScheduler s = scheduler(policy(2, Duration.ZERO, 2));
        Permit a = s.tryAcquire(BE);
        Permit b = s.tryAcquire(BE);
        assertTrue(a.offerPreemption(new Abort()));
        Permit rt = granted(s.acquireAsync(RT, null));
        b.release();
        clock.advance(Duration.ofSeconds(3));
        Permit a2 = s.reacquire(a, null); // blocking, but a slot is free: no wait
        assertEquals(1, a2.preemptions());
        assertEquals(a.arrivalNanos(), a2.arrivalNanos());
        assertEquals(clock.nanoTime(), a2.grantedNanos());
        assertEquals(0, s.snapshot().queued(BE));

        // Once more, the non-blocking way.
        assertTrue(a2.offerPreemption(new Abort()));
        Permit rt2 = granted(s.acquireAsync(RT, null));
        rt.release();
        Permit a3 = granted(s.reacquireAsync(a2, null));
        assertEquals(2, a3.preemptions());
        Invariants.check(s, 1, 1, "after two immediate re-admissions");
        assertNotNull(rt2);
    }

    @Test
    void aRequeuedCallIsNeverRefusedForQueueLengthNorTimedOutByTheClassMaxWait() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1)
                .maxQueueLength(BE, 1).maxWait(BE, Duration.ofSeconds(5)));
        Permit a = s.tryAcquire(BE);
        assertTrue(a.offerPreemption(new Abort()));
        CompletableFuture<Permit> b = s.acquireAsync(BE, null); // fills the BE queue
        Permit rt = granted(s.acquireAsync(RT, null));
        CompletableFuture<Permit> again = s.reacquireAsync(a, null);
        assertFalse(again.isDone(), "admitted already: the queue limit does not apply");
        assertEquals(2, s.snapshot().queued(BE));
        assertEquals(0, s.snapshot().rejectedQueueFull(BE));
        assertTrue(s.acquireAsync(BE, null).isCompletedExceptionally(), "a new BE call is still refused");

        clock.advance(Duration.ofSeconds(5));
        assertInstanceOf(QueueTimeoutException.class, assertThrows(CompletionException.class, b::join).getCause());
        assertFalse(again.isDone(), "the class max-wait does not apply either");
        rt.release();
        granted(again);
    }

    @Test
    void aRequeuedCallsOwnTimeoutStillApplies() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit a = s.tryAcquire(BE);
        assertTrue(a.offerPreemption(new Abort()));
        granted(s.acquireAsync(RT, null));
        CompletableFuture<Permit> again = s.reacquireAsync(a, Duration.ofSeconds(3));
        clock.advance(Duration.ofSeconds(3));
        QueueTimeoutException t = assertInstanceOf(QueueTimeoutException.class,
                assertThrows(CompletionException.class, again::join).getCause());
        assertTrue(t.isCallTimeout());
        assertEquals(1, s.snapshot().rejectedCallTimeout(BE));
        assertEquals(0, s.snapshot().queued(BE));
        assertEquals(0, clock.pendingTasks());
    }

    @ParameterizedTest(name = "after the first re-acquire {0}")
    @ValueSource(strings = {"started at once", "is waiting", "was granted from the queue", "timed out",
            "was cancelled"})
    void aPreemptedPermitMayBeReacquiredOnlyOnce(String first) {
        // Otherwise one call could wait in the queue twice, or hold two slots.
        HybridScheduler s = scheduler(policy(2, Duration.ZERO, 3));
        Permit a = s.tryAcquire(BE);
        Permit b = s.tryAcquire(BE);
        assertTrue(a.offerPreemption(new Abort()));
        Permit rt = granted(s.acquireAsync(RT, null));
        if (first.equals("started at once")) {
            b.release();
        }
        CompletableFuture<Permit> again = s.reacquireAsync(a, first.equals("timed out") ? Duration.ofSeconds(2) : null);
        switch (first) {
            case "started at once":
                granted(again);
                break;
            case "is waiting":
                assertFalse(again.isDone());
                break;
            case "was granted from the queue":
                rt.release();
                granted(again);
                break;
            case "timed out":
                clock.advance(Duration.ofSeconds(2));
                assertInstanceOf(QueueTimeoutException.class,
                        assertThrows(CompletionException.class, again::join).getCause());
                break;
            default:
                assertTrue(again.cancel(false));
        }
        SchedulerSnapshot before = s.snapshot();
        IllegalStateException async = assertThrows(IllegalStateException.class, () -> s.reacquireAsync(a, null));
        assertTrue(async.getMessage().contains("re-acquired already"), async::getMessage);
        assertThrows(IllegalStateException.class, () -> s.reacquire(a, null), "the blocking way does not wait");
        assertThrows(IllegalStateException.class, () -> s.reacquire(a, Duration.ofSeconds(1)));
        SchedulerSnapshot after = s.snapshot();
        assertEquals(before.queued(BE), after.queued(BE), "no second waiter");
        assertEquals(before.granted(BE), after.granted(BE), "no second slot");
        assertEquals(before.inFlight(BE), after.inFlight(BE));
        assertEquals(before.rejectedCallTimeout(BE), after.rejectedCallTimeout(BE));
        if (first.equals("is waiting")) {
            assertEquals(1, after.queued(BE));
            rt.release();
            granted(again);
            assertEquals(0, s.snapshot().queued(BE));
        }
    }

    @Test
    void onlyAPreemptedPermitMayBeReacquired() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit running = s.tryAcquire(BE);
        assertThrows(IllegalArgumentException.class, () -> s.reacquire(running, null));
        assertThrows(IllegalArgumentException.class, () -> s.reacquireAsync(running, null));
        running.release();
        assertThrows(IllegalArgumentException.class, () -> s.reacquireAsync(running, null),
                "a normally released permit is not preempted");
        assertEquals(0, s.snapshot().queued(BE));
    }

    // ---------------------------------------------------------------------------------------------
    // The abort action

    @Test
    void theAbortRunsExactlyOnceAfterTheLockOnTheTriggeringThread() throws Exception {
        HybridScheduler s = scheduler(policy(1, GRACE, 1));
        ReentrantLock lock = lockOf(s);
        Permit be = s.tryAcquire(BE);
        int[] runs = {0};
        boolean[] underLock = {true};
        int[] rtInFlightDuringAbort = {-1};
        Thread[] ranOn = {null};
        assertTrue(be.offerPreemption(() -> {
            runs[0]++;
            underLock[0] = lock.isHeldByCurrentThread();
            rtInFlightDuringAbort[0] = s.snapshot().inFlight(RT);
            ranOn[0] = Thread.currentThread();
        }));
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(GRACE); // the grace task runs on this (the advancing) thread
        assertEquals(1, runs[0]);
        assertFalse(underLock[0], "the abort runs after the lock is released");
        assertEquals(1, rtInFlightDuringAbort[0], "the slot was handed over before the abort ran");
        assertSame(Thread.currentThread(), ranOn[0]);

        // Nothing after that runs it again.
        assertFalse(be.withdrawPreemption());
        assertFalse(be.release());
        assertFalse(be.offerPreemption(() -> runs[0] += 100));
        CompletableFuture<Permit> more = s.acquireAsync(RT, null);
        clock.advance(GRACE.multipliedBy(3));
        granted(rt).release();
        granted(more).release();
        assertEquals(1, runs[0]);
    }

    @Test
    void aFailingAbortLosesNoSlot() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit be = s.tryAcquire(BE);
        assertTrue(be.offerPreemption(() -> {
            throw new IllegalStateException("the adapter could not abort");
        }));
        Permit rt = granted(s.acquireAsync(RT, null));
        assertTrue(be.isPreempted());
        Invariants.check(s, 1, 0, "after the failing abort");
        rt.release();
        assertEquals(0, s.snapshot().inFlight());
    }

    // ---------------------------------------------------------------------------------------------
    // Counters and releases

    @Test
    void theSnapshotCountsPreemptionsAndTheSlotTimeTheyThrewAway() {
        HybridScheduler s = scheduler(policy(2, Duration.ZERO, 1));
        Permit rt0 = s.tryAcquire(RT);
        Permit a = s.tryAcquire(BE); // granted at t0
        CompletableFuture<Permit> queued = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(1));
        rt0.release();
        Permit b = granted(queued); // arrived at t0, granted at t1: the slot time counts from t1
        assertTrue(a.offerPreemption(new Abort()));
        assertTrue(b.offerPreemption(new Abort()));
        clock.advance(Duration.ofSeconds(2));
        granted(s.acquireAsync(RT, null)); // t3: b, the younger, had run 2 s
        clock.advance(Duration.ofSeconds(4));
        granted(s.acquireAsync(RT, null)); // t7: a had run 7 s
        SchedulerSnapshot snap = s.snapshot();
        assertEquals(2, snap.preemptions());
        assertEquals(Duration.ofSeconds(9).toNanos(), snap.preemptedSlotNanos());
        assertEquals(snap.preemptedSlotNanos(),
                (a.preemptedNanos() - a.grantedNanos()) + (b.preemptedNanos() - b.grantedNanos()));
        assertEquals(2, snap.granted(BE));
        assertEquals(3, snap.granted(RT));
        assertEquals(2, snap.released(BE), "a preempted slot counts as released");
        assertEquals(0, snap.inFlight(BE));
        assertEquals(2, snap.inFlight(RT));
        assertTrue(snap.toString().contains("preemptions=2"), snap::toString);
    }

    @Test
    void releasingAPreemptedPermitAgainChangesNothing() {
        HybridScheduler s = scheduler(policy(1, Duration.ZERO, 1));
        Permit be = s.tryAcquire(BE);
        assertTrue(be.offerPreemption(new Abort()));
        granted(s.acquireAsync(RT, null));
        CompletableFuture<Permit> waiting = s.acquireAsync(RT, null);
        SchedulerSnapshot before = s.snapshot();
        assertFalse(be.release());
        assertFalse(be.release());
        SchedulerSnapshot after = s.snapshot();
        assertEquals(before.inFlight(BE), after.inFlight(BE));
        assertEquals(before.inFlight(RT), after.inFlight(RT));
        assertEquals(before.released(BE), after.released(BE));
        assertEquals(before.preemptions(), after.preemptions());
        assertFalse(waiting.isDone(), "no slot was invented");
        Invariants.check(s, 1, 0, "after releasing a preempted permit");
    }

    // ---------------------------------------------------------------------------------------------
    // Races

    @ParameterizedTest(name = "a promoted BE call waits: {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void aVictimBeingReleasedAtThatMomentIsNotReplacedByAnotherVictim(boolean promotedWaits) throws Exception {
        // Regression: the youngest offered permit's holder has released it (compare-and-set done) but
        // waits for the lock to give the slot back. The grace ends meanwhile. Its slot is about to be
        // free, so the preemption must wait for that release; the scheduler preempted the next
        // offered call instead, throwing its work away. The release's own settle then decides: it
        // serves the RT call, or, when a promoted BE call takes the freed slot first (a slot freed by
        // a call ending serves it first), preempts the next offered call for the RT call right then.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(0)
                .promotionAfter(promotedWaits ? Duration.ofSeconds(3) : null).preemption(GRACE, 1));
        ReentrantLock lock = lockOf(s);
        Permit older = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit younger = s.tryAcquire(BE);
        Abort olderAbort = new Abort();
        Abort youngerAbort = new Abort();
        assertTrue(older.offerPreemption(olderAbort));
        assertTrue(younger.offerPreemption(youngerAbort));
        CompletableFuture<Permit> waitingBe = promotedWaits ? s.acquireAsync(BE, null) : null; // promoted at +3 s
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null); // its grace ends at +5 s

        Thread releaser;
        lock.lock();
        try {
            releaser = new Thread(younger::release, "releaser");
            releaser.setDaemon(true);
            releaser.start();
            while (!lock.hasQueuedThread(releaser)) {
                Thread.onSpinWait(); // its release is claimed; it waits for the lock to hand the slot back
            }
            clock.advance(GRACE); // the grace ends on this thread, which holds the lock (re-entered)
            assertFalse(rt.isDone(), "the grace's settle stopped at the victim being released");
            assertFalse(older.isPreempted(), "and preempted no other call");
        } finally {
            lock.unlock();
        }
        releaser.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(releaser.isAlive());

        granted(rt);
        assertEquals(0, youngerAbort.runs, "a released call is not aborted");
        assertFalse(younger.isPreempted());
        if (promotedWaits) {
            assertTrue(granted(waitingBe).promoted(), "the released slot served the promoted call first");
            assertTrue(older.isPreempted(), "then the release's settle preempted for the RT call");
            assertEquals(1, olderAbort.runs);
            assertSame(releaser, olderAbort.thread);
            assertEquals(1, s.snapshot().preemptions());
        } else {
            assertFalse(older.isPreempted(), "a slot was being freed: no one had to be preempted");
            assertEquals(0, olderAbort.runs);
            assertEquals(0, s.snapshot().preemptions());
        }
        Invariants.check(s, 1, 1, "after the release won the race");
    }

    private static ReentrantLock lockOf(HybridScheduler s) throws ReflectiveOperationException {
        Field f = HybridScheduler.class.getDeclaredField("lock");
        f.setAccessible(true);
        return (ReentrantLock) f.get(s);
    }
}
