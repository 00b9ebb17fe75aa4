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

import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every permit-accounting bug and design weakness of the seed's Python scheduler
 * ({@code shared/reference/seed-scheduler.md} sections 6 and 7) that applies to our design, each
 * replayed as the exact situation the seed describes, on a virtual clock, asserting what we do
 * instead. The races (PM-014, PM-015, 7.7) are replayed with real threads held at a precise point
 * inside the scheduler by a {@link GatedClock}, so they are deterministic, not probabilistic.
 *
 * <p>Not applicable here, and why:
 * <ul>
 *   <li>6.5 / ADR-000243 (streaming generators that are never closed leak permits) and 7.10 (leak
 *       detection never runs): releasing at end of body, close, error, GC and max-hold belongs to
 *       the {@code call} package; the scheduler's part, "any number of end paths may release, exactly
 *       one counts", is {@link #adr243_everyEndOfACallMayRelease_exactlyOneCounts}.</li>
 *   <li>6.6 (preemption cannot interrupt an in-flight request), 7.3 (dead
 *       {@code preemption_wait_threshold}), 7.11 (victim choice, re-signalling, registration window,
 *       total_slots=1 thrash): not replayed here, because our preemption is a different design, not
 *       a port of the seed's. It is transparent: a running BE call whose holder offered it is
 *       aborted by its adapter and sent again; the grace is a clock task per RT waiter, so it is never
 *       dead; the victim is the youngest offered call and its slot goes to the RT call in the same
 *       step; an offer made after the grace preempts at once; and a call preempted
 *       {@code maxPreemptionsPerCall} times is immune, which bounds the thrash even with one slot.
 *       These rules are tested in {@link PreemptionTest} and {@link PreemptionRandomizedTest}.</li>
 *   <li>7.5 legacy release without slot_id (pool inferred from the caller flag), unknown slot ids:
 *       we have no such API. A slot can only be released through the {@link Permit} object the
 *       scheduler made, and it knows its class; its constructor is package-private.</li>
 *   <li>3.7 / 7.13 guaranteed-BE-bandwidth counter (persists across idle periods, counts only RT
 *       releases, blind to promoted waiters): we have no such counter; starvation is bounded by
 *       promotion alone (DESIGN.md bound), see {@link #w7_13_beWaitBoundedByPromotionPlusOneHold_lifo}.</li>
 *   <li>3.6 aging sweep throttle: we have no sweep; promotion is evaluated at every decision,
 *       see {@link #w7_13_promotionWithoutReleases_happensOnTime}.</li>
 *   <li>7.12 "correctness relies on a single-threaded event loop": the whole class is about the
 *       multi-threaded port; the random interleavings are in {@link SchedulerStressTest}.</li>
 *   <li>4 (gateway mapping of QueueFullError to HTTP 429/500): the HTTP side is the adapters'; the
 *       scheduler part is that rejections are {@link IOException}s, see
 *       {@link #adr952_rejectionsAreIOExceptionsNamingLimitClassAndNumbers}.</li>
 * </ul>
 */
class SeedRegressionTest {
    private final VirtualClock clock = new VirtualClock();

    private HybridScheduler scheduler(SchedulerPolicy.Builder policy) {
        return new HybridScheduler(policy.build(), clock);
    }

    private static Permit granted(CompletableFuture<Permit> f) {
        assertTrue(f.isDone() && !f.isCompletedExceptionally(), "expected a granted slot: " + f);
        return f.join();
    }

    /** Records the order in which futures are granted (continuations run on the releasing thread). */
    private static CompletableFuture<Permit> track(CompletableFuture<Permit> f, String name, List<String> order) {
        f.thenAccept(p -> order.add(name));
        return f;
    }

    /** The server is idle and whole: N RT calls start at once, no more; N - R BE calls, no more. */
    private static void assertIdleAndWhole(HybridScheduler s) {
        SchedulerSnapshot snap = s.snapshot();
        assertEquals(0, snap.inFlight(), () -> "idle: " + snap);
        assertEquals(snap.totalSlots(), snap.freeSlots(), () -> "no slot lost and none invented: " + snap);
        int n = snap.totalSlots();
        int r = snap.rtReservedSlots();
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Permit p = s.tryAcquire(RT);
            assertNotNull(p, "RT #" + (i + 1) + " of " + n + " must start at once on an idle server");
            held.add(p);
        }
        assertNull(s.tryAcquire(RT), "only N slots exist");
        held.forEach(Permit::release);
        for (int i = 0; i < n - r; i++) {
            Permit p = s.tryAcquire(BE);
            assertNotNull(p, "BE #" + (i + 1) + " of " + (n - r));
            held.add(p);
        }
        assertNull(s.tryAcquire(BE), "BE never gets the reserved slots");
        held.forEach(Permit::release);
        assertEquals(0, s.snapshot().inFlight());
    }

    private static void assertGrantedEqualsReleasedPlusHeld(HybridScheduler s) {
        SchedulerSnapshot snap = s.snapshot();
        for (Priority p : Priority.values()) {
            assertEquals(snap.granted(p), snap.released(p) + snap.inFlight(p), () -> p + ": " + snap);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Section 6: bugs found and fixed in the seed

    @Test
    void pm012_preemptionChainMovedRtPermitIntoBePool_rtStillStartsOnIdleServer() {
        // 6.1 / PM-2026-012: hand-offs across classes moved the RT permit into the BE pool; the clamp destroyed it.
        // Deployed config N=1 (seed: rt_reserved=1, be_slots=0; ours: R=0). The slot goes RT -> BE -> RT -> BE.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        Permit rt = s.tryAcquire(RT);
        CompletableFuture<Permit> be1 = s.acquireAsync(BE, null);
        rt.release(); // RT's slot goes to the BE waiter
        Permit be1p = granted(be1);
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        be1p.release(); // the BE holder is "preempted": its slot goes to the waiting RT
        Permit rt2p = granted(rt2);
        CompletableFuture<Permit> be2 = s.acquireAsync(BE, null);
        rt2p.release();
        granted(be2).release(); // released by a BE caller with no one waiting: the seed's clamp ate it here
        assertIdleAndWhole(s);
        assertGrantedEqualsReleasedPlusHeld(s);
    }

    @Test
    void pm012_preemptionChainWithReservation_rtStillStartsOnIdleServer() {
        // 6.1 / PM-2026-012 with N=2 R=1: slots handed back and forth between classes must never change capacity.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(1));
        Permit rt = s.tryAcquire(RT);
        Permit be = s.tryAcquire(BE);
        CompletableFuture<Permit> beW = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rtW = s.acquireAsync(RT, null);
        be.release(); // BE's slot goes to the waiting RT (RT first)
        Permit rtW1 = granted(rtW);
        assertFalse(beW.isDone());
        rt.release(); // rtInFlight 1 = R: the freed slot is not needed as reserve, BE may take it
        Permit beW1 = granted(beW);
        Invariants.check(s, 1, 1, "after the chain");
        rtW1.release();
        beW1.release();
        assertIdleAndWhole(s);
        assertGrantedEqualsReleasedPlusHeld(s);
    }

    @Test
    @Timeout(30)
    void pm014_deferredHandOffRacingCancellation_losesNoSlot() throws Exception {
        // 6.2 / PM-2026-014: a hand-off scheduled for later raced the waiter's cancellation and the permit vanished.
        // Here: the releasing thread is held inside the scheduler's lock, before it picks a waiter; meanwhile
        // the first waiter is cancelled from another thread (its cancel is then blocked on the lock).
        GatedClock gated = new GatedClock(clock);
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(1).build(), gated);
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> first = s.acquireAsync(RT, null);
        CompletableFuture<Permit> second = s.acquireAsync(RT, null);

        gated.armNanoTime(); // the next nanoTime() call is the one in onRelease, under the lock
        Thread releaser = start(running::release);
        gated.awaitEntered();
        AtomicReference<Boolean> cancelled = new AtomicReference<>();
        Thread canceller = start(() -> cancelled.set(first.cancel(false)));
        while (!first.isCancelled()) {
            Thread.onSpinWait(); // the future is cancelled; its leaving the queue waits for the lock
        }
        gated.open();
        join(releaser, canceller);

        assertTrue(cancelled.get());
        Permit p = granted(second);
        Invariants.check(s, 1, 0, "after the race");
        assertGrantedEqualsReleasedPlusHeld(s);
        p.release();
        assertIdleAndWhole(s);
    }

    @Test
    @Timeout(30)
    void pm015_grantToWaiterCancelledBeforeRecording_passesOn() throws Exception {
        // 6.3 / PM-2026-015: the hand-off succeeded, then the waiter was cancelled before it recorded the permit.
        // Here: the releasing thread has already chosen the first waiter (it is cancelling its deadline,
        // under the lock) when the waiter is cancelled; the slot must pass to the second waiter.
        GatedClock gated = new GatedClock(clock);
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(1).build(), gated);
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> first = s.acquireAsync(RT, Duration.ofHours(1)); // has a deadline task
        CompletableFuture<Permit> second = s.acquireAsync(RT, null);

        gated.armDeadlineCancel();
        Thread releaser = start(running::release);
        gated.awaitEntered();
        AtomicReference<Boolean> cancelled = new AtomicReference<>();
        Thread canceller = start(() -> cancelled.set(first.cancel(false)));
        while (!first.isCancelled()) {
            Thread.onSpinWait();
        }
        gated.open();
        join(releaser, canceller);

        assertTrue(cancelled.get(), "the caller sees its cancel succeed, so it must not own a slot");
        Permit p = granted(second);
        Invariants.check(s, 1, 0, "after the lost hand-off");
        assertGrantedEqualsReleasedPlusHeld(s);
        p.release();
        assertIdleAndWhole(s);
        assertEquals(0, gated.pendingTasks(), "no deadline task outlives its waiter");
    }

    @Test
    @Timeout(30)
    void pm015_interruptedBlockingAcquireAfterGrant_slotPassesOn() throws Exception {
        // 6.3 / PM-2026-015, blocking flavour: the thread is interrupted after its waiter was chosen, before it
        // sees the permit. It must get InterruptedException and the slot must pass on.
        GatedClock gated = new GatedClock(clock);
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(1).build(), gated);
        ReentrantLock lock = lockOf(s);
        Permit running = s.tryAcquire(RT);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread blocked = start(() -> {
            try {
                outcome.set(s.acquire(RT, Duration.ofHours(1)));
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        while (s.snapshot().queued(RT) == 0) {
            Thread.onSpinWait();
        }
        CompletableFuture<Permit> second = s.acquireAsync(RT, null);

        gated.armDeadlineCancel();
        Thread releaser = start(running::release);
        gated.awaitEntered();
        blocked.interrupt();
        while (!lock.hasQueuedThread(blocked)) {
            Thread.onSpinWait(); // it caught the interrupt, cancelled its future and now waits for the lock
        }
        gated.open();
        join(releaser, blocked);

        assertInstanceOf(InterruptedException.class, outcome.get());
        Permit p = granted(second);
        Invariants.check(s, 1, 0, "after the interrupted hand-off");
        assertGrantedEqualsReleasedPlusHeld(s);
        p.release();
        assertIdleAndWhole(s);
    }

    @Test
    void pm015_cancelAfterDelivery_failsAndCallerStillOwnsTheSlot() {
        // 6.3 / PM-2026-015, the other order: once the permit is delivered, cancel() is refused, so the
        // caller knows it owns the slot and releases it; nothing is released twice or lost.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> w = s.acquireAsync(RT, null);
        CompletableFuture<Permit> next = s.acquireAsync(RT, null);
        running.release();
        assertFalse(w.cancel(true), "a delivered permit cannot be cancelled away");
        assertFalse(next.isDone(), "the refused cancel did not pass the slot on");
        Invariants.check(s, 1, 0, "after the refused cancel");
        granted(w).release();
        granted(next).release();
        assertIdleAndWhole(s);
    }

    @Test
    void pm015_invariantCheckDuringHandOff_noFalsePositive() {
        // 6.4 / PM-2026-015: the seed's check flagged permits in transit as violations. Ours counts a slot as
        // held from the moment it is granted, so the check holds even while the caller has not seen it yet.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(1));
        Permit rt = s.tryAcquire(RT);
        Permit be = s.tryAcquire(BE);
        CompletableFuture<Permit> w = s.acquireAsync(RT, null);
        AtomicReference<SchedulerSnapshot> inTransit = new AtomicReference<>();
        CompletableFuture<Permit> observed = w.whenComplete((p, e) -> inTransit.set(s.snapshot()));
        rt.release();
        assertTrue(observed.isDone());
        SchedulerSnapshot snap = inTransit.get();
        assertEquals(2, snap.inFlight(), "a slot in transit counts as held: " + snap);
        assertEquals(0, snap.freeSlots());
        assertEquals(0, snap.queued(RT));
        granted(w).release();
        be.release();
        assertIdleAndWhole(s);
    }

    @Test
    @Timeout(30)
    void adr243_everyEndOfACallMayRelease_exactlyOneCounts() throws Exception {
        // 6.5 / ADR-000243: end of body, close, error, GC and max-hold may all release; exactly one may count.
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(1).build(), SchedulerClock.system());
        for (int round = 0; round < 200; round++) {
            Permit p = s.tryAcquire(RT);
            assertNotNull(p);
            List<CompletableFuture<Permit>> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiters.add(s.acquireAsync(RT, null));
            }
            int threads = 4;
            CyclicBarrier barrier = new CyclicBarrier(threads);
            AtomicInteger successes = new AtomicInteger();
            Thread[] ts = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                ts[i] = start(() -> {
                    await(barrier);
                    if (p.release()) {
                        successes.incrementAndGet();
                    }
                });
            }
            join(ts);
            assertEquals(1, successes.get(), "round " + round);
            assertEquals(1, waiters.stream().filter(CompletableFuture::isDone).count(),
                    "one release, one waiter admitted (round " + round + ")");
            for (CompletableFuture<Permit> w : waiters) {
                if (!w.cancel(false)) {
                    w.join().release();
                }
            }
            assertEquals(0, s.snapshot().inFlight());
        }
    }

    @Test
    void adr952_rejectionsAreIOExceptionsNamingLimitClassAndNumbers() {
        // 6.7 / ADR-000886, ADR-000952: QueueFullError surfaced as HTTP 500. Ours are IOExceptions, so each
        // client reports them as its usual I/O failure, with a message naming the limit, the class and the numbers.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).maxQueueLength(BE, 1)
                .maxWait(RT, Duration.ofSeconds(3)));
        s.tryAcquire(RT);
        s.acquireAsync(BE, null);
        CompletionException full = assertThrows(CompletionException.class, () -> s.acquireAsync(BE, null).join());
        IOException io = assertInstanceOf(IOException.class, full.getCause());
        assertEquals("rtbe: BE queue is full: 1 calls waiting, limit rtbe.queue.be.max-length=1", io.getMessage());
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(3));
        IOException timeout = assertInstanceOf(IOException.class,
                assertThrows(CompletionException.class, rt::join).getCause());
        assertEquals("rtbe: RT call waited 3.000s in the queue without a slot, limit rtbe.queue.rt.max-wait=3.000s",
                timeout.getMessage());
    }

    @Test
    void adr203_timedOutWaiterLeavesQueue_neverPromotedNorGranted() {
        // ADR-000203 (5, 2026-02-07): promotion fired after the client had already timed out, and dead entries
        // stayed in the queue. A waiter whose own timeout passed leaves at once and is never promoted or granted.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(10)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, Duration.ofSeconds(5));
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(5));
        assertTrue(be.isCompletedExceptionally());
        assertEquals(0, s.snapshot().queued(BE));
        clock.advance(Duration.ofSeconds(20));
        assertEquals(0, s.snapshot().promotions(), "a departed waiter is never promoted");
        running.release();
        granted(rt).release();
        assertIdleAndWhole(s);
        assertEquals(1, s.snapshot().rejectedCallTimeout(BE));
    }

    // ---------------------------------------------------------------------------------------------
    // Section 3: semantics details that were bugs at some point

    @Test
    void s3_3_equalArrivalTimes_stillServedInArrivalOrder() {
        // 3.3: before 2026-02-05 the heap had no tie-break, so equal-score waiters were not FIFO for >= 4 entries.
        // Ten waiters per class arrive at the same virtual instant: FIFO order (RT and BE), exact reverse for LIFO.
        for (RtOrder order : RtOrder.values()) {
            HybridScheduler s = scheduler(SchedulerPolicy.builder(1).rtOrder(order));
            Permit running = s.tryAcquire(RT);
            List<String> served = new ArrayList<>();
            List<CompletableFuture<Permit>> all = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                all.add(track(s.acquireAsync(BE, null), "be" + i, served));
            }
            for (int i = 0; i < 10; i++) {
                all.add(track(s.acquireAsync(RT, null), "rt" + i, served));
            }
            Permit current = running;
            for (int i = 0; i < 20; i++) {
                current.release();
                current = granted(all.stream().filter(f -> f.isDone() && !f.join().isReleased())
                        .findFirst().orElseThrow());
            }
            current.release();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                expected.add("rt" + (order == RtOrder.FIFO ? i : 9 - i));
            }
            for (int i = 0; i < 10; i++) {
                expected.add("be" + i);
            }
            assertEquals(expected, served, order.toString());
        }
    }

    @Test
    void s2_invalidReservationIsRejected() {
        // 2: the seed accepted a negative rt_reserved_slots, and with rt_reserved = total it had no BE pool at all.
        assertThrows(IllegalArgumentException.class, () -> SchedulerPolicy.builder(2).rtReservedSlots(-1).build());
        assertThrows(IllegalArgumentException.class, () -> SchedulerPolicy.builder(2).rtReservedSlots(2).build());
        assertThrows(IllegalArgumentException.class, () -> SchedulerPolicy.builder(0).build());
        assertEquals(0, SchedulerPolicy.builder(1).build().rtReservedSlots(), "N=1: nothing to reserve");
    }

    // ---------------------------------------------------------------------------------------------
    // Section 7: design weaknesses

    @Test
    void w7_1_agingActuallyChangesOrder() {
        // 7.1: every BE waiter aged alike and RT was always drained first, so aging never changed any order.
        // Ours: before promotion RT goes first; after it the older BE beats the RT still waiting. The order
        // served (rt1, be1, rt2) is neither class priority (rt1, rt2, be1) nor plain FIFO (be1, rt1, rt2).
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(60)));
        List<String> served = new ArrayList<>();
        Permit running = s.tryAcquire(BE);
        CompletableFuture<Permit> be1 = track(s.acquireAsync(BE, null), "be1", served);
        clock.advance(Duration.ofSeconds(1));
        CompletableFuture<Permit> rt1 = track(s.acquireAsync(RT, null), "rt1", served);
        clock.advance(Duration.ofSeconds(1));
        CompletableFuture<Permit> rt2 = track(s.acquireAsync(RT, null), "rt2", served);
        clock.advance(Duration.ofSeconds(8)); // t = 10 s: be1 has not been promoted
        running.release();
        clock.advance(Duration.ofSeconds(50)); // t = 60 s: be1 promoted
        granted(rt1).release();
        assertTrue(granted(be1).promoted());
        be1.join().release();
        granted(rt2).release();
        assertEquals(List.of("rt1", "be1", "rt2"), served);
    }

    @Test
    void w7_2_lifoModeBreaksPromotion() {
        // 7.2: in LIFO mode the promoted BE sorted behind every RT waiter (probe: served 13th of 13).
        // Same situation: 1 slot, LIFO, a BE and then 12 RT callers waiting, one release every 20 s,
        // promotion at 120 s. The BE must be served at the first release once it is promoted: 6th.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).rtOrder(RtOrder.LIFO)
                .promotionAfter(Duration.ofSeconds(120)));
        List<String> served = new ArrayList<>();
        Permit current = s.tryAcquire(RT);
        List<CompletableFuture<Permit>> all = new ArrayList<>();
        all.add(track(s.acquireAsync(BE, null), "be", served));
        for (int i = 1; i <= 12; i++) {
            clock.advance(Duration.ofSeconds(1));
            all.add(track(s.acquireAsync(RT, null), "rt" + i, served));
        }
        clock.advance(Duration.ofSeconds(8)); // t = 20 s
        for (int i = 0; i < 13; i++) {
            current.release();
            current = granted(all.stream().filter(f -> f.isDone() && !f.join().isReleased()).findFirst().orElseThrow());
            clock.advance(Duration.ofSeconds(20));
        }
        current.release();
        assertEquals(List.of("rt12", "rt11", "rt10", "rt9", "rt8", "be", "rt7", "rt6", "rt5", "rt4", "rt3",
                "rt2", "rt1"), served);
        Permit be = all.get(0).join();
        assertTrue(be.promoted());
        assertEquals(Duration.ofSeconds(120).toNanos(), be.queueWaitNanos());
    }

    @Test
    void w7_2_lifoOldestRtWaiterIsBoundedByRtMaxWait() {
        // 7.2: in LIFO mode nothing protected old RT waiters. Ours: the RT max-wait ends the oldest wait on time.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).rtOrder(RtOrder.LIFO)
                .maxWait(RT, Duration.ofSeconds(30)));
        Permit current = s.tryAcquire(RT);
        CompletableFuture<Permit> oldest = s.acquireAsync(RT, null);
        for (int t = 1; t < 30; t++) { // a new RT caller every second, each served newest-first
            clock.advance(Duration.ofSeconds(1));
            CompletableFuture<Permit> newest = s.acquireAsync(RT, null);
            current.release();
            current = granted(newest);
            assertFalse(oldest.isDone(), "t=" + t);
        }
        clock.advance(Duration.ofSeconds(1));
        QueueTimeoutException e = assertInstanceOf(QueueTimeoutException.class,
                assertThrows(CompletionException.class, oldest::join).getCause());
        assertFalse(e.isCallTimeout());
    }

    @Test
    void w7_4_rtQueuesWhileBeSlotIdle() {
        // 7.4 probe: N=2 R=1, RT#1 on the reserved slot, BE pool idle: the seed queued RT#2. RT may use any free slot.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(1));
        Permit rt1 = s.tryAcquire(RT);
        assertNotNull(rt1);
        CompletableFuture<Permit> rt2 = s.acquireAsync(RT, null);
        assertTrue(rt2.isDone(), "RT#2 starts on the idle slot instead of waiting");
        Invariants.check(s, 2, 0, "two RT on two slots");
    }

    @Test
    void w7_4_freedReservedSlotNotGivenToBe_nextRtStartsAtOnce() {
        // 7.4: a released RT-home permit went to a waiting BE, so the next RT arrival had to wait or preempt.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(1));
        Permit be = s.tryAcquire(BE);
        Permit rt = s.tryAcquire(RT);
        CompletableFuture<Permit> beW = s.acquireAsync(BE, null);
        rt.release();
        assertFalse(beW.isDone(), "the reserved slot stays open");
        assertNotNull(s.tryAcquire(RT), "the next RT starts at once");
        assertNotNull(be);
    }

    @Test
    void w7_4_beUsesSlotRtDoesNotNeed() {
        // 7.4, the work-conserving half: once RT holds >= R slots, a slot RT frees is BE's to take.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(3).rtReservedSlots(1));
        Permit rt1 = s.tryAcquire(RT);
        Permit rt2 = s.tryAcquire(RT);
        Permit rt3 = s.tryAcquire(RT);
        CompletableFuture<Permit> beW = s.acquireAsync(BE, null);
        assertFalse(beW.isDone());
        rt3.release();
        granted(beW);
        Invariants.check(s, 2, 1, "BE on the slot RT does not need");
        assertNotNull(rt1);
        assertNotNull(rt2);
    }

    @Test
    void w7_5_doubleReleaseAdmitsTwoWaiters() {
        // 7.5 probe: releasing the same slot twice on a 1-permit semaphore with 2 waiters admitted both.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> a = s.acquireAsync(RT, null);
        CompletableFuture<Permit> b = s.acquireAsync(BE, null);
        assertTrue(running.release());
        assertFalse(running.release(), "the second release is refused");
        assertTrue(a.isDone());
        assertFalse(b.isDone(), "one slot, one holder");
        Invariants.check(s, 1, 0, "after the double release");
        assertGrantedEqualsReleasedPlusHeld(s);
    }

    @Test
    void w7_5_clampDestroysSurplusPermit() {
        // 7.5: the capacity clamp silently destroyed a permit released into a full pool (or a "be" permit when
        // be_slots=0). Ours has no pools: however releases (double ones included) and classes interleave,
        // capacity stays exactly N, never N - 1 and never N + 1.
        for (int n = 1; n <= 3; n++) {
            HybridScheduler s = scheduler(SchedulerPolicy.builder(n));
            Permit be = s.tryAcquire(BE); // with N=1 the only slot, the seed's be_slots=0 case
            assertNotNull(be);
            List<Permit> rts = new ArrayList<>();
            for (Permit p; (p = s.tryAcquire(RT)) != null; ) {
                rts.add(p);
            }
            assertEquals(n - 1, rts.size());
            be.release();
            be.release();
            for (Permit p : rts) {
                p.release();
                p.release();
            }
            assertIdleAndWhole(s);
            assertGrantedEqualsReleasedPlusHeld(s);
        }
    }

    @Test
    void w7_6_twoReleasesInOneTick_noFalseInvariantViolation() {
        // 7.6 probe: two releases in the same loop tick, each waking a waiter, logged a spurious violation.
        // Here the second release runs inside the delivery of the first grant, before the first waiter has
        // "recorded" its permit; the accounting is exact at every point.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(0));
        Permit p1 = s.tryAcquire(RT);
        Permit p2 = s.tryAcquire(BE);
        CompletableFuture<Permit> w1 = s.acquireAsync(RT, null);
        CompletableFuture<Permit> w2 = s.acquireAsync(BE, null);
        AtomicReference<SchedulerSnapshot> between = new AtomicReference<>();
        w1.thenRun(() -> {
            p2.release();
            between.set(s.snapshot());
        });
        p1.release();
        SchedulerSnapshot snap = between.get();
        assertNotNull(snap);
        assertEquals(2, snap.inFlight(), () -> "both granted slots count as held: " + snap);
        assertEquals(0, snap.freeSlots());
        assertEquals(0, snap.queued(RT) + snap.queued(BE));
        Invariants.check(s, 1, 1, "after both hand-offs");
        granted(w1).release();
        granted(w2).release();
        assertIdleAndWhole(s);
    }

    @Test
    @Timeout(30)
    void w7_7_recoveredSlotFollowsPolicy_reservedSlotNotGivenToBe() throws Exception {
        // 7.7: a permit recovered from a cancelled-after-hand-off waiter went to "the next live waiter" without
        // policy. Ours passes it on through the normal dispatch: a reserved slot stays reserved.
        GatedClock gated = new GatedClock(clock);
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(2).rtReservedSlots(1).build(), gated);
        Permit rt = s.tryAcquire(RT);
        Permit be = s.tryAcquire(BE);
        CompletableFuture<Permit> rtW = s.acquireAsync(RT, Duration.ofHours(1));
        CompletableFuture<Permit> beW = s.acquireAsync(BE, null);

        gated.armDeadlineCancel();
        Thread releaser = start(rt::release); // chooses rtW for the freed reserved slot
        gated.awaitEntered();
        Thread canceller = start(() -> rtW.cancel(false));
        while (!rtW.isCancelled()) {
            Thread.onSpinWait();
        }
        gated.open();
        join(releaser, canceller);

        assertFalse(beW.isDone(), "the recovered slot is the reserved one: not BE's");
        Invariants.check(s, 0, 1, "after recovery");
        assertNotNull(s.tryAcquire(RT), "an RT arrival gets it at once");
        be.release();
        assertTrue(beW.isDone());
    }

    @Test
    @Timeout(30)
    void w7_7_recoveredSlotFollowsPolicy_promotedBeBeforeRt() throws Exception {
        // 7.7: recovery served the RT queue first, ignoring promotion. Ours: the next promoted BE gets it.
        GatedClock gated = new GatedClock(clock);
        HybridScheduler s = new HybridScheduler(SchedulerPolicy.builder(1)
                .promotionAfter(Duration.ofSeconds(60)).build(), gated);
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> beA = s.acquireAsync(BE, Duration.ofHours(1));
        CompletableFuture<Permit> beB = s.acquireAsync(BE, null);
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(60));

        gated.armDeadlineCancel();
        Thread releaser = start(running::release); // chooses beA (promoted)
        gated.awaitEntered();
        Thread canceller = start(() -> beA.cancel(false));
        while (!beA.isCancelled()) {
            Thread.onSpinWait();
        }
        gated.open();
        join(releaser, canceller);

        assertTrue(granted(beB).promoted(), "the recovered slot goes to the next promoted BE");
        assertFalse(rt.isDone());
        Invariants.check(s, 0, 1, "after recovery");
    }

    @Test
    void w7_7_cancelledWaitersLeaveAtOnce() {
        // 7.7: the purge after a cancellation needed the lock and could be skipped; dead entries lingered.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).maxQueueLength(BE, 3));
        s.tryAcquire(RT);
        List<CompletableFuture<Permit>> ws = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ws.add(s.acquireAsync(BE, null));
        }
        ws.get(1).cancel(false);
        ws.get(0).cancel(false);
        ws.get(2).completeExceptionally(new IllegalStateException("caller gave up"));
        assertEquals(0, s.snapshot().queued(BE), "gone from the queue immediately");
        for (int i = 0; i < 3; i++) {
            assertFalse(s.acquireAsync(BE, null).isCompletedExceptionally(), "their places are free again");
        }
    }

    @Test
    void w7_8_sharedLastWaitTime_perCallWaitIsExact() {
        // 7.8 probe: the TTFT log read a shared last_wait_time that later acquisitions had overwritten
        // (a 0.05 s wait read as 0.0). Each permit carries its own exact wait, unchanged by later calls.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> waited = s.acquireAsync(RT, null);
        clock.advance(Duration.ofMillis(50));
        running.release();
        Permit p = granted(waited);
        p.release();
        Permit immediate = s.tryAcquire(RT); // the seed set last_wait_time = 0 here
        assertEquals(0, immediate.queueWaitNanos());
        clock.advance(Duration.ofSeconds(5));
        CompletableFuture<Permit> later = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(2));
        immediate.release();
        assertEquals(Duration.ofSeconds(2).toNanos(), granted(later).queueWaitNanos());
        assertEquals(Duration.ofMillis(50).toNanos(), p.queueWaitNanos(), "unchanged by later calls");
        assertEquals(0, p.queuePosition(), "no waiter was ahead of it");
    }

    @Test
    void w7_9_classBlindQueueFull_rtNotRejectedByBeFanOut() {
        // 7.9 / PM-2026-052: a ~30-genre recap fan-out filled MAX_QUEUE_DEPTH=10 and RT calls got 429s.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(2).rtReservedSlots(1)
                .maxQueueLength(BE, 10).maxQueueLength(RT, 10));
        Permit rt = s.tryAcquire(RT);
        int rejected = 0;
        for (int genre = 0; genre < 30; genre++) {
            if (s.acquireAsync(BE, null).isCompletedExceptionally()) {
                rejected++;
            }
        }
        assertEquals(1, s.snapshot().inFlight(BE), "one genre runs");
        assertEquals(10, s.snapshot().queued(BE));
        assertEquals(19, rejected);
        CompletableFuture<Permit> chat = s.acquireAsync(RT, null);
        assertFalse(chat.isCompletedExceptionally(), "the interactive call is never rejected by batch load");
        rt.release();
        granted(chat);
        assertEquals(0, s.snapshot().rejected(RT));
        assertEquals(19, s.snapshot().rejectedQueueFull(BE));
    }

    @Test
    void w7_9_rtRejectedOnlyByItsOwnLimit() {
        // 7.9: admission is per class: RT's own queue limit rejects RT; a full BE queue never does, and vice versa.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).maxQueueLength(RT, 2).maxQueueLength(BE, 2));
        s.tryAcquire(RT);
        s.acquireAsync(RT, null);
        s.acquireAsync(RT, null);
        assertFalse(s.acquireAsync(BE, null).isCompletedExceptionally(), "a full RT queue does not reject BE");
        assertTrue(s.acquireAsync(RT, null).isCompletedExceptionally());
        assertEquals(1, s.snapshot().rejectedQueueFull(RT));
        assertEquals(0, s.snapshot().rejected(BE));
    }

    @Test
    void w7_13_promotionWithoutReleases_happensOnTime() {
        // 7.13 / 3.6: promotion ran only in a sweep inside release(), so with no releases it never happened and
        // with defaults it could lag P by ~60 s or 8 releases. Ours is due exactly at P, releases or not.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(120)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        List<CompletableFuture<Permit>> rts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(10));
            rts.add(s.acquireAsync(RT, null));
        }
        clock.advanceNanos(Duration.ofSeconds(70).toNanos() - 1);
        assertEquals(0, s.snapshot().promotedWaiting(), "not before P");
        clock.advanceNanos(1);
        assertEquals(1, s.snapshot().promotedWaiting(), "exactly at P, with no release since it arrived");
        assertEquals(1, s.snapshot().promotions());
        running.release();
        Permit p = granted(be);
        assertTrue(p.promoted());
        assertEquals(Duration.ofSeconds(120).toNanos(), p.queueWaitNanos());
        assertTrue(rts.stream().noneMatch(CompletableFuture::isDone));
    }

    @Test
    void w7_13_promotionWithoutAnyObserver_stillDecidesTheNextGrant() {
        // 7.13: nobody looks between arrival and the first release long after P; the release itself must see it.
        HybridScheduler s = scheduler(SchedulerPolicy.builder(1).promotionAfter(Duration.ofSeconds(120)));
        Permit running = s.tryAcquire(RT);
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        clock.advance(Duration.ofSeconds(119));
        CompletableFuture<Permit> rt = s.acquireAsync(RT, null);
        clock.advance(Duration.ofSeconds(1));
        running.release();
        assertTrue(granted(be).promoted());
        assertFalse(rt.isDone());
    }

    @Test
    void w7_13_beWaitBoundedByPromotionPlusOneHold_lifo() {
        // 7.13 / DESIGN.md bound, in LIFO mode (the seed's deployed default, where 7.2 broke it): with N-R >= 1 and
        // continuous RT load a BE wait is at most the promotion time plus the longest hold ahead of it.
        Duration promotion = Duration.ofSeconds(30);
        Duration hold = Duration.ofSeconds(7);
        HybridScheduler s = scheduler(SchedulerPolicy.builder(3).rtReservedSlots(1).rtOrder(RtOrder.LIFO)
                .promotionAfter(promotion));
        List<Permit> running = new ArrayList<>(List.of(s.tryAcquire(RT), s.tryAcquire(RT), s.tryAcquire(RT)));
        List<CompletableFuture<Permit>> rtWaiting = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rtWaiting.add(s.acquireAsync(RT, null));
        }
        CompletableFuture<Permit> be = s.acquireAsync(BE, null);
        for (int step = 0; !be.isDone(); step++) {
            assertTrue(step < 1000, "BE starved");
            clock.advance(hold.dividedBy(3));
            running.remove(0).release();
            for (var it = rtWaiting.iterator(); it.hasNext(); ) {
                CompletableFuture<Permit> w = it.next();
                if (w.isDone()) {
                    running.add(w.join());
                    it.remove();
                }
            }
            rtWaiting.add(s.acquireAsync(RT, null));
            rtWaiting.add(s.acquireAsync(RT, null));
        }
        assertTrue(be.join().promoted());
        assertTrue(be.join().queueWaitNanos() <= promotion.plus(hold).toNanos(), "waited " + be.join());
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /**
     * A {@link VirtualClock} that can hold the calling thread at one chosen point inside the scheduler:
     * the next {@link #nanoTime()} call (in {@code onRelease}, under the lock, before a waiter is chosen) or
     * the next deadline cancellation (in {@code dispatch}, under the lock, after a waiter is chosen).
     */
    static final class GatedClock implements SchedulerClock {
        private final VirtualClock delegate;
        private volatile boolean gateNanoTime;
        private volatile boolean gateCancel;
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch proceed = new CountDownLatch(1);

        GatedClock(VirtualClock delegate) {
            this.delegate = delegate;
        }

        void armNanoTime() {
            gateNanoTime = true;
        }

        void armDeadlineCancel() {
            gateCancel = true;
        }

        void awaitEntered() throws InterruptedException {
            assertTrue(entered.await(20, TimeUnit.SECONDS), "the scheduler never reached the gate");
        }

        void open() {
            proceed.countDown();
        }

        int pendingTasks() {
            return delegate.pendingTasks();
        }

        @Override
        public long nanoTime() {
            if (gateNanoTime) {
                gateNanoTime = false;
                hold();
            }
            return delegate.nanoTime();
        }

        @Override
        public Cancellable schedule(long deadlineNanos, Runnable task) {
            Cancellable inner = delegate.schedule(deadlineNanos, task);
            return () -> {
                if (gateCancel) {
                    gateCancel = false;
                    hold();
                }
                inner.cancel();
            };
        }

        private void hold() {
            entered.countDown();
            try {
                if (!proceed.await(20, TimeUnit.SECONDS)) {
                    throw new AssertionError("gate never opened");
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static ReentrantLock lockOf(HybridScheduler s) throws ReflectiveOperationException {
        Field f = HybridScheduler.class.getDeclaredField("lock");
        f.setAccessible(true);
        return (ReentrantLock) f.get(s);
    }

    private static Thread start(Runnable r) {
        Thread t = new Thread(r, "seed-regression");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void join(Thread... threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(t.isAlive(), "thread stuck: " + t);
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
