package dev.rtbe.agent.scheduler;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
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
 * {@link Invariants}: an RT call that has waited the grace never goes on waiting while an offered
 * call exists and no promoted BE call waits; a preemption happens only for an RT call that waited
 * the grace, with no promoted BE call waiting, and takes the youngest offered call, which was
 * offered and may be; every offer is accepted exactly when the rules allow it; no call is preempted
 * more than the limit; BE calls (re-queued ones too) are served in arrival order, RT in its order;
 * promotion counts from the original arrival; the counters add up. At the end every preempted call
 * has been re-acquired and every call has ended exactly one way. A failure names its seed.
 */
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
        for (int seed = 0; seed < seeds; seed++) {
            try {
                new Run(policy, seed).execute();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " with " + policy + ": " + e.getMessage(), e);
            }
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

        Run(SchedulerPolicy policy, long seed) throws ReflectiveOperationException {
            this.policy = policy;
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
                victims.clear();
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
            boolean expected = c.state.equals("granted") && !c.offered && p.priority() == BE && !p.promoted()
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
            c.state = "queued";
            c.firstAttempt = false;
            c.attemptStep = step;
            c.deadline = timeout == null ? Long.MAX_VALUE : clock.nanoTime() + timeout.toNanos();
            c.future = scheduler.reacquireAsync(preempted, timeout);
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
                // Only for an RT call that waited the grace, with no promoted BE call waiting.
                boolean rtDue = false;
                for (Call o : active) {
                    boolean expired = o.future != null && o.future.isCompletedExceptionally();
                    if (o.priority == RT && o.waiting() && !expired && now - o.arrival >= grace) {
                        rtDue = true;
                    }
                    if (o.priority == BE && o.waiting() && !o.future.isDone() && o.attemptStep < step
                            && isPromotedAt(o, now)) {
                        fail("#" + c.id + " preempted while promoted #" + o.id + " waits");
                    }
                }
                assertTrue(rtDue, () -> "#" + c.id + " preempted though no RT call had waited the grace");
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
                victims.clear();
                List<Call> preempted = withState("preempted");
                List<Call> holders = withState("granted");
                String what;
                if (!preempted.isEmpty()) {
                    reacquire(preempted.get(0));
                    what = "re-acquire #" + preempted.get(0).id;
                } else if (!holders.isEmpty()) {
                    Call c = holders.get(0);
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
            Call oldestRt = null;
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
                        if (oldestRt == null || c.arrival < oldestRt.arrival) {
                            oldestRt = c;
                        }
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

            // The preemption rule itself: a due RT call does not wait while it could preempt.
            Call due = oldestRt;
            if (due != null && now - due.arrival >= grace && promotedWaiting == 0) {
                for (Call c : active) {
                    assertFalse(c.offered, () -> context + ": RT " + due + " waited the grace while " + c
                            + " is offered and no promoted BE call waits");
                }
            }

            // Victims: the youngest offered, and no more than the RT calls that got their slots.
            int rtFromQueue = 0;
            for (Call c : grantedThisStep) {
                if (c.priority == RT && !c.startsAtOnce) {
                    rtFromQueue++;
                }
            }
            int rtGrants = rtFromQueue;
            assertTrue(victims.size() <= rtGrants,
                    () -> context + ": " + victims.size() + " preemptions for " + rtGrants + " RT grants");
            for (Permit v : victims) {
                for (Call c : active) {
                    if (c.offered) {
                        assertTrue(c.permit.grantedNanos() <= v.grantedNanos(),
                                context + ": " + c + " is younger than the victim " + v);
                    }
                }
            }

            // Order: no call that asked before a granted call (in the order of its class) still waits.
            for (Call g : grantedThisStep) {
                if (g.firstAttempt && g.startsAtOnce) {
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
            return held(BE) + Math.max(policy.rtReservedSlots(), held(RT)) < policy.totalSlots();
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
