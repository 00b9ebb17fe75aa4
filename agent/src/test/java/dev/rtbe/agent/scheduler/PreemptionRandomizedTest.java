package dev.rtbe.agent.scheduler;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeded random runs of transparent preemption on a virtual clock: arrivals of both classes (some
 * with their own timeout), releases and double releases, offers (also of permits that must be
 * refused), withdrawals (also after the preemption), re-acquires of preempted calls (some from
 * inside the abort action, as an adapter may), cancels, failures from outside and clock jumps that
 * end graces, wait limits and promotions.
 *
 * <p>When a preemption happens depends on how timers interleave, so rather than a reference model
 * the test states the rules as properties and checks them after every step, next to
 * {@link Invariants}:
 * <ul>
 *   <li>an RT call that has waited the grace never goes on waiting while an offered call exists,
 *       whether or not a promoted BE call waits;</li>
 *   <li>each event that preempts serves exactly the RT calls the rule names, one per victim: with
 *       FIFO the oldest waiting RT call while it has waited the grace, with LIFO the newest that has
 *       waited the grace, again while offered calls are left; the victims are the youngest offered
 *       calls, and each preempted slot goes to such an RT call, never to a BE waiter, promoted or
 *       not;</li>
 *   <li>a slot freed by a call ending goes to the oldest BE call if it is promoted and BE may take
 *       the slot, otherwise by the usual rules; such an event never preempts;</li>
 *   <li>every offer is accepted exactly when the rules allow it (a BE call, running, not offered
 *       already, preempted fewer than {@code maxPreemptionsPerCall} times; being promoted does not
 *       matter), and no call is preempted more than that;</li>
 *   <li>BE calls (re-queued ones too) are served in arrival order, RT calls served by a release in
 *       their order; promotion counts from the original arrival, and a re-queued call that is due
 *       is counted in {@code promotions} whether it waits or restarts at once;</li>
 *   <li>a preempted permit is re-acquired at most once (a second re-acquire, or a re-acquire of a
 *       permit that was not preempted, is refused and changes nothing);</li>
 *   <li>the counters add up.</li>
 * </ul>
 * At the end every preempted call has been re-acquired and every call has ended exactly one way. A
 * failure names its seed.
 */
@Execution(ExecutionMode.CONCURRENT) // each case is its own computation: two at a time, one per core
class PreemptionRandomizedTest {
    static final int STEPS = 300;

    @ParameterizedTest(name = "N={0} R={1} {2} promotion={3}s grace={4}ms max-per-call={5} maxLen={6} "
            + "beMaxWait={7}s: {8} seeds")
    @CsvSource({
            "1, 0, FIFO, 20, 0, 1, 4, 0, 300",
            "1, 0, FIFO, 15, 2500, 2, 6, 30, 300",
            "2, 0, FIFO, 20, 0, 2, 6, 0, 300",
            "2, 1, LIFO, 10, 3000, 1, 6, 25, 300",
            "3, 1, FIFO, 30, 1500, 2, 8, 0, 300",
            "3, 0, LIFO, -1, 0, 1, 5, 40, 300",
            "3, 1, FIFO, 5, 0, 1, 8, 12, 300",
    })
    void keepsThePreemptionRulesAndLosesNoCall(int n, int r, RtOrder order, int promotionSeconds, int graceMillis,
                                               int maxPerCall, int maxLength, int beMaxWaitSeconds, int seeds)
            throws ReflectiveOperationException {
        SchedulerPolicy.Builder builder = SchedulerPolicy.builder(n).rtReservedSlots(r).rtOrder(order)
                .promotionAfter(promotionSeconds < 0 ? null : Duration.ofSeconds(promotionSeconds))
                .maxQueueLength(RT, maxLength).maxQueueLength(BE, maxLength)
                .preemption(Duration.ofMillis(graceMillis), maxPerCall);
        if (beMaxWaitSeconds > 0) {
            builder.maxWait(BE, Duration.ofSeconds(beMaxWaitSeconds));
        }
        SchedulerPolicy policy = builder.build();
        Coverage coverage = new Coverage();
        for (int seed = 0; seed < seeds; seed++) {
            try {
                new Run(policy, seed, coverage).execute();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " with " + policy + ": " + e.getMessage(), e);
            }
        }
        // The situations the new rules are about did occur (so the checks above were exercised).
        String met = policy + ": " + coverage;
        assertTrue(coverage.refusedSecondReacquires > 0, met);
        if (promotionSeconds >= 0) {
            assertTrue(coverage.promotedVictims > 0, met);
            assertTrue(coverage.preemptionsWhilePromotedWaits > 0, met);
            assertTrue(coverage.promotedServedFirstWhileRtWaits > 0, met);
            assertTrue(coverage.promotedRestartsAtOnce > 0, met);
        }
        if (order == RtOrder.LIFO && graceMillis > 0) {
            assertTrue(coverage.lifoServedPastNewerRt > 0, met);
        }
    }

    private static final class Call {
        final int id;
        final Priority priority;
        final long arrival;
        /** queued, granted, preempted (waiting to re-acquire), released, full, expired, cancelled. */
        String state = "queued";
        /** The current attempt: the first acquire or the latest re-acquire. */
        CompletableFuture<Permit> future;
        boolean firstAttempt = true;
        /** The first attempt was expected to start at once / to be refused for a full queue. */
        boolean startsAtOnce;
        boolean expectFull;
        /** The current attempt (first or re-acquire) got its slot without waiting in the queue. */
        boolean atOnce;
        long deadline = Long.MAX_VALUE;
        int attemptStep;
        /** The current permit, while granted or preempted. */
        Permit permit;
        final List<Permit> permits = new ArrayList<>();
        boolean offered;
        int preemptions;

        Call(int id, Priority priority, long arrival) {
            this.id = id;
            this.priority = priority;
            this.arrival = arrival;
        }

        boolean waiting() {
            return state.equals("queued");
        }

        boolean finished() {
            return state.equals("released") || state.equals("full") || state.equals("expired")
                    || state.equals("cancelled");
        }

        @Override
        public String toString() {
            return "#" + id + " " + priority + " " + state;
        }
    }

    /** An event that preempted: its time and the RT calls waiting as it began, in arrival order. */
    private static final class Settle {
        final long now;
        final List<Call> rtWaiting;

        Settle(long now, List<Call> rtWaiting) {
            this.now = now;
            this.rtWaiting = rtWaiting;
        }
    }

    /** How often the runs of one setting met the situations the rules are about (so they are tested). */
    static final class Coverage {
        long promotedVictims;
        long preemptionsWhilePromotedWaits;
        long promotedServedFirstWhileRtWaits;
        long lifoServedPastNewerRt;
        long promotedRestartsAtOnce;
        long refusedSecondReacquires;

        @Override
        public String toString() {
            return "promoted victims " + promotedVictims + ", preemptions while a promoted call waits "
                    + preemptionsWhilePromotedWaits + ", promoted served first while RT waits "
                    + promotedServedFirstWhileRtWaits + ", LIFO served an RT call past a newer one "
                    + lifoServedPastNewerRt + ", promoted restarts at once " + promotedRestartsAtOnce
                    + ", refused second re-acquires " + refusedSecondReacquires;
        }
    }

    private static final class Run {
        final SchedulerPolicy policy;
        final Random random;
        final VirtualClock clock = new VirtualClock();
        final HybridScheduler scheduler;
        final ReentrantLock lock;
        final long grace;
        final long promotionAfter;
        final List<Call> calls = new ArrayList<>();
        /** The calls not finished yet (plus those finished during the current step): what most checks scan. */
        final List<Call> active = new ArrayList<>();
        final List<Call> releasedCalls = new ArrayList<>();
        /** Aborts run per preempted permit: each must be exactly 1. */
        final Map<Permit, Integer> aborts = new IdentityHashMap<>();
        /** Permits preempted during the current step, in abort order. */
        final List<Permit> victims = new ArrayList<>();
        final List<Call> grantedThisStep = new ArrayList<>();
        final long[] granted = new long[2];
        final long[] released = new long[2];
        long preemptions;
        long preemptedSlotNanos;
        int step;
        /** The permit being offered right now: a preemption may take it before the offer returns. */
        Permit offering;
        /** The events of the current step that preempted, by time, as the first abort of each saw them. */
        final Map<Long, Settle> settles = new LinkedHashMap<>();
        /** Set when the current step freed a slot by a call ending (not by a preemption). */
        boolean freedSlot;
        /** The slot that step freed must go to the oldest BE call, a promoted one. */
        boolean promotedMustGoFirst;
        final Coverage coverage;

        Run(SchedulerPolicy policy, long seed, Coverage coverage) throws ReflectiveOperationException {
            this.policy = policy;
            this.coverage = coverage;
            this.random = new Random(seed);
            this.scheduler = new HybridScheduler(policy, clock);
            Field f = HybridScheduler.class.getDeclaredField("lock");
            f.setAccessible(true);
            this.lock = (ReentrantLock) f.get(scheduler);
            this.grace = policy.preemptionGraceNanos();
            this.promotionAfter = policy.promotionAfterNanos();
        }

        void execute() {
            for (step = 0; step < STEPS; step++) {
                startStep();
                int op = random.nextInt(100);
                String what;
                if (op < 28) {
                    what = arrive();
                } else if (op < 46) {
                    what = releaseOne();
                } else if (op < 62) {
                    what = offerOne();
                } else if (op < 67) {
                    what = withdrawOne();
                } else if (op < 77) {
                    what = reacquireOne();
                } else if (op < 82) {
                    what = cancelOne();
                } else if (op < 84) {
                    what = failOneFromOutside();
                } else {
                    what = advance();
                }
                observeAndVerify("step " + step + " (" + what + ")");
            }
            drain();
        }

        void startStep() {
            victims.clear();
            settles.clear();
            freedSlot = false;
            promotedMustGoFirst = false;
        }

        // -----------------------------------------------------------------------------------------
        // Operations

        String arrive() {
            Priority p = random.nextInt(3) == 0 ? RT : BE;
            Duration timeout = random.nextInt(5) == 0 ? Duration.ofSeconds(1 + random.nextInt(30)) : null;
            long now = clock.nanoTime();
            Call c = new Call(calls.size(), p, now);
            c.attemptStep = step;
            c.startsAtOnce = p == RT ? queued(RT) == 0 && rtMayStart()
                    : queued(BE) == 0 && queued(RT) == 0 && beMayStart();
            c.expectFull = !c.startsAtOnce && queued(p) >= policy.maxQueueLength(p);
            long limit = Math.min(policy.maxWaitNanos(p), timeout == null ? SchedulerPolicy.UNLIMITED : timeout.toNanos());
            c.deadline = limit == SchedulerPolicy.UNLIMITED ? Long.MAX_VALUE : now + limit;
            c.atOnce = c.startsAtOnce;
            calls.add(c); // before asking: with grace 0 the arrival itself may preempt
            active.add(c);
            c.future = scheduler.acquireAsync(p, timeout);
            if (!c.startsAtOnce && !c.expectFull && c.future.isDone()) {
                assertTrue(p == RT && !victims.isEmpty(), "#" + c.id + " started at once without a free slot");
            }
            if (c.startsAtOnce) {
                assertTrue(c.future.isDone() && !c.future.isCompletedExceptionally(), "#" + c.id + " should start at once");
            }
            return "arrive " + p + " #" + c.id + (timeout == null ? "" : " timeout " + timeout.getSeconds() + "s");
        }

        String releaseOne() {
            List<Call> holders = withState("granted");
            if (holders.isEmpty() || random.nextInt(8) == 0) {
                // A release that must change nothing: a released or a preempted permit.
                List<Call> done = new ArrayList<>(withState("released"));
                done.addAll(withState("preempted"));
                if (done.isEmpty()) {
                    return "nothing to release";
                }
                Call c = pick(done);
                assertFalse(c.permit.release(), "a second release must be refused");
                return "release again #" + c.id + " (" + c.state + ")";
            }
            Call c = pick(holders);
            Permit p = c.permit;
            noteFreedSlot(p);
            assertTrue(p.release());
            c.state = "released";
            c.offered = false;
            released[p.priority().ordinal()]++;
            releasedCalls.add(c);
            return "release #" + c.id;
        }

        String offerOne() {
            List<Call> candidates = withState("granted");
            if (candidates.isEmpty() || random.nextInt(10) == 0) {
                candidates = new ArrayList<>(withState("released"));
                candidates.addAll(withState("preempted"));
            }
            if (candidates.isEmpty()) {
                return "nothing to offer";
            }
            Call c = pick(candidates);
            Permit p = c.permit;
            // Being promoted does not matter: only the number of preemptions makes a call immune.
            boolean expected = c.state.equals("granted") && !c.offered && p.priority() == BE
                    && p.preemptions() < policy.maxPreemptionsPerCall();
            offering = p;
            boolean offered = p.offerPreemption(abortFor(c, p));
            offering = null;
            assertEquals(expected, offered, "offer of #" + c.id + " " + p);
            if (offered && !p.isPreempted()) {
                c.offered = true;
            }
            return "offer #" + c.id + " -> " + offered + (p.isPreempted() ? " (preempted at once)" : "");
        }

        String withdrawOne() {
            List<Call> candidates = new ArrayList<>(withState("granted"));
            candidates.addAll(withState("preempted"));
            candidates.addAll(withState("released"));
            if (candidates.isEmpty()) {
                return "nothing to withdraw";
            }
            Call c = pick(candidates);
            boolean preempted = c.permit.isPreempted();
            assertEquals(c.state.equals("preempted"), preempted);
            assertEquals(!preempted, c.permit.withdrawPreemption(), "withdraw of #" + c.id + " " + c.permit);
            c.offered = false;
            return "withdraw #" + c.id + " (" + c.state + ")";
        }

        String reacquireOne() {
            if (random.nextInt(5) == 0) {
                String refused = refusedReacquire();
                if (refused != null) {
                    return refused;
                }
            }
            List<Call> preempted = withState("preempted");
            if (preempted.isEmpty()) {
                return "nothing to re-acquire";
            }
            Call c = pick(preempted);
            // It starts at once iff no RT call waits, BE may start and nobody who arrived before it waits.
            boolean atOnce = queued(RT) == 0 && beMayStart() && active.stream()
                    .noneMatch(o -> o.waiting() && o.priority == BE && o.arrival <= c.arrival);
            reacquire(c);
            assertEquals(atOnce, c.future.isDone(), "re-acquire of #" + c.id + " at once");
            assertFalse(c.future.isCompletedExceptionally(), "a re-acquire is never refused");
            return "re-acquire #" + c.id;
        }

        void reacquire(Call c) {
            Duration timeout = random.nextInt(4) == 0 ? Duration.ofSeconds(1 + random.nextInt(20)) : null;
            Permit preempted = c.permit;
            long now = clock.nanoTime();
            long promotionsBefore = scheduler.snapshot().promotions();
            c.state = "queued";
            c.firstAttempt = false;
            c.attemptStep = step;
            c.deadline = timeout == null ? Long.MAX_VALUE : now + timeout.toNanos();
            c.future = scheduler.reacquireAsync(preempted, timeout);
            c.atOnce = c.future.isDone();
            // Due for promotion: counted once, whether it waits or restarts at once.
            boolean due = isPromotedAt(c, now);
            assertEquals(promotionsBefore + (due ? 1 : 0), scheduler.snapshot().promotions(),
                    () -> "#" + c.id + " re-acquired " + (c.atOnce ? "at once" : "queued") + (due ? ", due" : ""));
            if (c.atOnce && due) {
                coverage.promotedRestartsAtOnce++;
            }
        }

        /** Re-acquires with a permit that may not be: one re-acquired already, or never preempted. */
        String refusedReacquire() {
            List<Permit> candidates = new ArrayList<>();
            for (Call c : calls) {
                for (Permit p : c.permits) {
                    if (!(c.state.equals("preempted") && p == c.permit)) {
                        candidates.add(p);
                    }
                }
            }
            if (candidates.isEmpty()) {
                return null;
            }
            Permit p = pick(candidates);
            SchedulerSnapshot before = scheduler.snapshot();
            int pendingBefore = clock.pendingTasks();
            if (p.isPreempted()) {
                assertThrows(IllegalStateException.class, () -> scheduler.reacquireAsync(p, null),
                        "a second re-acquire of " + p);
                coverage.refusedSecondReacquires++;
            } else {
                assertThrows(IllegalArgumentException.class, () -> scheduler.reacquireAsync(p, null),
                        "a re-acquire of " + p);
            }
            SchedulerSnapshot after = scheduler.snapshot();
            assertEquals(before.queued(BE), after.queued(BE), "a refused re-acquire queued a call");
            assertEquals(before.granted(BE), after.granted(BE), "a refused re-acquire got a slot");
            assertEquals(before.promotions(), after.promotions());
            assertEquals(pendingBefore, clock.pendingTasks());
            return "refused re-acquire of " + p;
        }

        String cancelOne() {
            List<Call> candidates = new ArrayList<>();
            for (Call c : active) {
                if (!c.finished()) {
                    candidates.add(c);
                }
            }
            if (candidates.isEmpty()) {
                return "nothing to cancel";
            }
            Call c = pick(candidates);
            boolean cancelled = c.future.cancel(random.nextBoolean());
            assertEquals(c.waiting(), cancelled, "cancel of #" + c.id + " (" + c.state + ")");
            if (cancelled) {
                c.state = "cancelled";
            }
            return "cancel #" + c.id;
        }

        String failOneFromOutside() {
            List<Call> waiting = withState("queued");
            if (waiting.isEmpty()) {
                return "nothing to fail";
            }
            Call c = pick(waiting);
            assertTrue(c.future.completeExceptionally(new IllegalStateException("caller gave up")));
            c.state = "cancelled";
            return "fail from outside #" + c.id;
        }

        String advance() {
            long nanos = random.nextInt(3) == 0 ? Duration.ofSeconds(random.nextInt(60)).toNanos()
                    : Duration.ofMillis(random.nextInt(3000)).toNanos();
            clock.advanceNanos(nanos);
            return "advance " + nanos / 1_000_000 + "ms";
        }

        /** The adapter's abort action for one permit; checks when and how it runs. */
        Runnable abortFor(Call c, Permit p) {
            int mode = random.nextInt(10);
            return () -> {
                assertFalse(lock.isHeldByCurrentThread(), () -> "#" + c.id + ": the abort ran under the lock");
                assertTrue(p.isPreempted() && p.isReleased(), () -> "#" + c.id + ": aborted but not preempted");
                assertEquals(1, aborts.merge(p, 1, Integer::sum), () -> "#" + c.id + ": abort ran twice");
                assertTrue(c.offered || offering == p, () -> "#" + c.id + " preempted without an offer");
                assertSame(p, c.permit, () -> "#" + c.id + ": an old permit was preempted");
                assertEquals("granted", c.state, () -> "#" + c.id);
                long now = clock.nanoTime();
                assertEquals(now, p.preemptedNanos(), "the abort runs in the step that preempted");
                // The event's grants are delivered already: remember which RT calls it could serve.
                settles.computeIfAbsent(now, this::rtWaitingAt);
                if (p.promoted()) {
                    coverage.promotedVictims++;
                }
                for (Call o : active) {
                    if (o.priority == BE && o.waiting() && o.attemptStep < step && !o.future.isDone()
                            && isPromotedAt(o, now)) {
                        coverage.preemptionsWhilePromotedWaits++;
                        break;
                    }
                }
                victims.add(p);
                c.offered = false;
                c.state = "preempted";
                c.preemptions++;
                assertTrue(c.preemptions <= policy.maxPreemptionsPerCall(), () -> "#" + c.id + " preempted too often");
                preemptions++;
                preemptedSlotNanos += p.preemptedNanos() - p.grantedNanos();
                released[BE.ordinal()]++;
                if (mode < 3) {
                    reacquire(c); // the adapter asks again straight from its abort action
                } else if (mode == 9) {
                    throw new IllegalStateException("the adapter could not abort"); // the scheduler ignores it
                }
            };
        }

        void drain() {
            // No cancels: every waiting and every preempted call must get its slot in the end.
            for (int round = 0; ; round++) {
                assertTrue(round < 100_000, "drain does not end");
                step++;
                startStep();
                List<Call> preempted = withState("preempted");
                List<Call> holders = withState("granted");
                String what;
                if (!preempted.isEmpty()) {
                    reacquire(preempted.get(0));
                    what = "re-acquire #" + preempted.get(0).id;
                } else if (!holders.isEmpty()) {
                    Call c = holders.get(0);
                    noteFreedSlot(c.permit);
                    assertTrue(c.permit.release());
                    c.state = "released";
                    c.offered = false;
                    released[c.permit.priority().ordinal()]++;
                    releasedCalls.add(c);
                    what = "release #" + c.id;
                } else {
                    break;
                }
                observeAndVerify("drain (" + what + ")");
            }
            SchedulerSnapshot s = scheduler.snapshot();
            assertEquals(0, s.inFlight());
            assertEquals(0, s.queued(RT) + s.queued(BE), "a call was left waiting");
            assertEquals(0, clock.pendingTasks(), "no deadline or grace task may outlive its waiter");
            for (Priority p : Priority.values()) {
                assertEquals(s.granted(p), s.released(p), p + ": every grant released exactly once");
            }
            for (Call c : calls) {
                assertTrue(c.finished(), c + " never ended");
                assertTrue(c.future.isDone(), c + ": its future never completed");
                int preempted = 0;
                for (int i = 0; i < c.permits.size(); i++) {
                    Permit p = c.permits.get(i);
                    assertTrue(p.isReleased(), c + ": permit " + i + " never released");
                    boolean last = i == c.permits.size() - 1;
                    // Every permit but the last of a call that ended by release was preempted.
                    assertEquals(!(last && c.state.equals("released")), p.isPreempted(), c + ": permit " + i);
                    assertEquals(p.isPreempted() ? Integer.valueOf(1) : null, aborts.get(p), c + ": aborts of " + i);
                    if (p.isPreempted()) {
                        preempted++;
                    }
                }
                assertEquals(c.preemptions, preempted, c.toString());
                assertTrue(c.preemptions <= policy.maxPreemptionsPerCall(), c.toString());
            }
        }

        // -----------------------------------------------------------------------------------------
        // Checks

        void observeAndVerify(String context) {
            long now = clock.nanoTime();
            grantedThisStep.clear();
            active.removeIf(Call::finished);
            for (Call c : active) {
                if (c.waiting() && c.future.isDone()) {
                    observeEnd(c, now, context);
                }
            }
            int heldRt = 0;
            int heldBe = 0;
            int queuedRt = 0;
            int queuedBe = 0;
            int promotedWaiting = 0;
            for (Call c : active) {
                if (c.state.equals("granted")) {
                    if (c.permit.priority() == RT) {
                        heldRt++;
                    } else {
                        heldBe++;
                    }
                    assertFalse(c.permit.isReleased(), () -> context + ": " + c);
                } else if (c.waiting()) {
                    assertTrue(now < c.deadline, () -> context + ": " + c + " should have timed out");
                    if (c.priority == RT) {
                        queuedRt++;
                    } else {
                        queuedBe++;
                        if (isPromotedAt(c, now)) {
                            promotedWaiting++;
                        }
                    }
                }
            }
            Invariants.check(scheduler, heldRt, heldBe, context);
            SchedulerSnapshot s = scheduler.snapshot();
            assertEquals(queuedRt, s.queued(RT), () -> context + ": RT waiting");
            assertEquals(queuedBe, s.queued(BE), () -> context + ": BE waiting");
            assertEquals(promotedWaiting, s.promotedWaiting(), () -> context + ": promoted waiting");
            assertEquals(preemptions, s.preemptions(), () -> context + ": preemptions");
            assertEquals(preemptedSlotNanos, s.preemptedSlotNanos(), () -> context + ": preempted slot time");
            for (Priority p : Priority.values()) {
                assertEquals(granted[p.ordinal()], s.granted(p), () -> context + ": " + p + " granted");
                assertEquals(released[p.ordinal()], s.released(p), () -> context + ": " + p + " released");
            }

            // The preemption rule: an RT call that has waited the grace does not wait while a call is
            // offered, promoted BE calls waiting or not (FIFO: the oldest is the one that waited longest;
            // LIFO: any that has waited the grace may preempt).
            for (Call w : active) {
                if (w.priority == RT && w.waiting() && now - w.arrival >= grace) {
                    for (Call c : active) {
                        assertFalse(c.offered, () -> context + ": RT " + w + " waited the grace while " + c
                                + " is offered");
                    }
                }
            }

            // Victims: the youngest offered.
            for (Permit v : victims) {
                for (Call c : active) {
                    if (c.offered) {
                        assertTrue(c.permit.grantedNanos() <= v.grantedNanos(),
                                context + ": " + c + " is younger than the victim " + v);
                    }
                }
            }

            // Who got a slot from the queue in this step, and why.
            List<Call> rtFromQueue = new ArrayList<>();
            List<Call> beFromQueue = new ArrayList<>();
            for (Call g : grantedThisStep) {
                if (!g.atOnce) {
                    (g.priority == RT ? rtFromQueue : beFromQueue).add(g);
                }
            }
            if (freedSlot) {
                // A call ended: its slot goes to the oldest BE call first if that one is promoted and
                // BE may take the slot, else by the usual rules. That never preempts.
                assertTrue(victims.isEmpty() && settles.isEmpty(), () -> context + ": a release preempted " + victims);
                assertTrue(rtFromQueue.size() + beFromQueue.size() <= 1,
                        () -> context + ": one slot freed, granted to " + rtFromQueue + " " + beFromQueue);
                if (promotedMustGoFirst) {
                    assertEquals(1, beFromQueue.size(), () -> context + ": the freed slot went to " + rtFromQueue
                            + ", not to the promoted BE call");
                    if (queuedRt > 0 || !rtFromQueue.isEmpty()) {
                        coverage.promotedServedFirstWhileRtWaits++;
                    }
                }
            } else {
                // No call ended: every grant from the queue is an RT call served by a preemption.
                assertTrue(beFromQueue.isEmpty(), () -> context + ": " + beFromQueue
                        + " granted from the queue though no call ended (a preempted slot goes to RT only)");
                int served = 0;
                for (Settle e : settles.values()) {
                    served += verifyPreemptingEvent(e, rtFromQueue, context);
                }
                int servedTotal = served;
                assertEquals(rtFromQueue.size(), servedTotal, () -> context + ": RT calls " + rtFromQueue
                        + " granted from the queue, " + servedTotal + " of them by preemptions");
                assertEquals(victims.size(), servedTotal, () -> context + ": " + victims.size() + " preemptions for "
                        + servedTotal + " RT calls served");
            }

            // Order: no call that asked before a granted call (in the order of its class) still waits.
            // RT calls served by a preemption are checked above: with LIFO the newest that waited the
            // grace may pass newer RT calls that did not.
            for (Call g : grantedThisStep) {
                if (g.firstAttempt && g.startsAtOnce || g.priority == RT && !freedSlot) {
                    continue;
                }
                for (Call c : active) {
                    if (!c.waiting() || c.attemptStep == step || c.priority != g.priority) {
                        continue; // calls that joined the queue during this step came after the grant
                    }
                    boolean passed = g.priority == BE || policy.rtOrder() == RtOrder.FIFO
                            ? c.arrival < g.arrival : c.arrival > g.arrival;
                    assertFalse(passed, () -> context + ": " + g + " was served before " + c);
                }
            }
        }

        /**
         * One event that preempted: the RT calls it served are exactly those the rule names, one per
         * victim, taken from the RT calls waiting as it began while offered calls were left. Returns
         * how many it served.
         */
        int verifyPreemptingEvent(Settle e, List<Call> rtFromQueue, String context) {
            List<Call> served = new ArrayList<>();
            for (Call g : rtFromQueue) {
                if (g.permit.grantedNanos() == e.now) {
                    served.add(g);
                }
            }
            served.sort(Comparator.comparingInt(g -> g.id));
            long victimsHere = victims.stream().filter(v -> v.preemptedNanos() == e.now).count();
            // Offered as the event began: its victims, later events' victims and the calls still offered.
            long offered = victims.stream().filter(v -> v.preemptedNanos() >= e.now).count()
                    + active.stream().filter(c -> c.offered).count();
            List<Call> left = new ArrayList<>(e.rtWaiting);
            List<Call> expected = new ArrayList<>();
            while (expected.size() < offered) {
                Call next = null;
                if (policy.rtOrder() == RtOrder.FIFO) {
                    if (!left.isEmpty() && e.now - left.get(0).arrival >= grace) {
                        next = left.get(0); // the oldest, once it has waited the grace
                    }
                } else {
                    for (int i = left.size() - 1; i >= 0 && next == null; i--) {
                        if (e.now - left.get(i).arrival >= grace) {
                            next = left.get(i); // the newest that has waited the grace
                        }
                    }
                }
                if (next == null) {
                    break;
                }
                if (policy.rtOrder() == RtOrder.LIFO && next != left.get(left.size() - 1)) {
                    coverage.lifoServedPastNewerRt++;
                }
                expected.add(next);
                left.remove(next);
            }
            assertEquals(ids(expected), ids(served), () -> context + ": the preemptions at " + e.now
                    + " served the wrong RT calls (waiting: " + ids(e.rtWaiting) + ", " + offered + " offered)");
            assertEquals(expected.size(), victimsHere, () -> context + ": preemptions at " + e.now);
            return served.size();
        }

        /** The RT calls waiting as a preempting event at {@code now} began, in arrival order. */
        Settle rtWaitingAt(long now) {
            List<Call> waiting = new ArrayList<>();
            for (Call o : active) {
                if (o.priority != RT || !o.waiting()) {
                    continue;
                }
                // Still waiting, arriving right now (grace 0: its future is not returned yet), or
                // granted by this very event; not one that left the queue before it.
                if (o.future == null || !o.future.isDone()
                        || !o.future.isCompletedExceptionally() && o.future.join().grantedNanos() == now) {
                    waiting.add(o);
                }
            }
            waiting.sort(Comparator.comparingInt(o -> o.id));
            return new Settle(now, waiting);
        }

        /** A call ends (not preempted) and frees its slot: who must get it, as seen just before. */
        void noteFreedSlot(Permit p) {
            freedSlot = true;
            int rt = held(RT) - (p.priority() == RT ? 1 : 0);
            int be = held(BE) - (p.priority() == BE ? 1 : 0);
            Call oldest = null;
            for (Call c : active) {
                if (c.priority == BE && c.waiting() && (oldest == null || c.arrival < oldest.arrival)) {
                    oldest = c;
                }
            }
            promotedMustGoFirst = oldest != null && isPromotedAt(oldest, clock.nanoTime()) && beMayStart(rt, be);
        }

        /** A waiting call's future completed: it was granted or refused; check which and how. */
        void observeEnd(Call c, long now, String context) {
            if (c.future.isCompletedExceptionally()) {
                Throwable cause = causeOf(c.future);
                if (c.firstAttempt && c.expectFull) {
                    assertInstanceOf(QueueFullException.class, cause, () -> context + ": " + c);
                    c.state = "full";
                } else {
                    assertInstanceOf(QueueTimeoutException.class, cause, () -> context + ": " + c);
                    assertTrue(now >= c.deadline, () -> context + ": " + c + " timed out early");
                    c.state = "expired";
                }
                return;
            }
            assertFalse(c.firstAttempt && c.expectFull, () -> context + ": " + c + " should have been refused");
            Permit p = c.future.join();
            c.permit = p;
            c.permits.add(p);
            c.state = "granted";
            grantedThisStep.add(c);
            granted[p.priority().ordinal()]++;
            assertEquals(c.priority, p.priority(), () -> context + ": " + c);
            assertEquals(c.arrival, p.arrivalNanos(), () -> context + ": " + c + " keeps its arrival time");
            assertEquals(c.preemptions, p.preemptions(), () -> context + ": " + c + " preemptions so far");
            assertFalse(p.isReleased(), () -> context + ": " + c);
            assertTrue(p.grantedNanos() <= now, () -> context + ": " + c);
            if (c.firstAttempt && c.startsAtOnce) {
                assertFalse(p.promoted(), () -> context + ": " + c);
                assertEquals(c.arrival, p.grantedNanos(), () -> context + ": " + c);
            } else {
                // Promotion counts from the original arrival, re-queued or not.
                assertEquals(p.priority() == BE && isPromotedAt(c, p.grantedNanos()), p.promoted(),
                        context + ": " + c + " promoted");
            }
        }

        // -----------------------------------------------------------------------------------------
        // The test's own view of the scheduler

        boolean isPromotedAt(Call c, long now) {
            return promotionAfter != SchedulerPolicy.UNLIMITED && now - c.arrival >= promotionAfter;
        }

        int held(Priority p) {
            int count = 0;
            for (Call c : active) {
                if (c.state.equals("granted") && c.permit.priority() == p) {
                    count++;
                }
            }
            return count;
        }

        int queued(Priority p) {
            int count = 0;
            for (Call c : active) {
                if (c.waiting() && c.priority == p) {
                    count++;
                }
            }
            return count;
        }

        boolean rtMayStart() {
            return held(RT) + held(BE) < policy.totalSlots();
        }

        boolean beMayStart() {
            return beMayStart(held(RT), held(BE));
        }

        boolean beMayStart(int rt, int be) {
            return be + Math.max(policy.rtReservedSlots(), rt) < policy.totalSlots();
        }

        static List<Integer> ids(List<Call> list) {
            List<Integer> out = new ArrayList<>();
            for (Call c : list) {
                out.add(c.id);
            }
            return out;
        }

        List<Call> withState(String state) {
            if (state.equals("released")) {
                return releasedCalls;
            }
            List<Call> out = new ArrayList<>();
            for (Call c : active) {
                if (c.state.equals(state)) {
                    out.add(c);
                }
            }
            return out;
        }

        <T> T pick(List<T> list) {
            return list.get(random.nextInt(list.size()));
        }

        private static Throwable causeOf(CompletableFuture<Permit> f) {
            try {
                f.join();
                throw new AssertionError("not failed: " + f);
            } catch (CompletionException e) {
                return e.getCause();
            }
        }
    }
}
