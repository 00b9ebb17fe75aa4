package dev.rtbe.agent.ledger.redis;

import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.ledger.SlotWaiter;
import dev.rtbe.agent.scheduler.Cancellable;
import dev.rtbe.agent.scheduler.HybridScheduler;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.QueueFullException;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import dev.rtbe.agent.scheduler.RtOrder;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.scheduler.SchedulerRejectedException;
import dev.rtbe.agent.scheduler.SchedulerSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The ledger of one pool shared by a fleet: the hybrid rule runs in Redis ({@link Scripts}), this
 * class keeps what this JVM waits for and holds. Grants arrive in a script's reply (this JVM's own
 * events), by pub/sub, or from the mailbox at the next heartbeat; whichever comes first counts.
 * While the fleet is in fallback mode, calls go to {@link #fallback}, a local scheduler.
 */
public final class RedisLedger implements SlotLedger, Permit.Owner {
    private static final long MILLI = 1_000_000L;

    private final RedisFleet fleet;
    private final String pool;
    private final SchedulerPolicy policy;
    private final HybridScheduler fallback;
    private final SchedulerClock clock;
    private final List<String> cfgArgs;

    private final Map<String, RedisWaiter> waiting = new ConcurrentHashMap<>();
    private final Map<String, Hold> held = new ConcurrentHashMap<>();
    private final Map<Permit, Hold> byPermit = new ConcurrentHashMap<>();
    /** Slots admitted by the local scheduler in fallback mode, re-asserted while they run. */
    private final Map<Permit, String> fallbackPermits = new ConcurrentHashMap<>();
    /** Grants that came by pub/sub before the acquire's own reply registered the waiter. */
    private final Map<String, Grant> early = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();
    private volatile int[] counts;
    private volatile boolean warnedSettings;
    private volatile boolean warnedPolicy;
    /** A settle Redis asked for (the budget will cover a waiting preemption then), and when; null when none. */
    private final Object settleLock = new Object();
    private Cancellable settleTimer;
    private long settleAt;

    // Counters of this JVM, for the snapshot: index 0 RT, 1 BE.
    private final AtomicLongArray granted = new AtomicLongArray(2);
    private final AtomicLongArray released = new AtomicLongArray(2);
    private final AtomicLongArray rejectedQueueFull = new AtomicLongArray(2);
    private final AtomicLongArray rejectedMaxWait = new AtomicLongArray(2);
    private final AtomicLongArray rejectedCallTimeout = new AtomicLongArray(2);
    private final AtomicLongArray cancelled = new AtomicLongArray(2);
    private final AtomicLong promotions = new AtomicLong();
    private final AtomicLong preemptions = new AtomicLong();
    private final AtomicLong preemptedSlotNanos = new AtomicLong();

    /**
     * Tests only (null in production): called at the two moments where a script's reply and a
     * notice on the subscriber thread may both be delivering one grant, so a test can order them.
     */
    interface Interleaving {
        /** The acquire's reply is in and its waiter registered; the reply's grant is not delivered yet. */
        void replied(String member);

        /** A thread claimed the grant of {@code member}; the waiter does not have its permit yet. */
        void claimed(String member);
    }

    volatile Interleaving interleaving;

    /** A grant as Redis sent it: promoted or not, and the BE call's aging mark ("" for RT). */
    private static final class Grant {
        final boolean promoted;
        final String agingMark;

        Grant(boolean promoted, String agingMark) {
            this.promoted = promoted;
            this.agingMark = agingMark;
        }
    }

    /** One granted slot of this JVM, as Redis knows it. */
    private static final class Hold {
        final String member;
        final Priority priority;
        final long arrivalMillis;
        /** Redis's aging clock when the call arrived: a preempted call asks again with it, keeping what it aged. */
        final String agingMark;
        final Permit permit;
        volatile Runnable abort;
        /** When its first token came (this JVM's clock), or {@link #NO_TOKEN}: the prefill is what a preemption costs. */
        volatile long firstTokenNanos = NO_TOKEN;
        boolean requeued;

        Hold(String member, Priority priority, long arrivalMillis, String agingMark, Permit permit) {
            this.member = member;
            this.priority = priority;
            this.arrivalMillis = arrivalMillis;
            this.agingMark = agingMark;
            this.permit = permit;
        }

        /** Grant to first token in ms, or -1 while no token came. */
        long prefillMillis() {
            long first = firstTokenNanos;
            return first == NO_TOKEN ? -1 : Math.max(0, first - permit.grantedNanos()) / MILLI;
        }
    }

    private static final long NO_TOKEN = Long.MIN_VALUE;

    RedisLedger(RedisFleet fleet, String pool, SchedulerPolicy policy, SchedulerPolicy fallbackPolicy,
                SchedulerClock clock) {
        this.fleet = fleet;
        this.pool = pool;
        this.policy = policy;
        this.fallback = new HybridScheduler(fallbackPolicy, clock);
        this.clock = clock;
        long promote = policy.promotionAfterNanos();
        boolean budgeted = policy.preemptionBudgeted();
        this.cfgArgs = Arrays.asList(Integer.toString(policy.totalSlots()), Integer.toString(policy.rtReservedSlots()),
                policy.rtOrder() == RtOrder.LIFO ? "1" : "0",
                Long.toString(promote == SchedulerPolicy.UNLIMITED ? -1 : promote / MILLI),
                Long.toString(policy.preemptionGraceNanos() / MILLI), policy.preemption() ? "1" : "0",
                budgeted ? Double.toString(policy.preemptionBudget()) : "-1",
                budgeted ? Long.toString(policy.preemptionBudgetWindowNanos() / MILLI) : "0",
                Double.toString(policy.reserveAboveRtLoad()), policy.agingPassedOver() ? "1" : "0");
        this.counts = new int[] {0, 0, 0, 0, policy.totalSlots(), policy.rtReservedSlots()};
    }

    String pool() {
        return pool;
    }

    List<String> cfgArgs() {
        return cfgArgs;
    }

    @Override
    public SchedulerPolicy policy() {
        return policy;
    }

    @Override
    public SchedulerClock clock() {
        return clock;
    }

    /** The local scheduler used while Redis cannot be reached. */
    public HybridScheduler fallback() {
        return fallback;
    }

    private boolean redis() {
        return fleet.mode() == RedisFleet.Mode.REDIS;
    }

    // ---- asking for a slot

    @Override
    public CompletableFuture<Permit> acquireAsync(Priority priority, Duration timeout) {
        if (!redis()) {
            return local(fallback.acquireAsync(priority, timeout));
        }
        RedisWaiter w = new RedisWaiter(this, priority, clock.nanoTime(), 0, timeout, false);
        fleet.execute(() -> admit(w, "queue"));
        return w;
    }

    @Override
    public Permit acquire(Priority priority, Duration timeout) throws InterruptedException, SchedulerRejectedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return SlotWaiter.await(acquireAsync(priority, timeout));
    }

    @Override
    public CompletableFuture<Permit> reacquireAsync(Permit preempted, Duration timeout) {
        if (fallbackPermits.containsKey(preempted)) {
            fallbackPermits.remove(preempted);
            return local(fallback.reacquireAsync(preempted, timeout));
        }
        if (!preempted.isPreempted()) {
            throw new IllegalArgumentException("not a preempted permit: " + preempted);
        }
        Hold hold = byPermit.get(preempted);
        if (hold == null || hold.requeued) {
            throw new IllegalStateException("preempted permit re-acquired already (a call asks again once per "
                    + "preemption, with the permit it lost): " + preempted);
        }
        hold.requeued = true;
        byPermit.remove(preempted);
        if (!redis()) {
            return local(fallback.acquireAsync(Priority.BE, timeout));
        }
        RedisWaiter w = new RedisWaiter(this, Priority.BE, preempted.arrivalNanos(), preempted.preemptions() + 1,
                timeout, false);
        w.member = hold.member;
        w.arrivalMillis = hold.arrivalMillis;
        w.agingMark = hold.agingMark;
        fleet.execute(() -> admit(w, "requeue"));
        return w;
    }

    @Override
    public Permit reacquire(Permit preempted, Duration timeout) throws InterruptedException, SchedulerRejectedException {
        return SlotWaiter.await(reacquireAsync(preempted, timeout));
    }

    /**
     * Asks Redis for a slot that may be taken now. An answer of "granted" is final, but the permit
     * may reach the waiter by the reply or by the fleet's notice on the subscriber thread, whichever
     * claims it first; so this waits for the waiter, never for a particular delivery path.
     */
    @Override
    public Permit tryAcquire(Priority priority) {
        if (!redis()) {
            return track(fallback.tryAcquire(priority));
        }
        RedisWaiter w = new RedisWaiter(this, priority, clock.nanoTime(), 0, null, true);
        fleet.execute(() -> admit(w, "try"));
        try {
            return SlotWaiter.await(w);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (SchedulerRejectedException e) {
            return null; // a try is never queued, so never rejected
        }
    }

    /** Sends the acquire script (runs in order with the fleet's other scripts). */
    private void admit(RedisWaiter w, String mode) {
        if (w.isDone()) {
            return; // cancelled before it was sent
        }
        if (!redis()) {
            moveToFallback(w);
            return;
        }
        boolean requeue = mode.equals("requeue");
        List<String> args = new ArrayList<>(cfgArgs);
        args.add(w.priority == Priority.RT ? "rt" : "be");
        args.add(Integer.toString(policy.maxQueueLength(w.priority)));
        args.add(mode);
        args.add(requeue ? w.member : Long.toString(calls.incrementAndGet()));
        args.add(requeue ? Long.toString(w.arrivalMillis) : "");
        args.add(requeue ? w.agingMark : "");
        Reply r = fleet.run(Scripts.ACQUIRE, pool, args);
        if (r == null) {
            moveToFallback(w);
            return;
        }
        update(r);
        int p = w.priority.ordinal();
        if (r.status.equals("full")) {
            rejectedQueueFull.incrementAndGet(p);
            w.failFromLedger(new QueueFullException(w.priority, (int) r.longValue(0), policy.maxQueueLength(w.priority)));
            deliver(r);
            return;
        }
        if (r.status.equals("none")) {
            deliver(r);
            w.complete(null); // a try found no slot it may take now
            return;
        }
        String member = r.values[0];
        w.member = member;
        w.arrivalMillis = r.longValue(1);
        w.position = (int) r.longValue(2);
        waiting.put(member, w);
        if (!w.trying) { // a try was granted already: no limits to watch
            scheduleDeadline(w, requeue ? SchedulerPolicy.UNLIMITED : policy.maxWaitNanos(w.priority));
            scheduleGrace(w);
        }
        if (w.isDone() && waiting.remove(member, w)) {
            cancelInRedis(w); // cancelled while the script ran
        }
        Interleaving probe = interleaving;
        if (probe != null) {
            probe.replied(member);
        }
        deliver(r);
        Grant early = this.early.remove(member);
        if (early != null) {
            grant(member, early);
        }
    }

    private void scheduleDeadline(RedisWaiter w, long classLimit) {
        long callLimit = SchedulerPolicy.callLimitNanos(w.callTimeout);
        long limit = Math.min(classLimit, callLimit);
        if (limit == SchedulerPolicy.UNLIMITED) {
            return;
        }
        boolean isCallTimeout = callLimit < classLimit;
        long deadline = w.arrivalNanos + limit < w.arrivalNanos ? Long.MAX_VALUE : w.arrivalNanos + limit;
        w.deadline = clock.schedule(deadline, () -> fleet.execute(() -> expire(w, limit, isCallTimeout)));
    }

    /** An RT waiter's grace is over: ask Redis to settle the pool, which may preempt for it. */
    private void scheduleGrace(RedisWaiter w) {
        long grace = policy.preemptionGraceNanos();
        if (w.priority != Priority.RT || !policy.preemption() || grace == 0) {
            return; // with no grace the acquire script preempted already
        }
        w.grace = clock.schedule(w.arrivalNanos + grace, () -> fleet.execute(() -> {
            if (waiting.get(w.member) == w && redis()) {
                Reply r = fleet.run(Scripts.PREEMPT, pool, cfgArgs);
                if (r != null) {
                    update(r);
                    deliver(r);
                }
            }
        }));
    }

    private void expire(RedisWaiter w, long limitNanos, boolean callTimeout) {
        String member = w.member;
        if (member == null || !waiting.remove(member, w)) {
            return;
        }
        w.stopTimers();
        (callTimeout ? rejectedCallTimeout : rejectedMaxWait).incrementAndGet(w.priority.ordinal());
        cancelInRedis(w);
        w.failFromLedger(new QueueTimeoutException(w.priority, clock.nanoTime() - w.arrivalNanos, limitNanos,
                callTimeout));
    }

    /** The waiter's future was cancelled or failed from outside. */
    void abandon(RedisWaiter w) {
        w.stopTimers();
        CompletableFuture<Permit> d = w.delegate;
        if (d != null) {
            d.cancel(false);
        }
        String member = w.member;
        if (member != null && waiting.remove(member, w)) {
            cancelled.incrementAndGet(w.priority.ordinal());
            fleet.execute(() -> cancelInRedis(w));
        }
    }

    /** Takes the waiter out in Redis; a slot granted to it meanwhile is released there, in the same step. */
    private void cancelInRedis(RedisWaiter w) {
        if (!redis()) {
            return; // the next heartbeat drops it
        }
        List<String> args = new ArrayList<>(cfgArgs);
        args.add(w.member);
        Reply r = fleet.run(Scripts.CANCEL, pool, args);
        if (r != null) {
            update(r);
            deliver(r);
        }
    }

    // ---- notices

    /** Handles the notices a script's reply carries for this JVM. */
    private void deliver(Reply r) {
        for (String[] notice : r.notices) {
            fleet.onNotice(notice[0], notice[1], false, true);
        }
    }

    /**
     * A grant or a revocation for {@code member}. {@code inOrder}: on the script thread, where no
     * acquire of this JVM is in flight, so a grant nobody waits for is a leftover to release.
     * Returns true when a grant reached its waiter.
     */
    boolean onNotice(String member, boolean grant, boolean promoted, String agingMark, boolean inOrder) {
        if (!grant) {
            revoke(member, inOrder);
            return false;
        }
        Grant g = new Grant(promoted, agingMark);
        if (grant(member, g)) {
            return true;
        }
        if (held.containsKey(member)) {
            return false;
        }
        if (!isOurs(member)) {
            return false;
        }
        if (inOrder) {
            releaseInRedis(member); // its waiter left (cancel lost while Redis was away)
        } else {
            early.put(member, g);
        }
        return false;
    }

    private boolean isOurs(String member) {
        return member.contains("|" + fleet.jvmId() + "|");
    }

    /**
     * Completes the waiter of {@code member} with a new permit; false if nobody waits for it or
     * another thread delivers it (the same grant may come by reply, pub/sub and mailbox).
     */
    private boolean grant(String member, Grant g) {
        RedisWaiter w = waiting.get(member);
        if (w == null) {
            return false;
        }
        boolean promoted = g.promoted;
        Permit permit = new Permit(this, w.priority, w.arrivalNanos, clock.nanoTime(), promoted, w.position,
                w.preemptions);
        Hold hold = new Hold(member, w.priority, w.arrivalMillis, g.agingMark, permit);
        if (held.putIfAbsent(member, hold) != null) {
            return false; // claimed by whoever delivers it
        }
        Interleaving probe = interleaving;
        if (probe != null) {
            probe.claimed(member);
        }
        if (!waiting.remove(member, w)) {
            held.remove(member, hold); // the waiter left at this moment: its cancel releases the slot
            return false;
        }
        w.stopTimers();
        byPermit.put(permit, hold);
        granted.incrementAndGet(w.priority.ordinal());
        if (promoted) {
            promotions.incrementAndGet();
        }
        if (!w.complete(permit)) {
            permit.release(); // cancelled between grant and delivery: the slot passes on
        }
        return true;
    }

    /** The slot of {@code member} went to an RT call: abort its exchange, or re-queue a waiter that never heard of its grant. */
    private void revoke(String member, boolean inOrder) {
        Hold hold = held.get(member);
        if (hold != null) {
            if (hold.abort == null) {
                // withdrawn already (its response reaches the application): the call keeps its slot,
                // and the next heartbeat counts it again in Redis
                return;
            }
            long now = clock.nanoTime();
            if (!hold.permit.claimForPreemption(now)) {
                return; // released at the same moment: nothing left to abort
            }
            held.remove(member);
            released.incrementAndGet(Priority.BE.ordinal());
            preemptions.incrementAndGet();
            preemptedSlotNanos.addAndGet(now - hold.permit.grantedNanos());
            Runnable abort = hold.abort;
            hold.abort = null;
            if (abort != null) {
                try {
                    abort.run();
                } catch (RuntimeException | LinkageError e) {
                    // the adapter's abort failed: the exchange ends on its own; the slot is already gone
                }
            }
            return;
        }
        RedisWaiter w = waiting.get(member);
        if (w != null && inOrder && waiting.remove(member, w)) {
            // its grant was lost and the slot taken back: it waits again, in arrival order
            fleet.execute(() -> admit(w, "requeue"));
        }
    }

    // ---- the permit's owner

    @Override
    public void onRelease(Permit permit) {
        Hold hold = byPermit.remove(permit);
        if (hold == null) {
            return;
        }
        held.remove(hold.member);
        released.incrementAndGet(hold.priority.ordinal());
        fleet.execute(() -> releaseInRedis(hold.member));
    }

    private void releaseInRedis(String member) {
        if (!redis()) {
            return; // the next heartbeat drops it
        }
        List<String> args = new ArrayList<>(cfgArgs);
        args.add(member);
        Reply r = fleet.run(Scripts.RELEASE, pool, args);
        if (r != null) {
            update(r);
            deliver(r);
        }
    }

    @Override
    public boolean offerPreemption(Permit permit, Runnable abort) {
        if (!policy.preemption() || permit.priority() != Priority.BE
                || permit.preemptions() >= policy.maxPreemptionsPerCall() || abort == null || !redis()) {
            return false;
        }
        Hold hold = byPermit.get(permit);
        if (hold == null || permit.isReleased() || hold.abort != null) {
            return false;
        }
        hold.abort = abort;
        fleet.execute(() -> {
            if (!redis() || hold.abort == null) {
                return;
            }
            List<String> args = new ArrayList<>(cfgArgs);
            args.add(hold.member);
            args.add(Long.toString(permit.progress())); // victim choice: fewest tokens first
            args.add(Long.toString(hold.prefillMillis())); // what preempting it costs, within the budget
            Reply r = fleet.run(Scripts.OFFER, pool, args);
            if (r != null) {
                update(r);
                deliver(r);
            }
        });
        return true;
    }

    /**
     * A BE call's first token came: its prefill is what a preemption now costs. If it is offered and the pool
     * has a budget, Redis learns it at once (not at the next heartbeat), as the local scheduler settles then:
     * an RT waiter may take it back, or a BE waiter may take the last slot beside it.
     */
    @Override
    public void onRunning(Permit permit) {
        Hold hold = byPermit.get(permit);
        if (hold == null || hold.priority != Priority.BE || hold.firstTokenNanos != NO_TOKEN) {
            return;
        }
        hold.firstTokenNanos = clock.nanoTime();
        if (hold.abort == null || !policy.preemptionBudgeted() || !redis()) {
            return;
        }
        fleet.execute(() -> {
            if (!redis() || hold.abort == null || permit.isReleased()) {
                return;
            }
            List<String> args = new ArrayList<>(cfgArgs);
            args.add(hold.member);
            args.add(Long.toString(permit.progress()));
            args.add(Long.toString(hold.prefillMillis()));
            Reply r = fleet.run(Scripts.PROGRESS, pool, args);
            if (r != null) {
                update(r);
                deliver(r);
            }
        });
    }

    /**
     * Redis asks for a settle in {@code millis}: the budget will then cover a preemption (or the last slot) that
     * waits on it. One timer per pool, the earliest; any event of the fleet settles the pool as well.
     */
    void settleIn(long millis) {
        long at = clock.nanoTime() + Math.max(1, millis) * MILLI;
        Cancellable stale;
        synchronized (settleLock) {
            if (settleTimer != null && settleAt <= at) {
                return;
            }
            stale = settleTimer;
            settleAt = at;
            settleTimer = clock.schedule(at, () -> fleet.execute(this::settleNow));
        }
        if (stale != null) {
            stale.cancel();
        }
    }

    private void settleNow() {
        synchronized (settleLock) {
            settleTimer = null;
        }
        if (!redis()) {
            return;
        }
        Reply r = fleet.run(Scripts.PREEMPT, pool, cfgArgs);
        if (r != null) {
            update(r);
            deliver(r);
        }
    }

    /** The fleet stores other settings for this pool than this JVM's (beyond N and R, warned about in update). */
    void settingsDiffer() {
        if (!warnedPolicy) {
            warnedPolicy = true;
            fleet.warn("pool " + pool + ": the fleet stores other scheduling settings (RT order, aging, preemption, "
                    + "budget, reserve-above) than this JVM's " + policy + "; following the stored values (set them "
                    + "alike in every JVM of the fleet)");
        }
    }

    /** A continued call kept this much of its lost attempt: it was not thrown away (net wasted time). */
    @Override
    public void onKeptAfterPreemption(Permit permit, long keptNanos) {
        preemptedSlotNanos.addAndGet(-Math.min(keptNanos, permit.preemptedNanos() - permit.grantedNanos()));
    }

    @Override
    public boolean withdrawPreemption(Permit permit) {
        if (permit.isPreempted()) {
            return false;
        }
        Hold hold = byPermit.get(permit);
        if (hold == null || hold.abort == null) {
            return true;
        }
        if (!redis()) {
            hold.abort = null;
            return !permit.isPreempted();
        }
        // On this thread: the answer is needed now. It adds or removes no member, so it may pass the queue.
        List<String> args = new ArrayList<>(cfgArgs);
        args.add(hold.member);
        Reply r = fleet.run(Scripts.WITHDRAW, pool, args);
        if (r != null && r.status.equals("preempted")) {
            revoke(hold.member, false); // its notice is on the way; act on it now
            return false;
        }
        // ok, or Redis lost the slot (restarted empty): the call runs on and the heartbeat re-asserts it
        hold.abort = null;
        return !permit.isPreempted();
    }

    // ---- fallback and heartbeat

    /** Redis is gone: every queued call moves to the local scheduler, keeping what is left of its own timeout. */
    void toFallback() {
        for (RedisWaiter w : new ArrayList<>(waiting.values())) {
            if (waiting.remove(w.member, w)) {
                moveToFallback(w);
            }
        }
    }

    private void moveToFallback(RedisWaiter w) {
        w.stopTimers();
        if (w.trying) {
            w.complete(track(fallback.tryAcquire(w.priority)));
            return;
        }
        Duration left = w.callTimeout == null ? null
                : w.callTimeout.minusNanos(clock.nanoTime() - w.arrivalNanos);
        CompletableFuture<Permit> f = w.preemptions > 0 ? fallback.acquireAsync(Priority.BE, left)
                : fallback.acquireAsync(w.priority, left);
        w.delegate = f;
        f.whenComplete((permit, error) -> {
            if (permit != null) {
                track(permit);
                if (!w.complete(permit)) {
                    permit.release();
                }
            } else if (!(error instanceof java.util.concurrent.CancellationException)) {
                w.failFromLedger(error instanceof java.util.concurrent.CompletionException ? error.getCause() : error);
            }
        });
    }

    private CompletableFuture<Permit> local(CompletableFuture<Permit> f) {
        f.thenAccept(this::track);
        return f;
    }

    private Permit track(Permit permit) {
        if (permit != null) {
            fallbackPermits.put(permit, String.format("f%011d|%s|f%d", calls.incrementAndGet(), fleet.jvmId(),
                    calls.get()));
        }
        return permit;
    }

    /** What this JVM waits for, holds and offers for preemption, for the heartbeat: pool, where, member, score. */
    void entries(List<String> out) {
        for (RedisWaiter w : waiting.values()) {
            out.addAll(Arrays.asList(pool, w.priority == Priority.RT ? "wrt" : "wbe", w.member,
                    Long.toString(w.arrivalMillis)));
        }
        for (Hold h : held.values()) {
            if (!h.permit.isReleased()) {
                String score = Long.toString(h.arrivalMillis);
                out.addAll(Arrays.asList(pool, h.priority == Priority.RT ? "hrt" : "hbe", h.member, score));
                if (h.abort != null) { // offered for preemption: after a restart, the offer is rebuilt too
                    out.addAll(Arrays.asList(pool, "off", h.member, score));
                    long tokens = h.permit.progress();
                    if (tokens >= 0) { // its progress so far, for the victim choice
                        out.addAll(Arrays.asList(pool, "prg", h.member, Long.toString(tokens)));
                    }
                    long prefill = h.prefillMillis();
                    if (prefill >= 0) { // what preempting it costs, for the budget
                        out.addAll(Arrays.asList(pool, "pfl", h.member, Long.toString(prefill)));
                    }
                }
            }
        }
        // a preempted one stays until its call asks again (reacquire finds it here), but holds nothing
        fallbackPermits.keySet().removeIf(p -> p.isReleased() && !p.isPreempted());
        for (Map.Entry<Permit, String> e : fallbackPermits.entrySet()) {
            if (e.getKey().isReleased()) {
                continue;
            }
            out.addAll(Arrays.asList(pool, e.getKey().priority() == Priority.RT ? "hrt" : "hbe", e.getValue(), "0"));
        }
    }

    /** The mailbox read by this heartbeat holds every grant sent so far: pub/sub leftovers can go. */
    void afterHeartbeat() {
        early.clear();
    }

    private void update(Reply r) {
        counts = r.counts;
        int n = r.counts[4];
        int rr = r.counts[5];
        if (!warnedSettings && n > 0 && (n != policy.totalSlots() || rr != policy.rtReservedSlots())) {
            warnedSettings = true;
            fleet.warn("pool " + pool + ": the fleet stores N=" + n + " R=" + rr + " but this JVM has N="
                    + policy.totalSlots() + " R=" + policy.rtReservedSlots() + "; following the stored values");
        }
    }

    /**
     * This JVM's view: the calls it holds slots for and has waiting (in Redis and, during or after a
     * fallback, in the local scheduler), against the fleet's N and R as stored. Exact, never a stale
     * copy of the fleet-wide counts.
     */
    @Override
    public SchedulerSnapshot snapshot() {
        int[] inFlight = new int[2];
        int[] queued = new int[2];
        for (Hold h : held.values()) {
            inFlight[h.priority.ordinal()]++;
        }
        for (RedisWaiter w : waiting.values()) {
            queued[w.priority.ordinal()]++;
        }
        SchedulerSnapshot local = fallback.snapshot();
        for (Priority p : Priority.values()) {
            inFlight[p.ordinal()] += local.inFlight(p);
            queued[p.ordinal()] += local.queued(p);
        }
        int[] c = counts;
        return new SchedulerSnapshot(c[4], c[5], inFlight, queued, 0,
                promotions.get(), array(granted), array(released), array(rejectedQueueFull), array(rejectedMaxWait),
                array(rejectedCallTimeout), array(cancelled), preemptions.get(), preemptedSlotNanos.get());
    }

    private static long[] array(AtomicLongArray a) {
        return new long[] {a.get(0), a.get(1)};
    }

    @Override
    public String toString() {
        return "RedisLedger[" + pool + " " + fleet.mode() + "; " + policy + "]";
    }
}
