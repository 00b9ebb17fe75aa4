package dev.rtbe.agent.pool;

import dev.rtbe.agent.calibrate.CapacityLearner;
import dev.rtbe.agent.calibrate.LlamaCppSlots;
import dev.rtbe.agent.calibrate.RunningCalls;
import dev.rtbe.agent.config.PoolConfig;
import dev.rtbe.agent.config.PreemptionMode;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.scheduler.HybridScheduler;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.scheduler.SchedulerSnapshot;
import dev.rtbe.agent.telemetry.PoolView;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One (server, model): its own scheduler (N, R, queues, aging, preemption) built from its
 * effective settings, the wait its calls spent inside the server (hidden from the agent, read from
 * the server's own timings), and, with {@code slots.total=auto}, a learner that sets N from it.
 */
public final class Pool implements PoolView {
    /** A hidden wait up to this long counts as none: the server's own bookkeeping between timings. */
    static final long QUIET_NANOS = Duration.ofMillis(50).toNanos();
    /** No probe of N + 1 starts this soon after a grant: that call may still be on its way to the server. */
    static final Duration PROBE_SPACING = Duration.ofMillis(20);

    private final PoolKey key;
    private final PoolConfig config;
    private final boolean embedding;
    private final SlotLedger scheduler;
    /** The same ledger when it is in-process: only then can auto N change it. */
    private final HybridScheduler local;
    private final CapacityLearner learner; // null: N is fixed
    /** With auto N: the slots its server publishes (llama.cpp), read once in the background; else null. */
    private final ServerSlots serverSlots;
    /** N as the server published it (auto N then stops learning); 0 while not known. */
    private volatile int publishedN;
    private final Consumer<String> log;
    private final RunningCalls running = new RunningCalls();
    /** N the server has confirmed (what the log, JMX and metrics show). */
    private final AtomicInteger confirmedLimit;
    private final AtomicLong hiddenWaitTotalNanos = new AtomicLong();
    private final AtomicLong hiddenWaitCount = new AtomicLong();
    private volatile long lastHiddenWaitNanos = -1;
    private final AtomicBoolean waitedAtFixedN = new AtomicBoolean();
    private final AtomicBoolean outsideCalls = new AtomicBoolean();

    Pool(PoolKey key, PoolConfig config, boolean embedding, LedgerFactory ledgers, Duration promotionAfter,
         dev.rtbe.agent.scheduler.RtOrder rtOrder, Duration preemptionGrace, int preemptionMaxPerCall,
         java.util.function.UnaryOperator<SchedulerPolicy.Builder> tuning, ServerSlots serverSlots, Consumer<String> log) {
        this.key = key;
        this.config = config;
        this.embedding = embedding;
        this.log = log;
        int start = config.auto() ? 1 : config.totalSlots();
        SchedulerPolicy.Builder b = SchedulerPolicy.builder(start)
                .rtReservedTarget(config.rtReservedSlots())
                .rtOrder(rtOrder)
                .promotionAfter(promotionAfter)
                .maxQueueLength(Priority.RT, config.rtQueueMaxLength())
                .maxQueueLength(Priority.BE, config.beQueueMaxLength())
                .maxWait(Priority.RT, config.rtQueueMaxWait().orElse(null))
                .maxWait(Priority.BE, config.beQueueMaxWait().orElse(null))
                .probeSpacing(PROBE_SPACING);
        if (config.preemption() == PreemptionMode.TRANSPARENT) {
            b.preemption(preemptionGrace, preemptionMaxPerCall);
        }
        tuning.apply(b); // aging and the preemption budget
        this.scheduler = ledgers.ledger(key.server(), key.model(), b.build());
        this.local = scheduler instanceof HybridScheduler ? (HybridScheduler) scheduler : null;
        boolean learn = config.auto() && local != null;
        if (config.auto() && !learn) {
            log.accept("pool " + key + ": slots.total=auto is not learned in fleet mode (the fleet's N is kept in"
                    + " Redis); the pool runs with N=" + scheduler.policy().totalSlots() + ": set slots.total for it");
        }
        this.learner = learn ? new CapacityLearner(config.maxSlots(), QUIET_NANOS, scheduler.clock()::nanoTime) : null;
        this.confirmedLimit = new AtomicInteger(start);
        this.serverSlots = learn ? serverSlots : null;
        if (this.serverSlots != null) {
            this.serverSlots.whenRead(this::usePublishedSlots);
        }
    }

    /**
     * The server's pass-through for routes that run no model: a scheduler that always has a slot, so
     * those calls never wait yet keep their span; never listed with the pools.
     */
    static Pool ungated(String server, SchedulerClock clock, Consumer<String> log) {
        return new Pool(new PoolKey(server, PoolKey.UNGATED_MODEL), clock, log);
    }

    private Pool(PoolKey key, SchedulerClock clock, Consumer<String> log) {
        this.key = key;
        this.config = null;
        this.embedding = false;
        this.log = log;
        this.local = new HybridScheduler(SchedulerPolicy.builder(Integer.MAX_VALUE).rtReservedSlots(0)
                .promotionAfter(null).build(), clock);
        this.scheduler = local;
        this.learner = null;
        this.serverSlots = null;
        this.confirmedLimit = new AtomicInteger(Integer.MAX_VALUE);
    }

    /** True for the pass-through of routes that run no model. */
    public boolean isUngated() {
        return config == null;
    }

    public PoolKey key() {
        return key;
    }

    @Override
    public String server() {
        return key.server();
    }

    @Override
    public String model() {
        return key.model();
    }

    public boolean isDefault() {
        return key.isDefault();
    }

    /** True when the pool was made for embedding calls (its default N is 1). */
    public boolean embedding() {
        return embedding;
    }

    public PoolConfig config() {
        return config;
    }

    public SlotLedger scheduler() {
        return scheduler;
    }

    @Override
    public String mode() {
        return learner == null ? "fixed" : "auto";
    }

    /** N now: set, or learned so far (without a probe's one extra call). */
    public int limit() {
        return learner == null ? scheduler.policy().totalSlots() : confirmedLimit.get();
    }

    @Override
    public SchedulerSnapshot snapshot() {
        return scheduler.snapshot();
    }

    /** Calls of this pool started so far: the difference of two readings counts the starts between them. */
    public long startsSoFar() {
        return running.startsSoFar();
    }

    /**
     * The most calls of this pool running at once between two readings of {@link #startsSoFar}
     * (a call's start and its first token), at least {@code runningAtStart}: see {@link RunningCalls}.
     */
    public int mostRunning(long startsBefore, long startsUpTo, int runningAtStart) {
        return running.mostRunning(startsBefore, startsUpTo, runningAtStart);
    }

    /** A call of this pool was granted its slot; returns the pool's calls running now, itself included. */
    public int callStarted() {
        int n = running.started();
        if (learning()) {
            serverSlots.startOnce(); // a server that publishes its slots needs no learning
            // A probe above the learned N is one call: once it is out, it is closed until its result.
            learner.onCallStart(n);
            apply();
        }
        return n;
    }

    /** A call counted by {@link #callStarted} gave its slot back. */
    public void callEnded() {
        running.ended();
    }

    /**
     * A call finished with the server's own timings: records its hidden wait and, with auto N,
     * lets the learner move N. A hidden wait while the call was the pool's only one means another
     * client (outside this JVM, or another pool of the same runner) kept the server busy.
     *
     * @param runningAtStart the pool's calls running when this one started, itself included
     * @param overlapping the most of the pool's calls running at once between this one's start and
     *                    its first token ({@link #mostRunning}): a call started after it may have
     *                    reached the server first
     * @param hiddenWaitNanos the wait inside the server, or -1 when the server did not say
     * @param prefillNanos the server's prompt evaluation time, or -1
     */
    public void onCallEnd(int runningAtStart, int overlapping, long hiddenWaitNanos, long prefillNanos) {
        if (hiddenWaitNanos < 0 || isUngated()) {
            return;
        }
        lastHiddenWaitNanos = hiddenWaitNanos;
        hiddenWaitTotalNanos.addAndGet(hiddenWaitNanos);
        hiddenWaitCount.incrementAndGet();
        boolean waited = hiddenWaitNanos > QUIET_NANOS;
        if (waited && overlapping <= 1 && outsideCalls.compareAndSet(false, true)) {
            log.accept("pool " + key + ": a call waited " + seconds(hiddenWaitNanos) + " inside the server while it"
                    + " was the pool's only call: calls from outside this JVM detected");
        }
        if (learning()) {
            learner.onCallEnd(runningAtStart, overlapping, hiddenWaitNanos, prefillNanos);
            apply();
        } else if (waited && overlapping > 1 && waitedAtFixedN.compareAndSet(false, true)) {
            log.accept("pool " + key + ": a call waited " + seconds(hiddenWaitNanos) + " inside the server with "
                    + overlapping + " of N=" + limit() + " running: N may be set above the server's slots");
        }
    }

    /**
     * Gives the scheduler the learned N and whether one call may go above it (a probe: batch calls
     * only where batch calls run, see HybridScheduler), and logs a change of the learned N; probes
     * themselves are not logged.
     */
    private void apply() {
        int learned = learner.confirmedLimit();
        local.setTotalSlots(learned, learner.probeOpen()); // a no-op when neither changed
        int before = confirmedLimit.getAndSet(learned);
        if (publishedN > 0) { // the server's answer came in meanwhile: it wins
            local.setTotalSlots(publishedN);
            confirmedLimit.set(publishedN);
        } else if (before != learned) {
            log.accept("pool " + key + ": N " + before + " -> " + learned + " (learned)");
        }
    }

    /** The server's published slots this pool waits for (auto N, in-process); null otherwise. */
    ServerSlots serverSlots() {
        return serverSlots;
    }

    /** True while auto N is learned from the server's timings (not fixed, not published by the server). */
    private boolean learning() {
        return learner != null && publishedN == 0;
    }

    /**
     * The server published its slots (llama.cpp): N is that, at most rtbe.slots.max, and learning
     * stops; the wait inside the server is still measured. An unknown answer changes nothing.
     */
    private void usePublishedSlots(LlamaCppSlots slots) {
        if (!slots.known()) {
            return;
        }
        int n = Math.min(slots.total(), config.maxSlots());
        publishedN = n;
        local.setTotalSlots(n);
        int before = confirmedLimit.getAndSet(n);
        log.accept("pool " + key + ": N " + before + " -> " + n + " (the server publishes " + slots
                + (n < slots.total() ? "; rtbe.slots.max=" + config.maxSlots() : "") + ")");
    }

    /** The last call's wait inside the server (ns), or -1 before any. */
    public long lastHiddenWaitNanos() {
        return lastHiddenWaitNanos;
    }

    /** The mean wait inside the server (ns) over the calls that reported it, or -1 before any. */
    public long meanHiddenWaitNanos() {
        long n = hiddenWaitCount.get();
        return n == 0 ? -1 : hiddenWaitTotalNanos.get() / n;
    }

    @Override
    public boolean outsideCallsDetected() {
        return outsideCalls.get() || (learner != null && learner.outsideCallsDetected());
    }

    /** For logs: {@code localhost:11434/llama3.2:latest N=2 (fixed) ...}. */
    public String describe() {
        if (isUngated()) {
            return key + " (never gated)";
        }
        return key + " N=" + (learner == null ? String.valueOf(limit()) : "auto(" + limit() + " of max "
                + config.maxSlots() + (publishedN > 0 ? ", published by the server" : "") + ")") + " R=" + scheduler.policy().rtReservedSlots()
                + (embedding ? " (embedding)" : "") + " [" + config.totalSlotsSource() + "]";
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
    }

    @Override
    public String toString() {
        return describe();
    }
}
