package dev.rtbe.agent.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.config.Coordination;
import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.ledger.redis.EmbeddedRedis;
import dev.rtbe.agent.ledger.redis.RedisFleet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Long seeded random runs on a virtual clock: arrivals of both classes (with and without their own
 * timeouts), grants, releases, double releases, cancels at any moment (also right after a grant),
 * failures from outside, try-acquires and clock jumps that fire wait limits and promotions. After
 * every event the scheduler must agree exactly with {@link ReferenceModel} and satisfy
 * {@link Invariants}; at the end every call must have ended exactly one way. A failure names its
 * seed, so it can be replayed. The same runs drive the fleet's ledger too: its Lua scripts on a real
 * redis-server must agree with the same model.
 */
@Execution(ExecutionMode.CONCURRENT) // each case is its own computation: two at a time, one per core
class RandomizedSchedulerTest {
    static final int STEPS = 400;

    @ParameterizedTest(name = "N={0} R={1} {2} promotion={3}s maxLen={4} maxWait={5}s: {6} seeds")
    @CsvSource({
            "1, 0, FIFO, 20, 4, 0, 500",
            "2, 1, FIFO, 20, 6, 0, 500",
            "2, 1, LIFO, 20, 6, 15, 500",
            "3, 1, FIFO, 10, 8, 25, 500",
            "4, 2, LIFO, 5, 3, 0, 500",
            "5, 0, FIFO, 0, 10, 0, 250",
            "3, 2, LIFO, -1, 5, 40, 250",
    })
    void agreesWithTheReferenceModelAndKeepsTheInvariants(int n, int r, RtOrder order, int promotionSeconds,
                                                           int maxLength, int maxWaitSeconds, int seeds) {
        runSeeds(policy(n, r, order, promotionSeconds, maxLength, maxWaitSeconds).build(), seeds, 0);
    }

    private static SchedulerPolicy.Builder policy(int n, int r, RtOrder order, int promotionSeconds, int maxLength,
                                                  int maxWaitSeconds) {
        SchedulerPolicy.Builder builder = SchedulerPolicy.builder(n).rtReservedSlots(r).rtOrder(order)
                .promotionAfter(promotionSeconds < 0 ? null : Duration.ofSeconds(promotionSeconds))
                .maxQueueLength(Priority.RT, maxLength).maxQueueLength(Priority.BE, maxLength);
        if (maxWaitSeconds > 0) {
            builder.maxWait(Priority.BE, Duration.ofSeconds(maxWaitSeconds));
        }
        return builder;
    }

    /**
     * The same runs with aging by passed-over time ({@link SchedulerPolicy#agingPassedOver()}): a BE waiter ages
     * only while BE waits and RT holds more than R slots.
     */
    @ParameterizedTest(name = "passed-over aging: N={0} R={1} {2} promotion={3}s maxLen={4} maxWait={5}s: {6} seeds")
    @CsvSource({
            "1, 0, FIFO, 5, 4, 0, 200",
            "2, 1, FIFO, 5, 6, 0, 200",
            "2, 0, LIFO, 3, 6, 15, 200",
            "3, 1, FIFO, 2, 8, 25, 150",
            "4, 2, LIFO, 1, 3, 0, 150",
    })
    void agreesWithTheReferenceModelWithPassedOverAging(int n, int r, RtOrder order, int promotionSeconds,
                                                         int maxLength, int maxWaitSeconds, int seeds) {
        runSeeds(policy(n, r, order, promotionSeconds, maxLength, maxWaitSeconds).agingPassedOver(true).build(),
                seeds, 0);
        int maxN = Math.max(2, n); // and with N changing at run time
        runSeeds(policy(maxN, r, order, promotionSeconds, maxLength, 0).agingPassedOver(true).build(), seeds / 2, maxN);
    }

    /**
     * The same runs against the fleet's ledger (the rule as Lua scripts on a real redis-server, one JVM, the scripts'
     * clock driven by the run's virtual clock), with aging by the whole wait and by passed-over time. Fewer seeds:
     * every event is a round trip to Redis.
     */
    @ParameterizedTest(name = "redis: N={0} R={1} {2} promotion={3}s maxLen={4} maxWait={5}s passed-over={6}: {7} seeds")
    @CsvSource({
            "1, 0, FIFO, 20, 4, 0, false, 25",
            "2, 1, LIFO, 20, 6, 15, false, 25",
            "3, 1, FIFO, 10, 8, 25, false, 25",
            "1, 0, FIFO, 5, 4, 0, true, 25",
            "2, 1, FIFO, 5, 6, 0, true, 25",
            "2, 0, LIFO, 3, 6, 15, true, 25",
            "4, 2, LIFO, 1, 3, 0, true, 25",
    })
    void theFleetLedgerAgreesWithTheReferenceModel(int n, int r, RtOrder order, int promotionSeconds, int maxLength,
                                                  int maxWaitSeconds, boolean passedOver, int seeds) throws Exception {
        SchedulerPolicy policy = policy(n, r, order, promotionSeconds, maxLength, maxWaitSeconds)
                .agingPassedOver(passedOver).build();
        try (EmbeddedRedis redis = new EmbeddedRedis()) {
            Coordination target = Coordination.parse(redis.url());
            List<RedisFleet> fleets = new ArrayList<>();
            try {
                runSeeds(policy, seeds, 0, clock -> {
                    RedisFleet fleet = new RedisFleet(target, "random" + fleets.size(), null, null,
                            Duration.ofSeconds(10), 1, clock, () -> clock.nanoTime() / 1_000_000L, false,
                            AgentLog.stderr(), 60_000);
                    fleets.add(fleet);
                    fleet.start();
                    return fleet.ledger("localhost:11434|_default", policy);
                });
            } finally {
                fleets.forEach(RedisFleet::close);
            }
            for (RedisFleet f : fleets) {
                assertEquals(0, f.fallbacks(), "a run passed through the local fallback");
            }
        }
    }

    /**
     * The same runs with N changed at run time ({@link HybridScheduler#setTotalSlots}) between 1 and
     * {@code maxN}, a probe open one time in three: growing grants at once, shrinking revokes
     * nothing, R follows the configured R, a probe lets one call above N by its own rule.
     */
    @ParameterizedTest(name = "N=1..{0} R={1} {2} promotion={3}s maxLen={4}: {5} seeds")
    @CsvSource({
            "2, 1, FIFO, 20, 6, 300",
            "3, 1, LIFO, 10, 8, 300",
            "4, 2, FIFO, 5, 5, 300",
            "5, 0, FIFO, 0, 10, 150",
    })
    void agreesWithTheReferenceModelWhileNChanges(int maxN, int r, RtOrder order, int promotionSeconds,
                                                   int maxLength, int seeds) {
        SchedulerPolicy policy = SchedulerPolicy.builder(maxN).rtReservedSlots(r).rtOrder(order)
                .promotionAfter(promotionSeconds < 0 ? null : Duration.ofSeconds(promotionSeconds))
                .maxQueueLength(Priority.RT, maxLength).maxQueueLength(Priority.BE, maxLength).build();
        runSeeds(policy, seeds, maxN);
    }

    /** {@code maxN} > 0 adds N changes between 1 and maxN to the random events. */
    private static void runSeeds(SchedulerPolicy policy, int seeds, int maxN) {
        runSeeds(policy, seeds, maxN, clock -> new HybridScheduler(policy, clock));
    }

    private static void runSeeds(SchedulerPolicy policy, int seeds, int maxN, Function<VirtualClock, SlotLedger> ledgers) {
        for (int seed = 0; seed < seeds; seed++) {
            try {
                new Run(policy, seed, maxN, ledgers).execute();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " with " + policy + ": " + e.getMessage(), e);
            }
        }
    }

    private static final class Call {
        final int id;
        final ReferenceModel.Entry entry;
        final CompletableFuture<Permit> future;
        /** What the model says: queued, granted, full, expired, cancelled, released. */
        String expected;
        /** Checked once in a final state; later checks would only repeat it. */
        boolean settled;
        /** Its permit said the server runs it. */
        boolean reported;

        Call(int id, ReferenceModel.Entry entry, CompletableFuture<Permit> future) {
            this.id = id;
            this.entry = entry;
            this.future = future;
        }
    }

    private static final class Run {
        final SchedulerPolicy policy;
        final Random random;
        final VirtualClock clock = new VirtualClock();
        final SlotLedger scheduler;
        final ReferenceModel model;
        final List<Call> calls = new ArrayList<>();
        final Map<Integer, Call> byId = new HashMap<>();
        final int maxN;

        Run(SchedulerPolicy policy, long seed, int maxN, Function<VirtualClock, SlotLedger> ledgers) {
            this.policy = policy;
            this.maxN = maxN;
            this.random = new Random(seed);
            this.scheduler = ledgers.apply(clock);
            this.model = new ReferenceModel(policy);
        }

        void execute() {
            for (int step = 0; step < STEPS; step++) {
                int op = random.nextInt(100);
                String what;
                if (op < 40) {
                    what = arrive();
                } else if (op < 70) {
                    what = releaseOne();
                } else if (op < 78) {
                    what = cancelOne();
                } else if (op < 81) {
                    what = failOneFromOutside();
                } else if (op < 84) {
                    what = tryAcquire();
                } else if (maxN > 0 && op < 90) {
                    what = resize();
                } else {
                    what = advance();
                }
                verify("step " + step + " (" + what + ")");
            }
            drain();
        }

        String arrive() {
            Priority p = random.nextInt(4) == 0 ? Priority.RT : Priority.BE;
            Duration timeout = random.nextInt(5) == 0 ? Duration.ofSeconds(1 + random.nextInt(30)) : null;
            long now = clock.nanoTime();
            long classLimit = policy.maxWaitNanos(p);
            long limit = Math.min(classLimit, timeout == null ? SchedulerPolicy.UNLIMITED : timeout.toNanos());
            long deadline = limit == SchedulerPolicy.UNLIMITED ? Long.MAX_VALUE : now + limit;
            int id = calls.size();
            ReferenceModel.Entry entry = new ReferenceModel.Entry(id, p, now, deadline);
            Call call = new Call(id, entry, scheduler.acquireAsync(p, timeout));
            call.expected = model.arrive(entry, now);
            calls.add(call);
            byId.put(id, call);
            markGranted(model.dispatch(now)); // an RT start may let a BE waiter be the probe
            return "arrive " + p + " #" + id + (timeout == null ? "" : " timeout " + timeout);
        }

        String releaseOne() {
            List<Call> holders = withExpected("granted");
            if (holders.isEmpty()) {
                List<Call> done = withExpected("released");
                if (!done.isEmpty()) {
                    Call c = pick(done);
                    assertFalse(c.future.join().release(), "second release must be refused");
                    return "double release #" + c.id;
                }
                return "nothing to release";
            }
            Call c = pick(holders);
            assertTrue(c.future.join().release());
            c.expected = "released";
            model.release(c.entry.priority, clock.nanoTime());
            markGranted(model.dispatch(clock.nanoTime()));
            if (random.nextInt(10) == 0) {
                assertFalse(c.future.join().release());
            }
            return "release #" + c.id;
        }

        String cancelOne() {
            // Any call at all: cancelling one that was granted (even just now) must change nothing.
            if (calls.isEmpty()) {
                return "nothing to cancel";
            }
            Call c = pick(calls);
            boolean cancelled = c.future.cancel(random.nextBoolean());
            if (c.expected.equals("queued")) {
                assertTrue(cancelled, "a queued call can be cancelled");
                c.expected = "cancelled";
                model.remove(c.entry, clock.nanoTime());
                markGranted(model.dispatch(clock.nanoTime())); // with a probe, the other class may go
            } else {
                assertFalse(cancelled && !c.expected.equals("cancelled"), "cancelled a finished call #" + c.id);
            }
            return "cancel #" + c.id + " (" + c.expected + ")";
        }

        String failOneFromOutside() {
            List<Call> queued = withExpected("queued");
            if (queued.isEmpty()) {
                return "nothing to fail";
            }
            Call c = pick(queued);
            assertTrue(c.future.completeExceptionally(new IllegalStateException("caller gave up")));
            c.expected = "cancelled";
            model.remove(c.entry, clock.nanoTime());
            markGranted(model.dispatch(clock.nanoTime()));
            return "fail from outside #" + c.id;
        }

        String tryAcquire() {
            Priority p = random.nextBoolean() ? Priority.RT : Priority.BE;
            long now = clock.nanoTime();
            int id = calls.size();
            ReferenceModel.Entry entry = new ReferenceModel.Entry(id, p, now, Long.MAX_VALUE);
            boolean modelStarts = p == Priority.RT
                    ? model.rtQueue.isEmpty() && model.rtMayStart()
                    : model.beQueue.isEmpty() && model.rtQueue.isEmpty() && model.beMayStart();
            Permit permit = scheduler.tryAcquire(p);
            assertEquals(modelStarts, permit != null, "tryAcquire " + p);
            if (permit != null) {
                model.arrive(entry, now);
                Call call = new Call(id, entry, CompletableFuture.completedFuture(permit));
                call.expected = "granted";
                calls.add(call);
                byId.put(id, call);
                markGranted(model.dispatch(now));
            }
            return "tryAcquire " + p + " -> " + (permit != null);
        }

        String resize() {
            int n = 1 + random.nextInt(maxN);
            boolean probe = random.nextInt(3) == 0;
            ((HybridScheduler) scheduler).setTotalSlots(n, probe); // runs with resizes are local
            model.setTotalSlots(n, probe, clock.nanoTime());
            markGranted(model.dispatch(clock.nanoTime()));
            return "N=" + n + (probe ? " +probe" : "");
        }

        String advance() {
            long nanos = random.nextInt(3) == 0 ? Duration.ofSeconds(random.nextInt(60)).toNanos()
                    : Duration.ofMillis(random.nextInt(3000)).toNanos();
            clock.advanceNanos(nanos);
            ReferenceModel.Entry gone;
            while ((gone = model.expireNext(clock.nanoTime())) != null) {
                byId.get(gone.id).expected = "expired";
                markGranted(model.dispatch(gone.deadline));
            }
            return "advance " + nanos / 1_000_000 + "ms";
        }

        void drain() {
            // Cancel every waiter, release every holder: the scheduler must end empty and idle. A probe
            // is closed first: with one open a waiter leaving may let a waiter of the other class go.
            if (model.probe) {
                ((HybridScheduler) scheduler).setTotalSlots(model.n, false);
                model.setTotalSlots(model.n, false, clock.nanoTime());
            }
            for (Call c : calls) {
                if (c.expected.equals("queued")) {
                    c.future.cancel(false);
                    c.expected = "cancelled";
                    model.remove(c.entry, clock.nanoTime());
                }
            }
            while (!withExpected("granted").isEmpty()) {
                releaseOne();
                for (Call c : calls) {
                    if (c.expected.equals("queued")) {
                        fail("nothing should be queued while draining");
                    }
                }
            }
            verify("drained");
            SchedulerSnapshot s = scheduler.snapshot();
            assertEquals(0, s.inFlight());
            assertEquals(0, s.queued(Priority.RT) + s.queued(Priority.BE));
            assertEquals(0, clock.pendingTasks(), "no deadline task may outlive its waiter");
            for (Call c : calls) {
                assertTrue(c.future.isDone(), "#" + c.id + " never ended");
            }
            long grants = s.granted(Priority.RT) + s.granted(Priority.BE);
            long releases = s.released(Priority.RT) + s.released(Priority.BE);
            assertEquals(grants, releases, "every grant released exactly once");
        }

        void markGranted(List<Integer> ids) {
            for (int id : ids) {
                byId.get(id).expected = "granted";
            }
            reportRunning();
        }

        /**
         * Every RT call granted says at once that the server runs it (its first token), so a probe
         * may start as the model, which knows no first tokens, lets it.
         */
        void reportRunning() {
            for (Call c : calls) {
                if (c.reported || !c.future.isDone() || c.future.isCompletedExceptionally()) {
                    continue;
                }
                Permit p = c.future.join();
                if (p.priority() == Priority.RT) {
                    c.reported = true;
                    p.running();
                }
            }
        }

        void verify(String context) {
            long now = clock.nanoTime();
            int heldRt = 0;
            int heldBe = 0;
            for (Call c : calls) {
                if (c.settled) {
                    continue;
                }
                CompletableFuture<Permit> f = c.future;
                c.settled = !c.expected.equals("queued") && !c.expected.equals("granted");
                switch (c.expected) {
                    case "queued":
                        assertFalse(f.isDone(), context + ": #" + c.id + " should still wait");
                        break;
                    case "granted":
                    case "released":
                        awaitGrant(f, context + ": #" + c.id);
                        assertTrue(f.isDone() && !f.isCompletedExceptionally(),
                                context + ": #" + c.id + " should hold a slot, is " + f);
                        assertEquals(c.entry.priority, f.join().priority());
                        assertEquals(c.expected.equals("released"), f.join().isReleased(), context);
                        if (c.expected.equals("granted")) {
                            if (c.entry.priority == Priority.RT) {
                                heldRt++;
                            } else {
                                heldBe++;
                            }
                        }
                        break;
                    case "full":
                        assertFailed(f, QueueFullException.class, context, c);
                        break;
                    case "expired":
                        assertFailed(f, QueueTimeoutException.class, context, c);
                        break;
                    case "cancelled":
                        assertTrue(f.isCompletedExceptionally(), context + ": #" + c.id + " should be cancelled");
                        break;
                    default:
                        fail("unknown state " + c.expected);
                }
            }
            // Relaxed only while calls left over from a shrink still run (never in runs without resizes).
            Invariants.check(scheduler, heldRt, heldBe, model.overCommitted(), context);
            SchedulerSnapshot s = scheduler.snapshot();
            assertEquals(model.n, s.totalSlots(), context + ": N");
            assertEquals(model.r, s.rtReservedSlots(), context + ": R");
            assertEquals(model.rtQueue.size(), s.queued(Priority.RT), context);
            assertEquals(model.beQueue.size(), s.queued(Priority.BE), context);
            if (scheduler instanceof HybridScheduler) { // the fleet's ledger shows its own waiters, not their promotion
                assertEquals(model.promotedWaiting(now), s.promotedWaiting(), context + ": promoted waiters");
            }
        }

        /**
         * The fleet's ledger may hand a grant of its own waiter over on its notice thread, which claimed it first:
         * the waiter then completes a moment later. The local scheduler's are complete at once.
         */
        private static void awaitGrant(CompletableFuture<Permit> f, String context) {
            try {
                f.get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(context, e);
            } catch (TimeoutException | ExecutionException | CancellationException e) {
                // not granted: the assertion below says so
            }
        }

        private static void assertFailed(CompletableFuture<Permit> f, Class<?> type, String context, Call c) {
            assertTrue(f.isCompletedExceptionally(), context + ": #" + c.id + " should have failed");
            try {
                f.join();
            } catch (CancellationException e) {
                fail(context + ": #" + c.id + " cancelled instead of " + type.getSimpleName());
            } catch (RuntimeException e) {
                assertTrue(type.isInstance(e.getCause()), context + ": #" + c.id + " failed with " + e.getCause());
            }
        }

        List<Call> withExpected(String state) {
            List<Call> out = new ArrayList<>();
            for (Call c : calls) {
                if (c.expected.equals(state)) {
                    out.add(c);
                }
            }
            return out;
        }

        <T> T pick(List<T> list) {
            return list.get(random.nextInt(list.size()));
        }
    }
}
