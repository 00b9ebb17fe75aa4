package dev.rtbe.agent.scheduler;

import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.ledger.SlotWaiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hybrid RT/BE slot scheduler.
 *
 * <p>Admission, decided and claimed under one lock: RT may start iff {@code inFlight < N}; BE may
 * start iff {@code beInFlight + max(R, rtInFlight) < N}. RT waiters are served FIFO (or LIFO), BE
 * waiters FIFO. A BE waiter that has waited {@code promotionAfter} is promoted: it then beats RT
 * for any slot BE may take, oldest first. After every event the scheduler grants until nobody who
 * may start is left waiting, so no waiter waits while a slot it may take is free.
 *
 * <p>Correct by construction where the seed's Python scheduler was not: there are no per-class
 * pools to move permits between, only two in-flight counters; a permit knows its class and is
 * released once (compare-and-set); the hand-off to a waiter is decided under the lock and
 * delivered after it, and a waiter that was cancelled in between hands its slot straight back.
 * Nothing blocks while holding the lock, and futures are completed outside it, so the caller's
 * continuations never run under it.
 *
 * <p>Transparent preemption (when the policy turns it on): a running BE call whose holder offered
 * it ({@link Permit#offerPreemption}) may lose its slot to an RT call that has waited the grace and
 * has no slot to take. The victim is the offered call with the fewest tokens generated, as far as its
 * holder reports them, else the youngest (it loses the least work); its slot
 * goes straight to that RT call in the same step (not to a promoted BE waiter: slots freed by
 * calls ending still serve those first, so aging keeps its promise), and the holder's abort
 * action runs after the lock is released. The holder then asks again with {@link #reacquire}: it
 * rejoins the BE queue in arrival order (in front of everyone who came after it), keeping its
 * arrival time for aging. A call preempted {@code maxPreemptionsPerCall} times is immune, so
 * every batch call finishes.
 *
 * <p>With a preemption budget ({@link SchedulerPolicy#preemptionBudgeted()}) preemption never does worse
 * than reservation: a preemption spends the victim's expected loss (its prefill when it continues from
 * its output, all of its time when it restarts) from a bucket that fills at the budget's share of the
 * slot time; BE takes the last slot RT could use only while every other running BE call can be taken
 * back within the budget; and while the RT load is high the pool works as with R = 1.
 *
 * <p>With {@link SchedulerPolicy#agingPassedOver()} a BE waiter ages only while it is passed over by
 * RT (BE waits and RT holds more slots than it has reserved), not while it waits behind other BE calls.
 *
 * <p>N may change at run time ({@link #setTotalSlots}), when it is learned from the server; while
 * it is learned, one batch call may be let above N to probe N + 1 ({@link #setTotalSlots(int, boolean)}).
 */
public final class HybridScheduler implements SlotLedger, Permit.Owner {
    /** Replaced (never mutated) under the lock by {@link #setTotalSlots}; read freely. */
    private volatile SchedulerPolicy policy;
    /** R as configured: the current R is this, clamped to N - 1. */
    private final int configuredRtReserved;
    private final SchedulerClock clock;
    private final ReentrantLock lock = new ReentrantLock();

    // Everything below is guarded by lock.
    private final WaitQueue rtQueue = new WaitQueue();
    private final WaitQueue beQueue = new WaitQueue();
    /** The oldest BE waiter not yet promoted. BE is FIFO, so promoted waiters form a prefix. */
    private Waiter nextToPromote;
    private int rtInFlight;
    private int beInFlight;
    private int promotedWaiting;
    private long promotions;
    private final long[] granted = new long[2];
    private final long[] released = new long[2];
    private final long[] rejectedQueueFull = new long[2];
    private final long[] rejectedMaxWait = new long[2];
    private final long[] rejectedCallTimeout = new long[2];
    private final long[] cancelled = new long[2];
    /** Running BE permits offered for preemption, in offer order. */
    private final List<Permit> preemptible = new ArrayList<>();
    private long preemptions;
    private long preemptedSlotNanos;
    /** RT calls granted whose first token has not come yet ({@link Permit#running()}). */
    private int rtNotRunning;
    /** No probe starts before this: the policy's probe spacing after the last grant. */
    private long probeNotBefore = Long.MIN_VALUE;
    /** With a preemption budget: slot time preemption may still throw away (slot-nanoseconds); starts full. */
    private double budgetNanos = Double.NaN;
    private long budgetAt;
    /** A settle when the budget will have grown enough for what waits on it; null when none is due. */
    private Cancellable budgetTimer;
    private long budgetTimerAt;
    /**
     * The aging clock: with {@link SchedulerPolicy#agingPassedOver()} it runs only while BE calls wait and RT
     * holds a slot beyond the R reserved ones (one BE could have used), else with real time. A waiter is
     * promoted once it has advanced the promotion time since the waiter arrived. It never runs backwards,
     * so waiters are promoted in arrival order.
     */
    private long agingNanos;
    private long agingAt = Long.MIN_VALUE;
    /** RT calls in flight, exponentially averaged over {@link SchedulerPolicy#RT_LOAD_AVERAGE_NANOS}. */
    private double rtLoad;

    public HybridScheduler(SchedulerPolicy policy, SchedulerClock clock) {
        this.policy = policy;
        this.configuredRtReserved = policy.rtReservedTarget();
        this.clock = clock;
    }

    /** The current policy: N and R as they are now (see {@link #setTotalSlots}). */
    @Override
    public SchedulerPolicy policy() {
        return policy;
    }

    /** R as configured; the current R ({@code policy().rtReservedSlots()}) is at most N - 1. */
    public int configuredRtReservedSlots() {
        return configuredRtReserved;
    }

    /**
     * Changes N at run time. R becomes the configured R clamped to {@code n - 1} (0 when n = 1);
     * the configured R comes back when N grows again. Growing grants waiters at once. Shrinking
     * revokes nothing: calls running keep their slots, so slots in use may exceed N until they end,
     * and nobody new starts until the admission rule allows it under the new N. Closes a probe.
     *
     * <p>To start a pool at N = 1 while keeping its configured R for later, build the policy with
     * the largest N (the ceiling) and the configured R, and call {@code setTotalSlots(1)} before the
     * first call.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public void setTotalSlots(int n) {
        setTotalSlots(n, false);
    }

    /**
     * As {@link #setTotalSlots(int)}, with a probe open or closed. While a probe is open one call
     * may start above N, so that a pool learning its N can see whether the server runs N + 1 (R
     * stays that of N):
     * <ul>
     *   <li>a BE call, once all N slots are busy, RT holds at least its R of them, every running
     *       RT call has had its first token and no RT call waits: the probe is then the (N+1)-th
     *       call, never the slot an RT call is promised, and never ahead of an RT call;
     *   <li>an RT call only while no BE call runs or waits: a probe that finds no slot in the server
     *       then waits there behind RT calls only, as it would have waited in this queue (without
     *       this a pool that runs only RT calls could never learn an N above 1).
     * </ul>
     * No second call goes above N: with N + 1 running neither rule admits anyone. An RT call is
     * thus never sent while a failed probe waits inside the server for the first slot to free: it
     * needs the running calls to fall below N, which is one more call ending. And a BE probe starts
     * only once every running RT call has had its first token ({@link Permit#running()}): it cannot
     * overtake one on its way to the server. Nor does a probe start within the policy's probe spacing
     * after any grant: a batch call granted at the same moment could be overtaken and wait, which
     * would make the probe look quiet.
     */
    public void setTotalSlots(int n, boolean probe) {
        if (n < 1) {
            throw new IllegalArgumentException("total slots must be >= 1, was " + n);
        }
        int r = Math.max(0, Math.min(configuredRtReserved, n - 1));
        Delivery delivery = null;
        lock.lock();
        try {
            age(clock.nanoTime()); // R may change: the aging clock runs by the old R until now
            if (n != policy.totalSlots() || r != policy.rtReservedSlots() || probe != policy.probe()) {
                boolean opens = probe && !policy.probe();
                policy = policy.withTotalSlots(n, r, probe);
                long now = clock.nanoTime();
                delivery = settle(now);
                if (opens && now < probeNotBefore) {
                    clock.schedule(probeNotBefore, this::onGraceOver); // a call was granted just now
                }
            }
        } finally {
            lock.unlock();
            deliver(delivery);
        }
    }

    @Override
    public SchedulerClock clock() {
        return clock;
    }

    /**
     * Waits for a slot. {@code timeout} is the call's own limit ({@code null} = none); the class's
     * max-wait applies as well.
     *
     * @throws InterruptedException if interrupted while waiting; the waiter has left the queue
     * @throws SchedulerRejectedException if the queue is full or a wait limit passed
     */
    @Override
    public Permit acquire(Priority priority, Duration timeout)
            throws InterruptedException, SchedulerRejectedException {
        return await(priority, timeout, null);
    }

    /**
     * Waits for a slot again after {@code preempted} lost its slot to an RT call: the call rejoins
     * the BE queue in arrival order with its original arrival time. It is never refused for a full
     * queue and the class max-wait does not apply (it was admitted already); its own
     * {@code timeout} still does. A preempted permit may be passed here once: a second re-acquire
     * (even after the first one failed) throws {@link IllegalStateException}, so a call can never
     * wait in the queue twice.
     *
     * @throws IllegalArgumentException if {@code preempted} was not preempted
     * @throws IllegalStateException if {@code preempted} was re-acquired already
     */
    @Override
    public Permit reacquire(Permit preempted, Duration timeout)
            throws InterruptedException, SchedulerRejectedException {
        return await(Priority.BE, timeout, requirePreempted(preempted));
    }

    /** As {@link #reacquire}, without blocking (see {@link #acquireAsync}). */
    @Override
    public CompletableFuture<Permit> reacquireAsync(Permit preempted, Duration timeout) {
        return asFuture(admit(Priority.BE, timeout, requirePreempted(preempted)));
    }

    private static Permit requirePreempted(Permit permit) {
        if (!permit.isPreempted()) {
            throw new IllegalArgumentException("not a preempted permit: " + permit);
        }
        return permit;
    }

    private Permit await(Priority priority, Duration timeout, Permit preempted)
            throws InterruptedException, SchedulerRejectedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Object admitted = admit(priority, timeout, preempted);
        if (admitted instanceof Permit) {
            return (Permit) admitted;
        }
        if (admitted instanceof SchedulerRejectedException) {
            throw (SchedulerRejectedException) admitted;
        }
        return SlotWaiter.await((Waiter) admitted);
    }

    /**
     * Asks for a slot without blocking. The future completes with the permit, or fails with a
     * {@link SchedulerRejectedException}. Cancelling it removes the waiter; a slot granted at the
     * same moment passes on to the next waiter. Continuations attached to the future may run on
     * the thread that released the slot, so keep them short or make them async.
     */
    @Override
    public CompletableFuture<Permit> acquireAsync(Priority priority, Duration timeout) {
        return asFuture(admit(priority, timeout, null));
    }

    private static CompletableFuture<Permit> asFuture(Object admitted) {
        if (admitted instanceof Permit) {
            return CompletableFuture.completedFuture((Permit) admitted);
        }
        if (admitted instanceof SchedulerRejectedException) {
            CompletableFuture<Permit> failed = new CompletableFuture<>();
            failed.completeExceptionally((SchedulerRejectedException) admitted);
            return failed;
        }
        return (Waiter) admitted;
    }

    /** Takes a slot if one may be taken right now without passing a waiter; otherwise null. */
    @Override
    public Permit tryAcquire(Priority priority) {
        long now = clock.nanoTime();
        lock.lock();
        try {
            promoteDue(now);
            if (!mayStartNow(priority, now)) {
                return null;
            }
            return newPermit(priority, now, now, false, 0, 0, agingNanos);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SchedulerSnapshot snapshot() {
        long now = clock.nanoTime();
        lock.lock();
        try {
            promoteDue(now);
            return new SchedulerSnapshot(policy.totalSlots(), policy.rtReservedSlots(),
                    new int[] {rtInFlight, beInFlight}, new int[] {rtQueue.size(), beQueue.size()},
                    promotedWaiting, promotions, granted.clone(), released.clone(),
                    rejectedQueueFull.clone(), rejectedMaxWait.clone(), rejectedCallTimeout.clone(),
                    cancelled.clone(), preemptions, preemptedSlotNanos);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns a {@link Permit} (started at once), a {@link Waiter} (queued, possibly granted
     * already by a preemption) or the rejection. {@code preempted} is set for a re-queued call.
     */
    private Object admit(Priority priority, Duration timeout, Permit preempted) {
        long now = clock.nanoTime();
        Delivery delivery = null;
        lock.lock();
        try {
            promoteDue(now);
            if (preempted != null) {
                return requeue(preempted, timeout, now);
            }
            if (mayStartNow(priority, now)) {
                return newPermit(priority, now, now, false, 0, 0, agingNanos);
            }
            WaitQueue queue = queue(priority);
            int maxLength = policy.maxQueueLength(priority);
            if (queue.size() >= maxLength) {
                rejectedQueueFull[priority.ordinal()]++;
                return new QueueFullException(priority, queue.size(), maxLength);
            }
            Waiter waiter = new Waiter(this, priority, now, positionAtArrival(priority), 0);
            waiter.agingMark = agingNanos;
            queue.addLast(waiter);
            if (priority == Priority.BE && nextToPromote == null) {
                nextToPromote = waiter;
            }
            scheduleDeadline(waiter, timeout, now, policy.maxWaitNanos(priority));
            if (priority == Priority.RT && policy.preemption()) {
                if (policy.preemptionGraceNanos() == 0) {
                    delivery = settle(now);
                } else {
                    waiter.grace = clock.schedule(now + policy.preemptionGraceNanos(), this::onGraceOver);
                }
            }
            return waiter;
        } finally {
            lock.unlock();
            deliver(delivery);
        }
    }

    /** A preempted call rejoins the BE queue in arrival order (ahead of all who came after it). */
    private Object requeue(Permit preempted, Duration timeout, long now) {
        if (preempted.requeued) {
            throw new IllegalStateException("preempted permit re-acquired already (a call asks again once per "
                    + "preemption, with the permit it lost): " + preempted);
        }
        preempted.requeued = true;
        long arrival = preempted.arrivalNanos();
        int times = preempted.preemptions() + 1;
        long mark = preempted.agingMark;
        boolean due = isDue(mark);
        Waiter older = beQueue.first();
        if (rtQueue.isEmpty() && beMayStart(now) && (older == null || older.arrivalNanos > arrival)) {
            if (due) {
                promotions++; // promoted as it restarts, as it would have been in the queue
            }
            return newPermit(Priority.BE, arrival, now, due, 0, times, mark);
        }
        Waiter waiter = new Waiter(this, Priority.BE, arrival, rtQueue.size(), times);
        waiter.agingMark = mark;
        beQueue.insertByArrival(waiter);
        if (due) {
            waiter.promoted = true; // everyone older is promoted already (promoteDue ran)
            promotedWaiting++;
            promotions++;
        } else if (nextToPromote == null || arrival < nextToPromote.arrivalNanos) {
            nextToPromote = waiter;
        }
        scheduleDeadline(waiter, timeout, now, SchedulerPolicy.UNLIMITED);
        return waiter;
    }

    private boolean isDue(long mark) {
        long after = policy.promotionAfterNanos();
        return after != SchedulerPolicy.UNLIMITED && agingNanos - mark >= after;
    }

    /** Called by {@link Permit#offerPreemption}. */
    @Override
    public boolean offerPreemption(Permit permit, Runnable abort) {
        if (!policy.preemption() || permit.priority() != Priority.BE
                || permit.preemptions() >= policy.maxPreemptionsPerCall() || abort == null) {
            return false;
        }
        Delivery delivery;
        lock.lock();
        try {
            if (permit.isReleased() || permit.abort != null) {
                return false;
            }
            permit.abort = abort;
            preemptible.add(permit);
            delivery = settle(clock.nanoTime());
        } finally {
            lock.unlock();
        }
        deliver(delivery);
        return true;
    }

    @Override
    public void onKeptAfterPreemption(Permit permit, long keptNanos) {
        lock.lock();
        try {
            preemptedSlotNanos -= Math.min(keptNanos, permit.preemptedNanos() - permit.grantedNanos());
        } finally {
            lock.unlock();
        }
    }

    /** Called by {@link Permit#withdrawPreemption}. */
    @Override
    public boolean withdrawPreemption(Permit permit) {
        lock.lock();
        try {
            if (permit.isPreempted()) {
                return false;
            }
            if (permit.abort != null) {
                permit.abort = null;
                preemptible.remove(permit);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Called by {@link Permit#running()}: an RT call's first token may let a BE probe start. */
    @Override
    public void onRunning(Permit permit) {
        Delivery delivery = null;
        lock.lock();
        try {
            if (permit.running || permit.isReleased() || permit.isPreempted()) {
                return;
            }
            permit.running = true;
            permit.firstTokenNanos = clock.nanoTime();
            if (permit.priority() == Priority.RT && --rtNotRunning == 0 && policy.probe()) {
                delivery = settle(clock.nanoTime());
            } else if (permit.abort != null && budgeted()
                    && !(rtQueue.isEmpty() && beQueue.isEmpty())) {
                delivery = settle(clock.nanoTime()); // its loss is known now: a waiter may take it back, or wait for less
            }
        } finally {
            lock.unlock();
            deliver(delivery);
        }
    }

    /** An RT waiter's grace ended (a preemption may now be due), or a probe's spacing. */
    private void onGraceOver() {
        Delivery delivery;
        lock.lock();
        try {
            delivery = settle(clock.nanoTime());
        } finally {
            lock.unlock();
        }
        deliver(delivery);
    }

    /** Called once per permit, by {@link Permit#release()}. */
    @Override
    public void onRelease(Permit permit) {
        Delivery delivery;
        lock.lock();
        try {
            age(clock.nanoTime());
            if (permit.priority() == Priority.RT) {
                rtInFlight--;
                if (!permit.running) {
                    rtNotRunning--;
                }
            } else {
                beInFlight--;
            }
            released[permit.priority().ordinal()]++;
            if (permit.abort != null) {
                permit.abort = null;
                preemptible.remove(permit);
            }
            delivery = settle(clock.nanoTime());
        } finally {
            lock.unlock();
        }
        deliver(delivery);
    }

    /** The waiter's future was cancelled or failed from outside: take it out of the queue. */
    void abandon(Waiter waiter) {
        Delivery delivery = null;
        lock.lock();
        try {
            if (waiter.state != Waiter.State.QUEUED) {
                return; // already granted (the deliverer hands the slot back) or already gone
            }
            age(clock.nanoTime());
            leaveQueue(waiter);
            cancelled[waiter.priority.ordinal()]++;
            delivery = afterLeaving();
        } finally {
            lock.unlock();
            deliver(delivery);
        }
    }

    /**
     * A waiter left without a slot. Without a probe that frees nothing; with one, the other class
     * may be the probe once this class has nobody waiting.
     */
    private Delivery afterLeaving() {
        return policy.probe() ? settle(clock.nanoTime()) : null;
    }

    private void expire(Waiter waiter, long limitNanos, boolean callTimeout) {
        long now = clock.nanoTime();
        Delivery delivery = null;
        lock.lock();
        try {
            if (waiter.state != Waiter.State.QUEUED) {
                return;
            }
            age(now);
            leaveQueue(waiter);
            (callTimeout ? rejectedCallTimeout : rejectedMaxWait)[waiter.priority.ordinal()]++;
            delivery = afterLeaving();
        } finally {
            lock.unlock();
            deliver(delivery);
        }
        waiter.failFromLedger(
                new QueueTimeoutException(waiter.priority, now - waiter.arrivalNanos, limitNanos, callTimeout));
    }

    /** What one event decided under the lock, to carry out after it: grants, then aborts. */
    private static final class Delivery {
        final Waiter granted;
        final List<Runnable> aborts;

        Delivery(Waiter granted, List<Runnable> aborts) {
            this.granted = granted;
            this.aborts = aborts;
        }
    }

    /**
     * After an event: grants what may start, then, while an RT call has waited its grace and no
     * slot is free for it, takes back the youngest offered BE slot and hands it to that RT call.
     */
    private Delivery settle(long now) {
        Waiter chain = dispatch(now);
        if (budgeted() && beQueue.first() != null && beMayStart(now, false)) {
            waitForBudget(now); // a BE waiter waits for the budget to cover the last slot
        }
        List<Runnable> aborts = null;
        Waiter rt;
        while ((rt = rtDueForPreemption(now)) != null) {
            Permit victim = rtLoadHigh() && beInFlight <= 1 ? null : cheapestPreemptible(now);
            if (victim == null) {
                waitForBudget(now); // an offered call costs more than the budget holds: retry when it does
                break;
            }
            preemptible.remove(victim);
            Runnable abort = victim.abort;
            victim.abort = null;
            if (!victim.claimForPreemption(now)) {
                // Its holder is releasing it right now (released, waiting for the lock): that release
                // frees the slot and settles again, which serves the RT waiter, or, if a promoted BE
                // call takes the slot first, preempts then. Stop here and leave it to that settle:
                // preempting another call now for the same RT waiter could throw its work away.
                break;
            }
            beInFlight--;
            released[Priority.BE.ordinal()]++;
            preemptions++;
            spendBudget(expectedLoss(victim, now));
            preemptedSlotNanos += now - victim.grantedNanos();
            if (aborts == null) {
                aborts = new ArrayList<>(2);
            }
            aborts.add(abort);
            leaveQueue(rt);
            rt.state = Waiter.State.GRANTED;
            rt.permit = newPermit(Priority.RT, rt.arrivalNanos, now, false, rt.queuePosition, 0, rt.agingMark);
            chain = append(chain, rt);
        }
        return chain == null && aborts == null ? null : new Delivery(chain, aborts);
    }

    /**
     * The RT waiter a preemption would serve now: the next in RT order among those that have
     * waited the grace, when no slot is free for RT and some BE call is offered; otherwise null.
     */
    private Waiter rtDueForPreemption(long now) {
        if (!policy.preemption() || preemptible.isEmpty() || rtMayStart()) {
            return null;
        }
        long grace = policy.preemptionGraceNanos();
        if (policy.rtOrder() == RtOrder.FIFO) {
            Waiter oldest = rtQueue.first();
            return oldest != null && now - oldest.arrivalNanos >= grace ? oldest : null;
        }
        for (Waiter w = rtQueue.last(); w != null; w = w.prev) {
            if (now - w.arrivalNanos >= grace) {
                return w; // the newest that has waited the grace (LIFO)
            }
        }
        return null;
    }

    /**
     * The offered permit whose loss costs the least: the one that has generated the fewest tokens
     * (its holder reads the answer as a stream and reports them), the youngest among equals; a
     * permit whose progress is unknown only when no reporting one is offered, then the youngest.
     * With a budget, only a permit whose expected loss the budget covers.
     */
    private Permit cheapestPreemptible(long now) {
        Permit best = null;
        for (Permit p : preemptible) {
            if ((best == null || cheaperVictim(p, best)) && affordable(p, now)) {
                best = p;
            }
        }
        return best;
    }

    /**
     * The slot time a preemption of {@code p} now throws away: a call that reports its progress (read as a
     * stream, continued from its output) loses its prefill, the time from its grant to its first token, or all
     * of its time when no token has come yet; a call whose progress is unknown starts again and loses it all.
     */
    private static long expectedLoss(Permit p, long now) {
        long first = p.firstTokenNanos;
        if (p.progress() >= 0 && first != Permit.NOT_PREEMPTED) {
            return Math.max(0, first - p.grantedNanos());
        }
        return Math.max(0, now - p.grantedNanos());
    }

    private boolean affordable(Permit p, long now) {
        return !policy.preemptionBudgeted() || expectedLoss(p, now) <= budget(now);
    }

    /** The budget left at {@code now}: it fills at the budget's share of N slots, up to one window of it. */
    private double budget(long now) {
        SchedulerPolicy p = policy;
        double cap = p.preemptionBudget() * p.totalSlots() * (double) p.preemptionBudgetWindowNanos();
        if (Double.isNaN(budgetNanos)) {
            budgetNanos = cap; // full at the start: the first preemptions need no history
        } else if (now > budgetAt) {
            budgetNanos = Math.min(cap, budgetNanos + (now - budgetAt) * p.preemptionBudget() * p.totalSlots());
        }
        budgetAt = Math.max(budgetAt, now);
        return budgetNanos;
    }

    private void spendBudget(long nanos) {
        if (policy.preemptionBudgeted()) {
            budgetNanos -= nanos;
        }
    }

    /**
     * With a budget, RT has held more than its share of the slots lately: preempting batch work for it would
     * mostly throw work away again and again, so the pool works as with R = 1.
     */
    private boolean rtLoadHigh() {
        return budgeted() && rtLoad > policy.reserveAboveRtLoad() * policy.totalSlots();
    }

    /** The slots kept for RT now: R, or at least one while the RT load is high. */
    private int reservedNow() {
        int r = policy.rtReservedSlots();
        return rtLoadHigh() ? Math.max(r, Math.min(1, policy.totalSlots() - 1)) : r;
    }

    /** True when preemption has a budget: then BE takes the last slot only in a call that can be taken back. */
    private boolean budgeted() {
        return policy.preemption() && policy.preemptionBudgeted();
    }

    /**
     * Running BE calls that RT could not count on taking back: not offered for preemption, offered but
     * costing more than the budget holds, or starting again from zero if preempted (their loss grows with
     * every second they run, so a call the budget covers now may not be covered later).
     */
    private int hardBe(long now) {
        if (rtLoadHigh()) {
            return beInFlight; // high RT load: work as with R = 1
        }
        int soft = 0;
        for (Permit p : preemptible) {
            if (p.progress() >= 0 && affordable(p, now)) {
                soft++;
            }
        }
        return beInFlight - soft;
    }

    /**
     * Schedules a settle for when the budget will cover the cheapest offered call whose loss no longer grows
     * (its first token came, it continues from its output); nothing if there is none or the budget never grows.
     */
    private void waitForBudget(long now) {
        double rate = policy.preemptionBudget() * policy.totalSlots();
        if (!policy.preemptionBudgeted() || rate <= 0) {
            return;
        }
        long need = Long.MAX_VALUE;
        for (Permit p : preemptible) {
            if (p.progress() >= 0 && p.firstTokenNanos != Permit.NOT_PREEMPTED) {
                need = Math.min(need, expectedLoss(p, now));
            }
        }
        double missing = need - budget(now);
        if (need == Long.MAX_VALUE || missing <= 0) {
            return;
        }
        long at = now + (long) Math.ceil(missing / rate);
        if (budgetTimer != null && budgetTimerAt <= at) {
            return;
        }
        if (budgetTimer != null) {
            budgetTimer.cancel();
        }
        budgetTimerAt = at;
        budgetTimer = clock.schedule(at, this::onBudgetTimer);
    }

    private void onBudgetTimer() {
        Delivery delivery;
        lock.lock();
        try {
            budgetTimer = null;
            delivery = settle(clock.nanoTime());
        } finally {
            lock.unlock();
        }
        deliver(delivery);
    }

    private static boolean cheaperVictim(Permit p, Permit than) {
        long a = p.progress();
        long b = than.progress();
        if (a >= 0 != b >= 0) {
            return a >= 0; // known progress first: such a call keeps its output (or shows it has none)
        }
        if (a != b) {
            return a < b;
        }
        return p.grantedNanos() >= than.grantedNanos();
    }

    private static Waiter append(Waiter chain, Waiter more) {
        if (chain == null) {
            return more;
        }
        Waiter tail = chain;
        while (tail.nextGranted != null) {
            tail = tail.nextGranted;
        }
        tail.nextGranted = more;
        return chain;
    }

    /** Completes the granted waiters' futures, then runs the preempted calls' aborts, outside the lock. */
    private static void deliver(Delivery delivery) {
        if (delivery == null) {
            return;
        }
        deliver(delivery.granted);
        if (delivery.aborts != null) {
            for (Runnable abort : delivery.aborts) {
                try {
                    abort.run();
                } catch (RuntimeException | LinkageError e) {
                    // the adapter's abort failed: the exchange ends on its own; the slot is already back
                }
            }
        }
    }

    private static void deliver(Waiter chain) {
        while (chain != null) {
            Waiter waiter = chain;
            chain = waiter.nextGranted;
            waiter.nextGranted = null;
            Permit permit = waiter.permit;
            if (!waiter.complete(permit)) {
                permit.release(); // cancelled between grant and delivery: the slot passes on
            }
        }
    }

    /**
     * Grants slots to waiters until nobody who may start is left waiting. Returns the granted
     * waiters as a chain, to be delivered after the lock is released.
     */
    private Waiter dispatch(long now) {
        promoteDue(now);
        Waiter head = null;
        Waiter tail = null;
        while (true) {
            Waiter be = beQueue.first();
            Waiter rt = policy.rtOrder() == RtOrder.FIFO ? rtQueue.first() : rtQueue.last();
            Waiter chosen;
            if (be != null && be.promoted && beMayStart(now)) {
                chosen = be; // promoted BE beats RT for a slot BE may take
            } else if (rt != null && rtMayStart()) {
                chosen = rt;
            } else if (be != null && beMayStart(now)) {
                chosen = be;
            } else {
                return head;
            }
            leaveQueue(chosen);
            chosen.state = Waiter.State.GRANTED;
            chosen.permit = newPermit(chosen.priority, chosen.arrivalNanos, now, chosen.promoted,
                    chosen.queuePosition, chosen.preemptions, chosen.agingMark);
            if (tail == null) {
                head = chosen;
            } else {
                tail.nextGranted = chosen;
            }
            tail = chosen;
        }
    }

    /**
     * Advances the aging clock to {@code now} by the state since the last event (call it before every change
     * of the RT holds or of the BE queue).
     */
    private long age(long now) {
        if (agingAt == Long.MIN_VALUE) {
            agingAt = now;
            agingNanos = now;
        }
        if (now > agingAt) {
            if (!policy.agingPassedOver() || (!beQueue.isEmpty() && rtInFlight > reservedNow())) {
                agingNanos += now - agingAt;
            }
            if (budgeted()) {
                rtLoad += (rtInFlight - rtLoad) * -Math.expm1(-(now - agingAt) / (double) SchedulerPolicy.RT_LOAD_AVERAGE_NANOS);
            }
            agingAt = now;
        }
        return agingNanos;
    }

    /** Marks the BE waiters that have waited long enough as promoted; O(1) per promotion. */
    private void promoteDue(long now) {
        long aging = age(now);
        long after = policy.promotionAfterNanos();
        if (after == SchedulerPolicy.UNLIMITED) {
            return;
        }
        while (nextToPromote != null && aging - nextToPromote.agingMark >= after) {
            nextToPromote.promoted = true;
            promotedWaiting++;
            promotions++;
            nextToPromote = nextToPromote.next;
        }
    }

    /** True when a new call of this class may start now without passing anyone. */
    private boolean mayStartNow(Priority priority, long now) {
        if (priority == Priority.RT) {
            return rtQueue.isEmpty() && rtMayStart();
        }
        return beQueue.isEmpty() && rtQueue.isEmpty() && beMayStart(now);
    }

    private boolean rtMayStart() {
        int inFlight = rtInFlight + beInFlight;
        return inFlight < policy.totalSlots()
                || (policy.probe() && inFlight == policy.totalSlots() && beInFlight == 0 && beQueue.isEmpty()
                        && clock.nanoTime() >= probeNotBefore);
    }

    private boolean beMayStart(long now) {
        return beMayStart(now, true);
    }

    /**
     * The admission rule for BE; with a preemption budget ({@code lastSlotRule}), also: BE takes the last
     * slot RT could have only in a call that can be taken back, so at least one slot stays free, RT's, or
     * preemptible within the budget (as with R = 1 where preemption cannot help).
     */
    private boolean beMayStart(long now, boolean lastSlotRule) {
        int n = policy.totalSlots();
        int r = policy.rtReservedSlots();
        return beInFlight + Math.max(r, rtInFlight) < n
                        && (!lastSlotRule || n == 1 || !budgeted() || hardBe(now) + Math.max(r, 1) < n)
                || (policy.probe() && rtInFlight + beInFlight == policy.totalSlots()
                        && rtInFlight >= policy.rtReservedSlots() && rtQueue.isEmpty() && rtNotRunning == 0
                        && now >= probeNotBefore);
    }

    /**
     * A call granted just now may still be on its way to the server, and a probe granted right
     * after it could get there first and make it wait: no probe starts within the policy's probe
     * spacing after a grant, and a timer lets it go then if nothing else has.
     */
    private void spaceTheProbe(long now) {
        long spacing = policy.probeSpacingNanos();
        if (spacing > 0) {
            probeNotBefore = now + spacing;
            if (policy.probe()) {
                clock.schedule(probeNotBefore, this::onGraceOver);
            }
        }
    }

    private Permit newPermit(Priority priority, long arrival, long now, boolean promoted, int position,
                             int preemptionsBefore, long agingMark) {
        if (priority == Priority.RT) {
            rtInFlight++;
            rtNotRunning++;
        } else {
            beInFlight++;
        }
        granted[priority.ordinal()]++;
        spaceTheProbe(now);
        Permit permit = new Permit(this, priority, arrival, now, promoted, position, preemptionsBefore);
        permit.agingMark = agingMark;
        return permit;
    }

    /** Waiters ahead of a new arrival: for RT those served before it, for BE all RT and older BE. */
    private int positionAtArrival(Priority priority) {
        if (priority == Priority.RT) {
            return (policy.rtOrder() == RtOrder.FIFO ? rtQueue.size() : 0) + promotedWaiting;
        }
        return rtQueue.size() + beQueue.size();
    }

    private void leaveQueue(Waiter waiter) {
        if (waiter == nextToPromote) {
            nextToPromote = waiter.next;
        }
        if (waiter.promoted) {
            promotedWaiting--;
        }
        queue(waiter.priority).remove(waiter);
        waiter.state = Waiter.State.GONE;
        if (waiter.deadline != null) {
            waiter.deadline.cancel();
            waiter.deadline = null;
        }
        if (waiter.grace != null) {
            waiter.grace.cancel();
            waiter.grace = null;
        }
    }

    private void scheduleDeadline(Waiter waiter, Duration callTimeout, long now, long classLimit) {
        long callLimit = SchedulerPolicy.callLimitNanos(callTimeout);
        long limit = Math.min(classLimit, callLimit);
        if (limit == SchedulerPolicy.UNLIMITED) {
            return;
        }
        boolean isCallTimeout = callLimit < classLimit;
        long deadline = now + limit < now ? Long.MAX_VALUE : now + limit;
        waiter.deadline = clock.schedule(deadline, () -> expire(waiter, limit, isCallTimeout));
    }

    private WaitQueue queue(Priority priority) {
        return priority == Priority.RT ? rtQueue : beQueue;
    }

    @Override
    public String toString() {
        return "HybridScheduler[" + policy + "; " + snapshot() + "]";
    }
}
