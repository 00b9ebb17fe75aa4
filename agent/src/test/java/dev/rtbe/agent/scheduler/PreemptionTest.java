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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Transparent preemption (see {@link HybridScheduler}'s class comment), rule by rule on a virtual
 * clock: victim choice, grace, immunity, the offer/withdraw race, re-queueing in arrival order, the
 * abort action and the counters. {@link PreemptionRandomizedTest} checks the same rules on random runs.
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
    // Immunity

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

    @Test
    void aPromotedCallIsImmune() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(10))
                .preemption(Duration.ZERO, 1));
        Permit rt = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(10));
        rt.release();
        Permit promoted = granted(be);
        assertTrue(promoted.promoted());
        assertFalse(promoted.offerPreemption(new Abort()));
        CompletableFuture<Permit> next = s.acquireAsync(RT, null);
        assertFalse(next.isDone());
        assertEquals(0, s.snapshot().preemptions());
    }

    @Test
    void nothingIsPreemptedWhileAPromotedBeCallWaits_thenItsGrantLetsThePreemptionHappen() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(0)
                .promotionAfter(Duration.ofSeconds(10)).preemption(Duration.ZERO, 1));
        Permit offered = s.tryAcquire(BE);
        Permit other = s.tryAcquire(BE);
        CompletableFuture<Permit> waitingBe = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, s.snapshot().promotedWaiting());
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        Abort abort = new Abort();
        assertTrue(offered.offerPreemption(abort));
        clock.advance(Duration.ofHours(1));
        // The promoted call would take the freed slot first: preempting would not help the RT call.
        assertFalse(rt.isDone());
        assertEquals(0, abort.runs);

        other.release(); // the promoted call takes this slot; now nothing stands in the RT call's way
        assertTrue(granted(waitingBe).promoted());
        granted(rt);
        assertTrue(offered.isPreempted());
        assertEquals(1, abort.runs);
        Invariants.check(s, 1, 1, "after the promoted grant and the preemption");
    }

    @Test
    void oneEventPreemptsForEveryRtCallThatIsDue() {
        // Two RT calls past their grace, held back by a promoted waiter: when it gets its slot, both preempt.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(3).rtReservedSlots(0)
                .promotionAfter(Duration.ofSeconds(10)).preemption(Duration.ZERO, 1));
        Permit older = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit younger = s.tryAcquire(BE);
        Permit notOffered = s.tryAcquire(BE);
        CompletableFuture<Permit> waitingBe = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(10));
        CompletableFuture<Permit> rt1 = s.acquireAsync(RT, null);
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        assertTrue(older.offerPreemption(new Abort()));
        assertTrue(younger.offerPreemption(new Abort()));
        assertFalse(rt1.isDone());

        notOffered.release();
        granted(waitingBe);
        granted(rt1);
        granted(rt2);
        assertTrue(older.isPreempted() && younger.isPreempted());
        assertEquals(2, s.snapshot().preemptions());
        Invariants.check(s, 2, 1, "after two preemptions in one step");
    }

    @ParameterizedTest(name = "the promoted waiter leaves by {0}")
    @ValueSource(strings = {"cancel", "failure from outside", "own timeout"})
    void whenThePromotedWaiterLeavesTheQueueTheDuePreemptionHappens(String how) {
        // Regression: leaving the queue (cancel, interrupt, timeout) did not re-check preemption, so
        // the RT call went on waiting past its grace although an offered slot was there to take.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(10))
                .preemption(Duration.ZERO, 1));
        Permit offered = s.tryAcquire(BE);
        CompletableFuture<Permit> waitingBe = s.acquireAsync(BE, Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(10));
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        Abort abort = new Abort();
        assertTrue(offered.offerPreemption(abort));
        clock.advance(Duration.ofSeconds(5));
        assertFalse(rt.isDone(), "blocked by the promoted waiter");

        switch (how) {
            case "cancel":
                assertTrue(waitingBe.cancel(false));
                break;
            case "failure from outside":
                assertTrue(waitingBe.completeExceptionally(new IllegalStateException("caller gave up")));
                break;
            default:
                clock.advance(Duration.ofSeconds(15));
                assertInstanceOf(QueueTimeoutException.class,
                        assertThrows(CompletionException.class, waitingBe::join).getCause());
        }
        granted(rt);
        assertTrue(offered.isPreempted());
        assertEquals(1, abort.runs);
        Invariants.check(s, 1, 0, "after the promoted waiter left");
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
                .preemption(Duration.ZERO, 1));
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
        assertFalse(a2.offerPreemption(new Abort()), "and is immune now");
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
    void aCallPastThePromotionTimeThatRestartsAtOnceIsPromotedAndSoImmune() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(0)
                .promotionAfter(Duration.ofSeconds(30)).preemption(Duration.ZERO, 3));
        Permit a = s.tryAcquire(BE);
        Permit b = s.tryAcquire(BE);
        assertTrue(a.offerPreemption(new Abort()));
        clock.advance(Duration.ofSeconds(40));
        granted(s.acquireAsync(RT, null));
        b.release();
        Permit a2 = granted(s.reacquireAsync(a, null));
        assertTrue(a2.promoted(), "it asked 40 s ago");
        assertFalse(a2.offerPreemption(new Abort()));
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

    @Test
    @Timeout(30)
    void aVictimBeingReleasedAtThatMomentIsNotReplacedByAnotherVictim() throws Exception {
        // Regression: the youngest offered permit's holder has released it (compare-and-set done) but
        // waits for the lock to give the slot back. The grace ends meanwhile. Its slot is about to be
        // free, so the RT call must get it; the scheduler preempted the next offered call instead,
        // throwing its work away and leaving the released slot idle.
        HybridScheduler s = scheduler(policy(2, GRACE, 1));
        ReentrantLock lock = lockOf(s);
        Permit older = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        Permit younger = s.tryAcquire(BE);
        Abort olderAbort = new Abort();
        Abort youngerAbort = new Abort();
        assertTrue(older.offerPreemption(olderAbort));
        assertTrue(younger.offerPreemption(youngerAbort));
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);

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
        } finally {
            lock.unlock();
        }
        releaser.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(releaser.isAlive());

        granted(rt);
        assertFalse(older.isPreempted(), "a slot was being freed: no one had to be preempted");
        assertEquals(0, olderAbort.runs);
        assertEquals(0, youngerAbort.runs, "a released call is not aborted");
        assertEquals(0, s.snapshot().preemptions());
        Invariants.check(s, 1, 1, "after the release won the race");
    }

    private static ReentrantLock lockOf(HybridScheduler s) throws ReflectiveOperationException {
        Field f = HybridScheduler.class.getDeclaredField("lock");
        f.setAccessible(true);
        return (ReentrantLock) f.get(s);
    }
}
