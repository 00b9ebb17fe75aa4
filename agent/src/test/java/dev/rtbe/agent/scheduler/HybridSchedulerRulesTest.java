package dev.rtbe.agent.scheduler;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each rule of the scheduling semantics (DESIGN.md) as its own test, on a virtual clock. */
class HybridSchedulerRulesTest {
    private final VirtualClock clock = new VirtualClock();

    private HybridScheduler scheduler(SchedulerPolicy.Builder policy) {
        return new HybridScheduler(policy.build(), clock);
    }

    private static Permit granted(CompletableFuture<Permit> f) {
        assertTrue(f.isDone() && !f.isCompletedExceptionally(), "expected a granted slot: " + f);
        return f.join();
    }

    @Test
    void rtNeverWaitsWhileRtInFlightIsBelowReserved() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(4).rtReservedSlots(2));
        // BE fills everything it may take: N - R = 2.
        assertNotNull(s.tryAcquire(BE));
        assertNotNull(s.tryAcquire(BE));
        CompletableFuture<Permit> queuedBe = s.acquireAsync(BE, null);
        assertFalse(queuedBe.isDone());
        // The R reserved slots are open to RT at once.
        assertNotNull(s.tryAcquire(RT));
        assertNotNull(s.tryAcquire(RT));
        assertFalse(queuedBe.isDone(), "BE must not take a reserved slot");
    }

    @Test
    void beNeverTakesAReservedSlot() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(3).rtReservedSlots(1));
        assertNotNull(s.tryAcquire(BE));
        assertNotNull(s.tryAcquire(BE));
        assertNull(s.tryAcquire(BE), "the third slot is reserved for RT");
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        assertFalse(be.isDone());
        Invariants.check(s, 0, 2, "after BE fan-out");
    }

    @Test
    void rtMayUseEveryFreeSlotAndBeUsesWhatRtDoesNotNeed() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(3).rtReservedSlots(1));
        Permit rt1 = s.tryAcquire(RT);
        Permit rt2 = s.tryAcquire(RT);
        Permit rt3 = s.tryAcquire(RT);
        assertNotNull(rt1);
        assertNotNull(rt2);
        assertNotNull(rt3, "RT is not limited to the reserved slots");
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        rt3.release();
        // rtInFlight = 2 >= R, so the freed slot is not needed as a reserve.
        granted(be);
        Invariants.check(s, 2, 1, "after RT released");
    }

    @Test
    void aFreedReservedSlotIsNotHandedToBe() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(1));
        Permit be = s.tryAcquire(BE);
        Permit rt = s.tryAcquire(RT);
        CompletableFuture<Permit> waitingBe = s.acquireAsync(BE, null);
        rt.release();
        assertFalse(waitingBe.isDone(), "the reserved slot stays open for the next RT call");
        assertNotNull(s.tryAcquire(RT), "an RT arrival finds the reserved slot free");
        be.release();
        assertTrue(waitingBe.isDone(), "the unreserved slot goes to the BE waiter");
        Invariants.check(s, 1, 1, "after the BE slot was passed on");
    }

    @Test
    void rtFifoServesTheOldestWaiterFirst() {
        assertRtOrder(RtOrder.FIFO, new int[] {0, 1, 2});
    }

    @Test
    void rtLifoServesTheNewestWaiterFirst() {
        assertRtOrder(RtOrder.LIFO, new int[] {2, 1, 0});
    }

    private void assertRtOrder(RtOrder order, int[] expected) {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).rtOrder(order));
        Permit running = s.tryAcquire(RT);
        List<CompletableFuture<Permit>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(s.acquireAsync(RT, null));
            clock.advance(Duration.ofMillis(10));
        }
        Permit current = running;
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

    @Test
    void beIsServedFifo() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> a = s.acquireAsync(BE, null);
        CompletableFuture<Permit> b = s.acquireAsync(BE, null);
        running.release();
        assertTrue(a.isDone());
        assertFalse(b.isDone());
    }

    @Test
    void rtOvertakesQueuedBe() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        running.release();
        granted(rt);
        assertFalse(be.isDone());
    }

    @Test
    void promotionInFifoModeBeatsWaitingRt() {
        assertPromotedBeBeatsRt(RtOrder.FIFO);
    }

    @Test
    void promotionInLifoModeBeatsWaitingRt() {
        // The seed lost promoted waiters behind every LIFO RT waiter (seed-scheduler.md 7.2).
        assertPromotedBeBeatsRt(RtOrder.LIFO);
    }

    private void assertPromotedBeBeatsRt(RtOrder order) {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).rtOrder(order)
                .promotionAfter(Duration.ofSeconds(120)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(119));
        List<CompletableFuture<Permit>> rts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rts.add(s.acquireAsync(RT, null));
        }
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, s.snapshot().promotedWaiting());
        running.release();
        Permit p = granted(be);
        assertTrue(p.promoted());
        assertEquals(Duration.ofSeconds(120).toNanos(), p.queueWaitNanos());
        assertTrue(rts.stream().noneMatch(CompletableFuture::isDone));
        assertEquals(1, s.snapshot().promotions());
    }

    @Test
    void beforePromotionRtStillGoesFirst() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(120)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(119));
        running.release();
        granted(rt);
        assertFalse(be.isDone());
    }

    @Test
    void promotionNeverTakesTheReservedSlots() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(1)
                .promotionAfter(Duration.ofSeconds(10)));
        Permit be = s.tryAcquire(BE);
        CompletableFuture<Permit> waitingBe = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(60));
        assertEquals(1, s.snapshot().promotedWaiting());
        Permit rt = s.tryAcquire(RT);
        assertNotNull(rt, "the reserved slot is RT's even with a promoted BE waiting");
        rt.release();
        assertFalse(waitingBe.isDone(), "a promoted BE waiter still may not take the reserved slot");
        be.release();
        assertTrue(granted(waitingBe).promoted());
    }

    /**
     * Bound (DESIGN.md): with N - R >= 1, a BE wait <= promotion time + the longest hold ahead. With passed-over
     * aging it holds for the time RT passes the waiter over (here all of its wait: RT holds both slots).
     */
    @ParameterizedTest(name = "passed-over aging {0}")
    @ValueSource(booleans = {false, true})
    void beWaitIsBoundedByPromotionPlusOneHoldUnderContinuousRtLoad(boolean passedOver) {
        Duration promotion = Duration.ofSeconds(30);
        Duration hold = Duration.ofSeconds(7);
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(1).promotionAfter(promotion)
                .agingPassedOver(passedOver));
        // RT keeps both slots busy and always has more callers waiting.
        List<Permit> running = new ArrayList<>(List.of(s.tryAcquire(RT), s.tryAcquire(RT)));
        List<CompletableFuture<Permit>> rtWaiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rtWaiting.add(s.acquireAsync(RT, null));
        }
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        long waited = 0;
        int step = 0;
        while (!be.isDone()) {
            clock.advance(hold.dividedBy(2));
            waited += hold.dividedBy(2).toNanos();
            Permit finished = running.remove(0);
            finished.release();
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
        assertTrue(be.join().queueWaitNanos() <= promotion.plus(hold).toNanos(),
                "waited " + be.join().queueWaitNanos());
        assertTrue(waited >= promotion.toNanos());
    }

    @Test
    void aBatchFanOutNeverRejectsAnRtCall() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).maxQueueLength(BE, 5).maxQueueLength(RT, 5));
        Permit be = s.tryAcquire(BE);
        Permit rt = s.tryAcquire(RT);
        for (int i = 0; i < 5; i++) {
            s.acquireAsync(BE, null);
        }
        CompletableFuture<Permit> rejected = s.acquireAsync(BE, null);
        CompletionException e = assertThrows(CompletionException.class, rejected::join);
        assertInstanceOf(QueueFullException.class, e.getCause());
        CompletableFuture<Permit> rtCall = s.acquireAsync(RT, null);
        assertFalse(rtCall.isCompletedExceptionally(), "RT has its own queue limit");
        rt.release();
        granted(rtCall);
        assertEquals(0, s.snapshot().rejected(RT));
        assertEquals(1, s.snapshot().rejectedQueueFull(BE));
        assertNotNull(be);
    }

    @Test
    void queueFullMessageNamesLimitClassAndNumbers() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).maxQueueLength(RT, 2));
        s.tryAcquire(RT);
        s.acquireAsync(RT, null);
        s.acquireAsync(RT, null);
        QueueFullException e = assertThrows(QueueFullException.class, () -> s.acquire(RT, null));
        assertEquals("rtbe: RT queue is full: 2 calls waiting, limit rtbe.queue.rt.max-length=2", e.getMessage());
        assertEquals("queue_full", e.reason());
    }

    @Test
    void maxWaitPerClassEndsTheWaitWithAClearMessage() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).maxWait(BE, Duration.ofSeconds(30)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(29));
        assertFalse(be.isDone());
        clock.advance(Duration.ofSeconds(1));
        CompletionException e = assertThrows(CompletionException.class, be::join);
        QueueTimeoutException t = assertInstanceOf(QueueTimeoutException.class, e.getCause());
        assertEquals("rtbe: BE call waited 30.000s in the queue without a slot, limit rtbe.queue.be.max-wait=30.000s",
                t.getMessage());
        assertFalse(t.isCallTimeout());
        assertFalse(rt.isDone(), "RT has no max-wait here");
        assertEquals(1, s.snapshot().rejectedMaxWait(BE));
        Invariants.check(s, 1, 0, "after the BE wait expired");
        running.release();
        granted(rt);
    }

    @Test
    void theCallsOwnTimeoutAlsoBoundsTheWait() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).maxWait(RT, Duration.ofSeconds(30)));
        s.tryAcquire(RT);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, Duration.ofSeconds(5));
        clock.advance(Duration.ofSeconds(5));
        QueueTimeoutException t = assertInstanceOf(QueueTimeoutException.class,
                assertThrows(CompletionException.class, rt::join).getCause());
        assertTrue(t.isCallTimeout());
        assertEquals("timeout", t.reason());
        assertEquals(1, s.snapshot().rejectedCallTimeout(RT));
    }

    @Test
    void aGrantedWaiterCancelsItsDeadline() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).maxWait(RT, Duration.ofSeconds(30)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        assertEquals(1, clock.pendingTasks());
        running.release();
        assertEquals(0, clock.pendingTasks());
        clock.advance(Duration.ofMinutes(5));
        assertFalse(granted(rt).isReleased());
    }

    @Test
    void aCancelledWaiterLeavesAndTheSlotGoesToTheNext() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> first = s.acquireAsync(RT, null);
        CompletableFuture<Permit> second = s.acquireAsync(RT, null);
        first.cancel(false);
        running.release();
        granted(second);
        Invariants.check(s, 1, 0, "after passing on");
        assertEquals(1, s.snapshot().cancelled(RT));
    }

    @Test
    void aGrantToAWaiterThatWasJustCancelledPassesOn() {
        // Drive the race deterministically: the waiter is granted (state GRANTED under the lock)
        // but its future is already cancelled when delivery happens.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(RT);
        Waiter first = (Waiter) s.acquireAsync(RT, null);
        CompletableFuture<Permit> second = s.acquireAsync(RT, null);
        // Cancel the future without the queue noticing, as if the cancel lost the race for the lock.
        first.failFromLedger(new java.util.concurrent.CancellationException("race"));
        running.release(); // grants `first` under the lock; delivery fails; the slot passes on
        granted(second);
        Invariants.check(s, 1, 0, "after the lost hand-off");
    }

    @Test
    void interruptWhileQueuedLeavesTheQueueAndKeepsTheSlotAccountingExact() throws Exception {
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(1).build(), SchedulerClock.system());
        Permit running = s.tryAcquire(RT);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> s.acquire(RT, null));
        assertFalse(Thread.interrupted(), "InterruptedException clears the status, as the JDK does");
        assertEquals(0, s.snapshot().queued(RT));
        running.release();
        assertEquals(0, s.snapshot().inFlight());
    }

    @Test
    void blockingAcquireWaitsForARelease() throws Exception {
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(1).build(), SchedulerClock.system());
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return s.acquire(RT, null);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        while (s.snapshot().queued(RT) == 0) {
            Thread.onSpinWait();
        }
        running.release();
        assertEquals(RT, waiting.get(30, java.util.concurrent.TimeUnit.SECONDS).priority());
    }

    @Test
    void releaseIsIdempotent() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> a = s.acquireAsync(RT, null);
        CompletableFuture<Permit> b = s.acquireAsync(RT, null);
        assertTrue(running.release());
        assertFalse(running.release());
        assertTrue(a.isDone());
        assertFalse(b.isDone(), "a double release must not admit a second waiter");
        Invariants.check(s, 1, 0, "after double release");
    }

    @Test
    void oneSlotMeansNothingIsReserved() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        assertEquals(0, s.policy().rtReservedSlots());
        Permit be = s.tryAcquire(BE);
        assertNotNull(be, "with N = 1, BE may use the only slot");
        assertNull(s.tryAcquire(RT));
    }

    @Test
    void defaultReservationIsOneSlotWhenThereAreTwoOrMore() {
        assertEquals(1, SchedulerPolicy.builder(2).build().rtReservedSlots());
        assertEquals(1, SchedulerPolicy.builder(8).build().rtReservedSlots());
        assertThrows(IllegalArgumentException.class, () -> SchedulerPolicy.builder(2).rtReservedSlots(2).build());
    }

    @Test
    void queuePositionAndWaitArePerCall() {
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
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
        assertEquals(0, running.queuePosition());
        assertEquals(0, p1.queuePosition());
        assertEquals(1, p2.queuePosition());
        assertEquals(Duration.ofSeconds(5).toNanos(), p1.queueWaitNanos());
        assertEquals(Duration.ofSeconds(7).toNanos(), p2.queueWaitNanos());
    }
}
