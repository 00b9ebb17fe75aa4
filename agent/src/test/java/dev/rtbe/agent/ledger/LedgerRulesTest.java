package dev.rtbe.agent.ledger;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.config.Coordination;
import dev.rtbe.agent.ledger.redis.EmbeddedRedis;
import dev.rtbe.agent.ledger.redis.RedisFleet;
import dev.rtbe.agent.scheduler.HybridScheduler;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.QueueFullException;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import dev.rtbe.agent.scheduler.RtOrder;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.scheduler.SchedulerSnapshot;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One table of scheduling rules (DESIGN.md), run against both implementations of the rule: the
 * in-process scheduler and the Redis scripts (a real redis-server, the scripts' clock driven by
 * the same virtual clock). A difference between the two is a bug in one of them.
 */
class LedgerRulesTest {
    private static EmbeddedRedis redis;
    private static final AtomicInteger FLEETS = new AtomicInteger();

    private final VirtualClock clock = new VirtualClock();
    private final List<RedisFleet> fleets = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = new EmbeddedRedis();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void closeFleets() {
        fleets.forEach(RedisFleet::close);
        for (RedisFleet f : fleets) {
            assertEquals(0, f.fallbacks(), "the redis run must not have passed through the local fallback");
        }
    }

    private SlotLedger ledger(String kind, SchedulerPolicy.Builder policy) {
        if (kind.equals("local")) {
            return new HybridScheduler(policy.build(), clock);
        }
        RedisFleet fleet = new RedisFleet(parse(redis.url()), "rules" + FLEETS.incrementAndGet(), null, null,
                Duration.ofSeconds(10), 1, clock, () -> clock.nanoTime() / 1_000_000L, false,
                AgentLog.stderr(), 60_000);
        fleets.add(fleet);
        fleet.start();
        return fleet.ledger("localhost:11434|_default", policy.build());
    }

    private static Coordination parse(String url) {
        try {
            return Coordination.parse(url);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The grant, waiting for it: in the redis run a grant for a waiter of this JVM may come by the
     * script's reply or by the fleet's notice on the subscriber thread, whichever is first.
     */
    private static Permit granted(CompletableFuture<Permit> f) {
        try {
            return f.get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("expected a granted slot: " + f);
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("expected a granted slot: " + f, e);
        }
    }

    /** free + held == N, BE never in a reserved slot, nobody waits while it could run. */
    private static void check(SlotLedger s, int heldRt, int heldBe, String context) {
        SchedulerSnapshot snap = s.snapshot();
        int n = snap.totalSlots();
        int rt = snap.inFlight(RT);
        int be = snap.inFlight(BE);
        assertEquals(heldRt, rt, () -> context + ": RT held; " + snap);
        assertEquals(heldBe, be, () -> context + ": BE held; " + snap);
        assertTrue(be + Math.max(snap.rtReservedSlots(), rt) <= n, () -> context + ": BE took a reserved slot; " + snap);
        if (snap.queued(RT) > 0) {
            assertEquals(n, rt + be, () -> context + ": an RT call waits while a slot is free; " + snap);
        }
        if (snap.queued(BE) > 0) {
            assertTrue(be + Math.max(snap.rtReservedSlots(), rt) >= n, () -> context + ": BE waits needlessly; " + snap);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void rtNeverWaitsWhileRtInFlightIsBelowReserved(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(4).rtReservedSlots(2));
        assertNotNull(s.tryAcquire(BE));
        assertNotNull(s.tryAcquire(BE));
        CompletableFuture<Permit> queuedBe = s.acquireAsync(BE, null);
        assertFalse(queuedBe.isDone());
        assertNotNull(s.tryAcquire(RT));
        assertNotNull(s.tryAcquire(RT));
        assertFalse(queuedBe.isDone(), "BE must not take a reserved slot");
        check(s, 2, 2, "full");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void beNeverTakesAReservedSlot(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(3).rtReservedSlots(1));
        assertNotNull(s.tryAcquire(BE));
        assertNotNull(s.tryAcquire(BE));
        assertNull(s.tryAcquire(BE), "the third slot is reserved for RT");
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        assertFalse(be.isDone());
        check(s, 0, 2, "after BE fan-out");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void rtMayUseEveryFreeSlotAndBeUsesWhatRtDoesNotNeed(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(3).rtReservedSlots(1));
        Permit rt1 = s.tryAcquire(RT);
        Permit rt2 = s.tryAcquire(RT);
        Permit rt3 = s.tryAcquire(RT);
        assertNotNull(rt1);
        assertNotNull(rt2);
        assertNotNull(rt3, "RT is not limited to the reserved slots");
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        rt3.release();
        granted(be);
        check(s, 2, 1, "after RT released");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void aFreedReservedSlotIsNotHandedToBe(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(2).rtReservedSlots(1));
        Permit be = s.tryAcquire(BE);
        Permit rt = s.tryAcquire(RT);
        CompletableFuture<Permit> waitingBe = s.acquireAsync(BE, null);
        rt.release();
        assertFalse(waitingBe.isDone(), "the reserved slot stays open for the next RT call");
        assertNotNull(s.tryAcquire(RT), "an RT arrival finds the reserved slot free");
        be.release();
        granted(waitingBe); // the unreserved slot goes to the BE waiter
        check(s, 1, 1, "after the BE slot was passed on");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void rtFifoServesTheOldestWaiterFirst(String kind) {
        assertRtOrder(kind, RtOrder.FIFO, new int[] {0, 1, 2});
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void rtLifoServesTheNewestWaiterFirst(String kind) {
        assertRtOrder(kind, RtOrder.LIFO, new int[] {2, 1, 0});
    }

    private void assertRtOrder(String kind, RtOrder order, int[] expected) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1).rtOrder(order));
        Permit current = s.tryAcquire(RT);
        List<CompletableFuture<Permit>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(s.acquireAsync(RT, null));
            clock.advance(Duration.ofMillis(10));
        }
        for (int index : expected) {
            current.release();
            current = granted(waiters.get(index));
            for (CompletableFuture<Permit> w : waiters) {
                if (w != waiters.get(index) && w.isDone()) {
                    assertTrue(w.join().isReleased(), "only one waiter per freed slot");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void beIsServedFifoAndRtOvertakesIt(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> a = s.acquireAsync(BE, null);
        CompletableFuture<Permit> b = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        running.release();
        granted(rt).release();
        granted(a);
        assertFalse(b.isDone());
        assertEquals(0, a.join().queuePosition(), "nobody was waiting when it arrived");
        assertEquals(2, s.snapshot().queued(BE) + s.snapshot().inFlight(BE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo-local", "fifo-redis", "lifo-local", "lifo-redis"})
    void promotedBeBeatsWaitingRt(String variant) {
        RtOrder order = variant.startsWith("fifo") ? RtOrder.FIFO : RtOrder.LIFO;
        SlotLedger s = ledger(variant.substring(5), SchedulerPolicy.builder(1).rtOrder(order)
                .promotionAfter(Duration.ofSeconds(120)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(119));
        List<CompletableFuture<Permit>> rts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rts.add(s.acquireAsync(RT, null));
        }
        clock.advance(Duration.ofSeconds(1));
        running.release();
        Permit p = granted(be);
        assertTrue(p.promoted());
        assertEquals(Duration.ofSeconds(120).toNanos(), p.queueWaitNanos());
        assertTrue(rts.stream().noneMatch(CompletableFuture::isDone));
        assertEquals(1, s.snapshot().promotions());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void beforePromotionRtStillGoesFirst(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(120)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(119));
        running.release();
        granted(rt);
        assertFalse(be.isDone());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void promotionNeverTakesTheReservedSlots(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(2).rtReservedSlots(1).promotionAfter(Duration.ofSeconds(10)));
        Permit be = s.tryAcquire(BE);
        CompletableFuture<Permit> waitingBe = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(60));
        Permit rt = s.tryAcquire(RT);
        assertNotNull(rt, "the reserved slot is RT's even with a promoted BE waiting");
        rt.release();
        assertFalse(waitingBe.isDone(), "a promoted BE waiter still may not take the reserved slot");
        be.release();
        assertTrue(granted(waitingBe).promoted());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis", "local-passed-over", "redis-passed-over"})
    void beWaitIsBoundedByPromotionPlusOneHoldUnderContinuousRtLoad(String variant) {
        Duration promotion = Duration.ofSeconds(30);
        Duration hold = Duration.ofSeconds(7);
        SlotLedger s = ledger(variant.split("-")[0], SchedulerPolicy.builder(2).rtReservedSlots(1).promotionAfter(promotion)
                .agingPassedOver(variant.endsWith("passed-over")));
        List<Permit> running = new ArrayList<>(List.of(s.tryAcquire(RT), s.tryAcquire(RT)));
        List<CompletableFuture<Permit>> rtWaiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rtWaiting.add(s.acquireAsync(RT, null));
        }
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        int step = 0;
        while (!be.isDone()) {
            clock.advance(hold.dividedBy(2));
            running.remove(0).release();
            for (var it = rtWaiting.iterator(); it.hasNext(); ) {
                CompletableFuture<Permit> w = it.next();
                if (w.isDone()) {
                    running.add(w.join());
                    it.remove();
                }
            }
            rtWaiting.add(s.acquireAsync(RT, null));
            assertTrue(++step < 1000, "BE starved");
        }
        assertTrue(be.join().promoted());
        assertTrue(be.join().queueWaitNanos() <= promotion.plus(hold).toNanos(), "waited " + be.join().queueWaitNanos());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void aBatchFanOutNeverRejectsAnRtCallAndTheMessageSaysWhy(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(2).maxQueueLength(BE, 5).maxQueueLength(RT, 5));
        Permit be = s.tryAcquire(BE);
        Permit rt = s.tryAcquire(RT);
        for (int i = 0; i < 5; i++) {
            s.acquireAsync(BE, null);
        }
        CompletableFuture<Permit> rejected = s.acquireAsync(BE, null);
        CompletionException e = assertThrows(CompletionException.class, rejected::join);
        assertInstanceOf(QueueFullException.class, e.getCause());
        assertEquals("rtbe: BE queue is full: 5 calls waiting, limit rtbe.queue.be.max-length=5", e.getCause().getMessage());
        CompletableFuture<Permit> rtCall = s.acquireAsync(RT, null);
        assertFalse(rtCall.isCompletedExceptionally(), "RT has its own queue limit");
        rt.release();
        granted(rtCall);
        assertEquals(0, s.snapshot().rejected(RT));
        assertEquals(1, s.snapshot().rejectedQueueFull(BE));
        assertNotNull(be);
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void maxWaitAndTheCallsOwnTimeoutEndTheWait(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1).maxWait(BE, Duration.ofSeconds(30)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, Duration.ofSeconds(40));
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(29));
        assertFalse(be.isDone());
        clock.advance(Duration.ofSeconds(1));
        QueueTimeoutException t = assertInstanceOf(QueueTimeoutException.class,
                assertThrows(CompletionException.class, be::join).getCause());
        assertEquals("rtbe: BE call waited 30.000s in the queue without a slot, limit rtbe.queue.be.max-wait=30.000s",
                t.getMessage());
        assertFalse(t.isCallTimeout());
        clock.advance(Duration.ofSeconds(10));
        assertTrue(assertInstanceOf(QueueTimeoutException.class,
                assertThrows(CompletionException.class, rt::join).getCause()).isCallTimeout());
        assertEquals(1, s.snapshot().rejectedMaxWait(BE));
        assertEquals(1, s.snapshot().rejectedCallTimeout(RT));
        running.release();
        granted(rt2);
        check(s, 1, 0, "after the waits expired");
        assertEquals(0, s.snapshot().queued(RT) + s.snapshot().queued(BE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void aCancelledWaiterLeavesAndTheSlotGoesToTheNext(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> first = s.acquireAsync(RT, null);
        CompletableFuture<Permit> second = s.acquireAsync(RT, null);
        first.cancel(false);
        running.release();
        granted(second);
        check(s, 1, 0, "after passing on");
        assertEquals(1, s.snapshot().cancelled(RT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void releaseIsIdempotent(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> a = s.acquireAsync(RT, null);
        CompletableFuture<Permit> b = s.acquireAsync(RT, null);
        assertTrue(running.release());
        assertFalse(running.release());
        granted(a);
        assertFalse(b.isDone(), "a double release must not admit a second waiter");
        check(s, 1, 0, "after double release");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void queuePositionAndWaitArePerCall(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> be1 = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(2));
        CompletableFuture<Permit> be2 = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(3));
        running.release();
        Permit p1 = granted(be1);
        clock.advance(Duration.ofSeconds(4));
        p1.release();
        Permit p2 = granted(be2);
        assertEquals(0, p1.queuePosition());
        assertEquals(1, p2.queuePosition());
        assertEquals(Duration.ofSeconds(5).toNanos(), p1.queueWaitNanos());
        assertEquals(Duration.ofSeconds(7).toNanos(), p2.queueWaitNanos());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void preemptionHandsTheYoungestOfferedSlotToRtAndTheVictimRequeuesInArrivalOrder(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(2).rtReservedSlots(0).preemption(Duration.ZERO, 1));
        Permit older = s.tryAcquire(BE);
        clock.advance(Duration.ofSeconds(1));
        CompletableFuture<Permit> laterBe = null;
        Permit younger = s.tryAcquire(BE);
        AtomicInteger aborted = new AtomicInteger();
        assertTrue(older.offerPreemption(() -> aborted.addAndGet(10)));
        assertTrue(younger.offerPreemption(aborted::incrementAndGet));
        clock.advance(Duration.ofSeconds(1));
        laterBe = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        Permit rtPermit = granted(rt);
        assertEquals(1, aborted.get(), "the youngest offered call is the victim");
        assertTrue(younger.isPreempted());
        assertFalse(younger.withdrawPreemption(), "a preempted call must not hand its response on");
        assertTrue(older.withdrawPreemption());
        assertEquals(1, s.snapshot().preemptions());
        CompletableFuture<Permit> again = s.reacquireAsync(younger, null);
        assertThrows(IllegalStateException.class, () -> s.reacquireAsync(younger, null));
        assertFalse(again.isDone());
        older.release();
        Permit second = granted(again);
        assertFalse(laterBe.isDone(), "the victim keeps its place ahead of later arrivals");
        assertEquals(younger.arrivalNanos(), second.arrivalNanos());
        assertEquals(1, second.preemptions());
        assertFalse(second.offerPreemption(() -> { }), "immune after max-per-call preemptions");
        rtPermit.release();
        check(s, 0, 2, "after the preemption played out");
    }

    /**
     * Victim choice by tokens on both ledgers: the offered call that has generated the fewest tokens (reported with
     * the offer, and to Redis at each heartbeat), then the youngest; a call whose progress is unknown only when no
     * reporting one is offered. A continued victim's kept output is no waste: the ledger counts the net time.
     */
    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void theVictimHasGeneratedTheFewestTokensAndKeptOutputIsNotCountedAsWaste(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(3).rtReservedSlots(0).preemption(Duration.ZERO, 2));
        Permit few = s.tryAcquire(BE);
        few.reportProgress(3);
        clock.advance(Duration.ofSeconds(1));
        Permit many = s.tryAcquire(BE);
        many.reportProgress(40);
        clock.advance(Duration.ofSeconds(1));
        Permit unknown = s.tryAcquire(BE); // its answer is not streamed: progress unknown
        AtomicInteger aborted = new AtomicInteger();
        assertTrue(unknown.offerPreemption(() -> aborted.addAndGet(100)));
        assertTrue(many.offerPreemption(() -> aborted.addAndGet(10)));
        assertTrue(few.offerPreemption(aborted::incrementAndGet));
        clock.advance(Duration.ofSeconds(2));
        Permit rt1 = granted(s.acquireAsync(RT, null));
        assertEquals(1, aborted.get(), "fewest tokens, though the oldest; the youngest's progress is unknown");
        assertTrue(few.isPreempted());
        few.keptAfterPreemption(Duration.ofMillis(3500).toNanos()); // continued: 3.5 of its 4 s were generation
        assertEquals(Duration.ofMillis(500).toNanos(), s.snapshot().preemptedSlotNanos(), "net: only its prefill");

        many.reportProgress(41);
        for (RedisFleet f : fleets) {
            f.heartbeat(); // progress reaches Redis with the heartbeat
        }
        Permit rt2 = granted(s.acquireAsync(RT, null));
        assertEquals(11, aborted.get(), "a reporting call before one of unknown progress");
        assertTrue(many.isPreempted());
        assertFalse(unknown.isPreempted());
        rt1.release();
        rt2.release();
        unknown.release();
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void preemptionWaitsForTheGrace(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1).preemption(Duration.ofSeconds(5), 2));
        Permit be = s.tryAcquire(BE);
        AtomicInteger aborted = new AtomicInteger();
        assertTrue(be.offerPreemption(aborted::incrementAndGet));
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(4));
        assertFalse(rt.isDone());
        assertEquals(0, aborted.get());
        clock.advance(Duration.ofSeconds(1));
        granted(rt);
        assertEquals(1, aborted.get());
        assertTrue(be.isPreempted());
        check(s, 1, 0, "after the grace");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void blockingAcquireWaitsForARelease(String kind) throws Exception {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return s.acquire(RT, null);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        long end = System.nanoTime() + 30_000_000_000L;
        while (s.snapshot().queued(RT) == 0) {
            assertTrue(System.nanoTime() < end, "the blocking call never queued");
            Thread.onSpinWait();
        }
        running.release();
        assertEquals(Priority.RT, waiting.get(30, java.util.concurrent.TimeUnit.SECONDS).priority());
    }

    // ---------------------------------------------------------------------------------------------
    // The preemption policy, rule by rule on both ledgers: the budget of thrown-away
    // slot time, the last slot only for a call that can be taken back, reservation under high RT load, and
    // aging that counts only the time a batch call is passed over by RT.

    /** N slots, R = 0, no promotion, preemption at once, a budget of {@code share} over 100 s. */
    private SlotLedger budgeted(String kind, int n, double share) {
        return ledger(kind, SchedulerPolicy.builder(n).rtReservedSlots(0).promotionAfter(null)
                .preemption(Duration.ZERO, 4).preemptionBudget(share, Duration.ofSeconds(100)));
    }

    /** A BE call that runs as a stream (continued if preempted): offered, first token after {@code prefill}. */
    private Permit streamedBe(SlotLedger s, Duration prefill) {
        Permit p = granted(s.acquireAsync(BE, null));
        p.reportProgress(0);
        assertTrue(p.offerPreemption(() -> { }));
        clock.advance(prefill);
        p.reportProgress(1);
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void aContinuedVictimCostsItsPrefillAndPreemptionWaitsWhileTheBudgetIsSpent(String kind) {
        // Budget: 0.01 x 2 slots x 100 s = 2 s of slot time, refilling at 0.02 s per second.
        SlotLedger s = budgeted(kind, 2, 0.01);
        Permit a = streamedBe(s, Duration.ofMillis(1500));
        Permit b = streamedBe(s, Duration.ofMillis(1500));
        clock.advance(Duration.ofSeconds(60)); // both generate for a minute: their kept output is no loss
        Permit rt1 = granted(s.acquireAsync(RT, null));
        assertTrue(b.isPreempted() && !a.isPreempted(), "1.5 s of prefill fits the 2 s budget; the youngest goes");

        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        assertFalse(rt2.isDone(), "0.5 s left: the next 1.5 s prefill does not fit");
        assertFalse(a.isPreempted());
        clock.advance(Duration.ofSeconds(49)); // 0.5 + 49 x 0.02 = 1.48 s
        assertFalse(rt2.isDone());
        assertFalse(a.isPreempted());
        clock.advance(Duration.ofSeconds(2)); // the budget covers it at 50 s: a timer preempts at that moment
        assertTrue(a.isPreempted());
        long waited = granted(rt2).grantedNanos() - rt1.grantedNanos();
        assertTrue(waited >= Duration.ofSeconds(50).toNanos() && waited <= Duration.ofMillis(50_001).toNanos(),
                "preempted as soon as the budget covered it, waited " + waited);
        assertEquals(2, s.snapshot().preemptions());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void aRestartedVictimCostsAllOfItsTimeSoAnOldOneIsSpared(String kind) {
        SlotLedger s = budgeted(kind, 2, 0.05); // 10 s of budget
        Permit young = granted(s.acquireAsync(BE, null)); // progress unknown: restarts from zero
        assertTrue(young.offerPreemption(() -> { }));
        clock.advance(Duration.ofSeconds(30));
        assertNotNull(granted(s.acquireAsync(RT, null)), "a slot is free: BE never took the last one in a call that restarts");
        assertFalse(young.isPreempted());
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        assertFalse(rt2.isDone(), "30 s of work to throw away: more than the 10 s budget");
        assertFalse(young.isPreempted());
        young.release();
        granted(rt2);
        assertEquals(0, s.snapshot().preemptions());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void batchWorkTakesTheLastSlotOnlyInACallThatCanBeTakenBack(String kind) {
        SlotLedger s = budgeted(kind, 2, 0.02); // 4 s of budget
        Permit first = granted(s.acquireAsync(BE, null)); // not offered yet: RT could not take it back
        CompletableFuture<Permit> second = s.acquireAsync(BE, null);
        assertFalse(second.isDone(), "the last slot stays free while the running batch call is not preemptible");
        assertTrue(first.offerPreemption(() -> { }));
        assertFalse(second.isDone(), "offered, but it would start again from zero: its loss grows as it runs");
        first.reportProgress(0);
        clock.advance(Duration.ofSeconds(1));
        first.reportProgress(1); // streamed and continued: a preemption costs its 1 s prefill, within the budget
        Permit last = granted(second);
        assertFalse(last.isPreempted());

        CompletableFuture<Permit> third = s.acquireAsync(BE, null);
        assertFalse(third.isDone());
        assertNotNull(granted(s.acquireAsync(RT, null)));
        assertTrue(first.isPreempted(), "RT found its slot without waiting for a batch call to end");
        assertFalse(third.isDone());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void theLastSlotStaysFreeWhileTheRunningCallCostsMoreThanTheBudget(String kind) {
        SlotLedger s = budgeted(kind, 2, 0.02); // 4 s of budget, the most it ever holds
        Permit slow = streamedBe(s, Duration.ofSeconds(5)); // a 5 s prefill: never covered
        CompletableFuture<Permit> second = s.acquireAsync(BE, null);
        clock.advance(Duration.ofMinutes(5));
        assertFalse(second.isDone(), "RT could not take the running call back: the last slot stays RT's");
        assertNotNull(granted(s.acquireAsync(RT, null)));
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        assertFalse(rt2.isDone());
        assertFalse(slow.isPreempted(), "5 s of prefill to throw away: more than the budget holds");
        slow.release();
        granted(rt2);
        assertFalse(second.isDone());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void underHighRtLoadThePoolWorksAsWithOneReservedSlot(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(2).rtReservedSlots(0).promotionAfter(null)
                .preemption(Duration.ZERO, 4).preemptionBudget(0.02, Duration.ofSeconds(600)).reserveAboveRtLoad(0.3));
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

        // Quiet for ten minutes: the load falls and RT may take the last batch slot again.
        be.release();
        Permit continued = granted(be2);
        continued.reportProgress(0);
        assertTrue(continued.offerPreemption(() -> { }));
        continued.reportProgress(1); // its first token: a preemption would cost no more than this
        CompletableFuture<Permit> be3 = s.acquireAsync(BE, null);
        assertFalse(be3.isDone());
        clock.advance(Duration.ofMinutes(10));
        assertNotNull(granted(s.acquireAsync(RT, null))); // the free slot
        assertNotNull(granted(s.acquireAsync(RT, null)), "the load is low again: RT takes the last batch slot");
        assertTrue(continued.isPreempted());
        assertFalse(be3.isDone());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void budgetOffPreemptsWithoutBoundAndLetsBatchWorkTakeEverySlot(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(2).rtReservedSlots(0).promotionAfter(null)
                .preemption(Duration.ZERO, 4));
        Permit first = granted(s.acquireAsync(BE, null)); // never offered
        Permit second = granted(s.acquireAsync(BE, null));
        assertTrue(second.offerPreemption(() -> { })); // restarts: an hour of work to throw away
        clock.advance(Duration.ofHours(1));
        assertNotNull(granted(s.acquireAsync(RT, null)));
        assertTrue(second.isPreempted());
        assertFalse(first.isPreempted());
    }

    private SlotLedger passedOver(String kind, int n, int r, Duration promotion) {
        return ledger(kind, SchedulerPolicy.builder(n).rtReservedSlots(r).promotionAfter(promotion).agingPassedOver(true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void timeBehindOtherBatchCallsDoesNotAge(String kind) {
        SlotLedger s = passedOver(kind, 1, 0, Duration.ofSeconds(10));
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> waiting = s.acquireAsync(BE, null);
        clock.advance(Duration.ofMinutes(5)); // behind a batch call: no RT passed it over
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        running.release();
        assertNotNull(granted(rt));
        assertFalse(waiting.isDone(), "the batch waiter is not promoted: RT keeps its place");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void timePassedOverByRtAgesAndPromotes(String kind) {
        SlotLedger s = passedOver(kind, 1, 0, Duration.ofSeconds(10));
        Permit rt = s.tryAcquire(RT);
        CompletableFuture<Permit> waiting = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(10)); // 10 s with RT holding the slot it could have used
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        rt.release();
        assertTrue(granted(waiting).promoted(), "the promoted batch call beats RT for the slot");
        assertFalse(rt2.isDone());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void rtInTheReservedSlotsPassesNobodyOver(String kind) {
        SlotLedger s = passedOver(kind, 2, 1, Duration.ofSeconds(10));
        Permit be = s.tryAcquire(BE);
        Permit rt = s.tryAcquire(RT); // in the reserved slot: no batch call could have used it
        CompletableFuture<Permit> waiting = s.acquireAsync(BE, null);
        clock.advance(Duration.ofMinutes(1));
        assertNotNull(rt);
        be.release();
        assertFalse(granted(waiting).promoted());
    }

    /**
     * A preempted call keeps what it had aged, and ages on only while passed over: not while it ran, not by its
     * whole wait (the fleet ledger gets its aging mark back with its grant and sends it with its second request).
     */
    @ParameterizedTest
    @ValueSource(strings = {"local", "redis"})
    void aPreemptedCallKeepsWhatItAgedAndAgesOnlyWhilePassedOver(String kind) {
        SlotLedger s = ledger(kind, SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(10))
                .agingPassedOver(true).preemption(Duration.ZERO, 4));
        Permit rt0 = s.tryAcquire(RT);
        CompletableFuture<Permit> a = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(2)); // passed over for 2 s
        rt0.release();
        Permit first = granted(a);
        assertFalse(first.promoted());
        assertTrue(first.offerPreemption(() -> { }));
        clock.advance(Duration.ofSeconds(20)); // runs alone: nobody is passed over
        Permit r1 = granted(s.acquireAsync(RT, null));
        assertTrue(first.isPreempted());
        CompletableFuture<Permit> again = s.reacquireAsync(first, null);
        clock.advance(Duration.ofSeconds(5)); // 2 + 5 = 7 s passed over
        CompletableFuture<Permit> r2 = s.acquireAsync(RT, null);
        r1.release();
        Permit r2Got = granted(r2);
        assertFalse(again.isDone(), "7 s of the 10 s: RT still goes first");
        clock.advance(Duration.ofSeconds(3)); // 10 s passed over
        CompletableFuture<Permit> r3 = s.acquireAsync(RT, null);
        r2Got.release();
        Permit second = granted(again);
        assertTrue(second.promoted(), "promoted after 10 s passed over, counted across the preemption");
        assertEquals(first.arrivalNanos(), second.arrivalNanos());
        assertFalse(r3.isDone());
    }
}
