package dev.rtbe.agent.ledger.redis;

import static dev.rtbe.agent.scheduler.Priority.BE;
import static dev.rtbe.agent.scheduler.Priority.RT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.config.Coordination;
import dev.rtbe.agent.config.BadValueException;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.scheduler.VirtualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several "JVMs" (fleets with their own session, as separate processes would have) on one real
 * Redis: sessions that expire, lost notices recovered from the mailbox, Redis stopped (fallback)
 * and restarted empty (re-assertion). The scripts run on a virtual clock.
 */
class RedisFleetTest {
    private static final String POOL = "localhost:11434|_default";
    private static EmbeddedRedis redis;
    private static int fleets;

    private final VirtualClock clock = new VirtualClock();
    private final List<RedisFleet> open = new ArrayList<>();
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final String name = "fleet" + (++fleets);

    @BeforeAll
    static void startRedis() {
        redis = new EmbeddedRedis();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void close() {
        open.forEach(RedisFleet::close);
    }

    private RedisFleet jvm() {
        RedisFleet f = new RedisFleet(coordination(), name, null, null, Duration.ofSeconds(10), 2, clock,
                () -> clock.nanoTime() / 1_000_000L, false, new AgentLog(new PrintStream(logged, true)), 60_000);
        open.add(f);
        f.start();
        return f;
    }

    private static Coordination coordination() {
        try {
            return Coordination.parse(redis.url());
        } catch (BadValueException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SchedulerPolicy policy(int n) {
        return SchedulerPolicy.builder(n).rtReservedSlots(n > 1 ? 1 : 0).build();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting until " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void slotsAreSharedAcrossJvmsAndRtOvertakesAnotherJvmsBatch() throws Exception {
        RedisLedger a = jvm().ledger(POOL, policy(2));
        RedisLedger b = jvm().ledger(POOL, policy(2));
        Permit be = a.tryAcquire(BE);
        assertNotNull(be);
        assertNull(b.tryAcquire(BE), "N=2 R=1: the second slot is reserved for RT, fleet-wide");
        CompletableFuture<Permit> bBatch = b.acquireAsync(BE, null);
        Permit rt = b.tryAcquire(RT);
        assertNotNull(rt, "RT of another JVM takes the reserved slot");
        CompletableFuture<Permit> aRt = a.acquireAsync(RT, null);
        be.release();
        await(aRt::isDone, "A's RT call gets the freed slot, ahead of B's earlier batch call (by pub/sub)");
        assertFalse(bBatch.isDone());
        rt.release();
        aRt.join().release();
        await(bBatch::isDone, "B's batch call runs once RT is done");
    }

    /**
     * The race behind a once-in-four-runs failure of the test above: the script PUBLISHes the grant
     * before it replies, so the subscriber thread may claim the grant while the caller's thread is
     * still reading the reply. The try must still return the slot it was granted (before: null, and
     * the slot stayed held for good). Here the subscriber's part is played by a thread of the test,
     * and the two deliveries are put in exactly that order.
     */
    @Test
    void aTryGetsItsSlotWhenTheNoticeIsDeliveredFirstOnTheSubscriberThread() throws Exception {
        RedisFleet aFleet = jvm();
        RedisLedger a = aFleet.ledger(POOL, policy(2));
        aFleet.loseNotices(true); // the real subscriber stays out; the thread below delivers the notice
        Thread caller = Thread.currentThread();
        CountDownLatch claimed = new CountDownLatch(1);
        AtomicBoolean replyRead = new AtomicBoolean();
        AtomicBoolean tryReturned = new AtomicBoolean();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        a.interleaving = new RedisLedger.Interleaving() {
            @Override
            public void replied(String member) {
                Thread notices = new Thread(() -> aFleet.onNotice(member, "G\t" + POOL + "\t0", false, false));
                notices.start();
                try {
                    assertTrue(claimed.await(30, TimeUnit.SECONDS), "the notice thread claimed the grant");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                replyRead.set(true); // the caller now delivers the reply's grant, which is claimed already
            }

            @Override
            public void claimed(String member) {
                if (Thread.currentThread() == caller) {
                    failures.add(new AssertionError("the caller claimed the grant first"));
                    return;
                }
                claimed.countDown();
                try {
                    // the notice thread pauses until the caller waits for the permit (or gave up on it)
                    await(() -> replyRead.get() && caller.getState() == Thread.State.WAITING || tryReturned.get(),
                            "the caller reaches its wait");
                } catch (InterruptedException | AssertionError e) {
                    failures.add(e);
                }
            }
        };
        Permit be = a.tryAcquire(BE);
        tryReturned.set(true);
        a.interleaving = null;
        assertTrue(failures.isEmpty(), failures::toString);
        assertNotNull(be, "granted in Redis, so the try has its slot");
        assertEquals(1, a.snapshot().inFlight(BE));
        be.release();
        assertEquals(0, a.snapshot().inFlight(BE));
        assertNotNull(a.tryAcquire(BE), "the slot was not lost");
    }

    @Test
    void aDeadJvmsSlotsReturnWhenItsSessionExpires() {
        RedisFleet dying = jvm();
        RedisLedger a = dying.ledger(POOL, policy(1));
        RedisFleet living = jvm();
        RedisLedger b = living.ledger(POOL, policy(1));
        assertNotNull(a.tryAcquire(BE));
        CompletableFuture<Permit> waiting = b.acquireAsync(BE, null);
        dying.close(); // as kill -9: no release, no more heartbeats
        clock.advance(Duration.ofSeconds(9));
        living.heartbeat();
        assertFalse(waiting.isDone(), "the session is still alive");
        clock.advance(Duration.ofMillis(1001));
        living.heartbeat();
        assertTrue(waiting.isDone(), "the dead JVM's slot returned after the session TTL");
        assertEquals(1, b.snapshot().inFlight());
    }

    @Test
    void aLostNoticeReachesItsWaiterAtTheNextHeartbeat() {
        RedisFleet aFleet = jvm();
        RedisLedger a = aFleet.ledger(POOL, policy(1));
        RedisFleet bFleet = jvm();
        RedisLedger b = bFleet.ledger(POOL, policy(1));
        Permit held = a.tryAcquire(RT);
        CompletableFuture<Permit> waiting = b.acquireAsync(RT, null);
        bFleet.loseNotices(true);
        held.release();
        assertFalse(waiting.isDone(), "the grant's pub/sub message was lost");
        bFleet.heartbeat();
        assertTrue(waiting.isDone(), "the mailbox delivered it");
        assertEquals(1, bFleet.recoveredNotices());
    }

    @Test
    void aDroppedSubscriptionComesBack() throws Exception {
        RedisFleet aFleet = jvm();
        RedisLedger a = aFleet.ledger(POOL, policy(1));
        RedisFleet bFleet = jvm();
        RedisLedger b = bFleet.ledger(POOL, policy(1));
        await(() -> bFleet.subscriptions() == 1, "B subscribed");
        try (Jedis admin = redis.client()) {
            assertTrue(admin.clientKill(ClientKillParams.clientKillParams().type(ClientType.PUBSUB)) >= 1);
        }
        Permit held = a.tryAcquire(RT);
        CompletableFuture<Permit> waiting = b.acquireAsync(RT, null);
        await(() -> bFleet.subscriptions() == 2, "B subscribed again");
        held.release();
        await(waiting::isDone, "the grant arrived by pub/sub, with no heartbeat");
        assertEquals(RT, waiting.join().priority());
        assertEquals(0, bFleet.recoveredNotices());
    }

    @Test
    void aGrantSentWhileTheSubscriptionIsDownComesFromTheMailbox() throws Exception {
        RedisFleet aFleet = jvm();
        RedisLedger a = aFleet.ledger(POOL, policy(1));
        RedisFleet bFleet = jvm();
        RedisLedger b = bFleet.ledger(POOL, policy(1));
        await(() -> aFleet.subscribed() && bFleet.subscribed(), "both subscribed");
        Permit held = a.tryAcquire(RT);
        CompletableFuture<Permit> waiting = b.acquireAsync(RT, null);
        try (Jedis admin = redis.client()) {
            // no new connections (the scripts' connections stay): the dropped subscriber cannot come back yet
            String maxClients = admin.configGet("maxclients").get("maxclients");
            int clients = admin.clientList().split("\n").length;
            admin.configSet("maxclients", Integer.toString(clients - 2));
            try {
                assertEquals(2, admin.clientKill(ClientKillParams.clientKillParams().type(ClientType.PUBSUB)));
                await(() -> !bFleet.subscribed(), "B's subscription dropped");
                held.release(); // the grant's pub/sub message has no listener
                assertFalse(waiting.isDone(), "nobody heard the grant");
                bFleet.heartbeat();
                assertTrue(waiting.isDone(), "the mailbox delivered it at the next heartbeat");
                assertEquals(1, bFleet.recoveredNotices());
            } finally {
                admin.configSet("maxclients", maxClients);
            }
        }
        await(() -> bFleet.subscriptions() == 2, "B subscribed again once Redis took connections again");
        waiting.join().release();
    }

    @Test
    void redisStoppedMeansLocalAdmissionAndARestartRebuildsTheCounts() throws Exception {
        RedisFleet aFleet = jvm();
        RedisLedger a = aFleet.ledger(POOL, policy(4));
        Permit before = a.tryAcquire(RT);
        assertNotNull(before);
        redis.stop();
        try {
            CompletableFuture<Permit> during = a.acquireAsync(BE, null);
            assertTrue(during.isDone() && !during.isCompletedExceptionally(),
                    "no call fails: admitted by the local scheduler");
            assertEquals(RedisFleet.Mode.FALLBACK, aFleet.mode());
            assertEquals(1, aFleet.fallbacks());
            assertTrue(new String(logged.toByteArray(), StandardCharsets.UTF_8).contains("share:2"));
            assertEquals(1, a.fallback().snapshot().inFlight(), "share:2 of N=4: the local scheduler has 2 slots");
            aFleet.heartbeat(); // still down: stays in fallback, no second warning
            assertEquals(1, aFleet.fallbacks());
            before.release(); // a running call ends during the outage: nothing is lost
        } finally {
            redis.start();
        }
        aFleet.heartbeat();
        assertEquals(RedisFleet.Mode.REDIS, aFleet.mode());
        assertEquals(1, aFleet.reassertions(), "the call admitted in fallback is counted again, fleet-wide");
        RedisLedger b = jvm().ledger(POOL, policy(4));
        assertNotNull(b.tryAcquire(BE));
        assertNotNull(b.tryAcquire(BE));
        assertNull(b.tryAcquire(BE), "Redis restarted empty, yet A's call counts: BE may hold N - R = 3 slots");
        assertTrue(new String(logged.toByteArray(), StandardCharsets.UTF_8).contains("works again"));
    }

    @Test
    void aRedisRestartBetweenTwoCallsIsNoOutage() {
        RedisFleet aFleet = jvm();
        RedisLedger a = aFleet.ledger(POOL, policy(2));
        a.tryAcquire(RT).release();
        redis.stop();
        redis.start(); // the pooled connection died with the old server
        assertNotNull(a.tryAcquire(RT), "the script ran again on a new connection");
        assertEquals(RedisFleet.Mode.REDIS, aFleet.mode());
        assertEquals(0, aFleet.fallbacks(), "a dead pooled connection is not an outage");
        assertFalse(new String(logged.toByteArray(), StandardCharsets.UTF_8).contains("failed"));
    }

    @Test
    void aRestartEmptyRebuildsPreemptionOffersSoRtStillOvertakesABatchCall() throws Exception {
        SchedulerPolicy preemptive = SchedulerPolicy.builder(2).rtReservedSlots(1)
                .preemption(Duration.ZERO, 1).build();
        RedisFleet aFleet = jvm();
        RedisLedger a = aFleet.ledger(POOL, preemptive);
        RedisFleet bFleet = jvm();
        RedisLedger b = bFleet.ledger(POOL, preemptive);
        Permit batch = a.tryAcquire(BE);
        AtomicBoolean aborted = new AtomicBoolean();
        assertTrue(batch.offerPreemption(() -> aborted.set(true)));
        Permit rt = b.tryAcquire(RT);
        assertNotNull(rt, "N=2: one BE and one RT call run");
        redis.stop();
        redis.start(); // empty: no holders, no offers
        aFleet.heartbeat();
        bFleet.heartbeat();
        assertEquals(RedisFleet.Mode.REDIS, aFleet.mode());
        assertEquals(2, aFleet.reassertions(), "A's slot and its offer");
        assertEquals(1, bFleet.reassertions(), "B's slot");
        CompletableFuture<Permit> rt2 = b.acquireAsync(RT, null);
        await(rt2::isDone, "B's second RT call takes the slot of A's offered batch call at once (no grace)");
        aFleet.heartbeat(); // the revocation by the mailbox, if pub/sub has not brought it yet
        assertTrue(aborted.get(), "A's batch call was aborted, to be sent again");
        assertTrue(batch.isPreempted());
        assertEquals(0, aFleet.fallbacks());
        assertEquals(0, bFleet.fallbacks());
    }

    @Test
    void aWithdrawAfterARestartEmptyKeepsTheBatchCallRunning() {
        RedisFleet aFleet = jvm();
        RedisLedger a = aFleet.ledger(POOL, SchedulerPolicy.builder(2).rtReservedSlots(1)
                .preemption(Duration.ZERO, 1).build());
        Permit batch = a.tryAcquire(BE);
        AtomicBoolean aborted = new AtomicBoolean();
        assertTrue(batch.offerPreemption(() -> aborted.set(true)));
        redis.stop();
        redis.start(); // empty: Redis forgot the slot, and no RT call took it
        assertTrue(batch.withdrawPreemption(), "the response goes on to the application");
        assertFalse(aborted.get());
        assertFalse(batch.isPreempted());
        aFleet.heartbeat();
        assertEquals(1, aFleet.reassertions(), "the slot is counted again (its offer, withdrawn, is not)");
        assertEquals(0, aFleet.fallbacks());
        batch.release();
        assertEquals(0, a.snapshot().inFlight());
    }

    @Test
    void theFirstJvmsSettingsWinAndADifferentJvmIsWarned() {
        RedisLedger a = jvm().ledger(POOL, policy(1));
        assertNotNull(a.tryAcquire(BE));
        RedisLedger b = jvm().ledger(POOL, policy(3));
        assertNull(b.tryAcquire(RT), "the fleet runs N=1 as stored by the first JVM");
        assertEquals(1, b.snapshot().totalSlots());
        assertTrue(new String(logged.toByteArray(), StandardCharsets.UTF_8).contains("following the stored values"));
    }

    /** N=2, R=0, preemption at once, a budget of 0.01 over 100 s: 2 s of slot time, refilling at 0.02 s per second. */
    private static SchedulerPolicy budgeted(double share) {
        return SchedulerPolicy.builder(2).rtReservedSlots(0).promotionAfter(null).preemption(Duration.ZERO, 4)
                .preemptionBudget(share, Duration.ofSeconds(100)).build();
    }

    /** A streamed BE call (continued if preempted), offered, first token after {@code prefill}. */
    private Permit streamedBe(RedisLedger ledger, Duration prefill) throws Exception {
        Permit p = ledger.acquireAsync(BE, null).get(30, TimeUnit.SECONDS);
        p.reportProgress(0);
        assertTrue(p.offerPreemption(() -> { }));
        clock.advance(prefill);
        p.reportProgress(1);
        return p;
    }

    /** Moves the clock as the JVMs live through it: each heartbeats (every 3 s), so no session expires. */
    private void live(Duration d) {
        for (Duration left = d; !left.isZero(); ) {
            Duration step = left.compareTo(Duration.ofSeconds(3)) < 0 ? left : Duration.ofSeconds(3);
            clock.advance(step);
            open.forEach(RedisFleet::heartbeat);
            left = left.minus(step);
        }
    }

    /**
     * One preemption budget for the whole fleet: what one JVM's RT call spent, another JVM's cannot spend again,
     * and the JVM whose RT call waits for the budget settles the pool when it has grown (its own timer, on Redis's
     * arithmetic), preempting a batch call of the other JVM.
     */
    @Test
    void thePreemptionBudgetIsOneForTheFleet() throws Exception {
        RedisLedger a = jvm().ledger(POOL, budgeted(0.01));
        RedisLedger b = jvm().ledger(POOL, budgeted(0.01));
        Permit aBatch = streamedBe(a, Duration.ofMillis(1500));
        Permit bBatch = streamedBe(b, Duration.ofMillis(1500)); // a's call can be taken back: b may take the last slot
        live(Duration.ofSeconds(60));
        Permit aRt = a.acquireAsync(RT, null).get(30, TimeUnit.SECONDS);
        await(bBatch::isPreempted, "A's RT call preempts B's younger batch call (1.5 s of the 2 s budget)");
        assertFalse(aBatch.isPreempted());

        CompletableFuture<Permit> bRt = b.acquireAsync(RT, null);
        assertFalse(bRt.isDone(), "A spent the fleet's budget: 0.5 s left, B's RT call may not spend 1.5 s");
        live(Duration.ofSeconds(49)); // heartbeats settle the pool too: still too little
        assertFalse(bRt.isDone());
        assertFalse(aBatch.isPreempted());
        live(Duration.ofSeconds(2)); // at 50 s the budget covers it: B's timer settles the pool
        Permit got = bRt.get(30, TimeUnit.SECONDS);
        await(aBatch::isPreempted, "A's batch call is preempted by B's settle (by pub/sub)");
        assertEquals(Duration.ofSeconds(50).toNanos(), got.grantedNanos() - aRt.grantedNanos());
    }

    @Test
    void aJvmWithOtherPolicySettingsIsToldAndFollowsTheStoredOnes() {
        RedisLedger a = jvm().ledger(POOL, budgeted(0.01));
        RedisLedger b = jvm().ledger(POOL, budgeted(0.5));
        Permit be = a.tryAcquire(BE); // not offered: the last slot stays free for RT (A's budget rule)
        assertNotNull(be);
        assertNull(b.tryAcquire(BE), "the stored rule applies to B too");
        assertTrue(new String(logged.toByteArray(), StandardCharsets.UTF_8).contains("other scheduling settings"));
    }
}
