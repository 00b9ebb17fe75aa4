package dev.rtbe.agent.call;

import dev.rtbe.agent.classify.Classifier;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.pool.Pool;
import dev.rtbe.agent.pool.PoolRegistry;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.scheduler.DaemonThreads;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.telemetry.CallTelemetry;
import dev.rtbe.agent.wire.RequestInspector;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything a gated call needs, built once from the settings at start-up. The client adapters
 * find it through {@link #current()}: the agent's only global state.
 */
public final class AgentRuntime {
    private static volatile AgentRuntime current;
    /** Bound on captured prompts and answers (rtbe.telemetry.capture-content=true). */
    static final int CAPTURE_LIMIT = 16 * 1024;

    private final Settings settings;
    private final PoolRegistry pools;
    private final SchedulerClock clock;
    private final LedgerFactory ledgers;
    private final Classifier classifier;
    private final EndpointMatcher endpoints;
    private final RequestInspector inspector;
    private volatile CallTelemetry telemetry = CallTelemetry.NOOP;
    private final Cleaner cleaner;
    private final long maxHoldNanos;
    private final MaxHoldGuard maxHold;
    private final AgentLog log;
    /** Whether a request body past rtbe.request.max-body-bytes was said already ({@link Gate#bodyOverLimit}). */
    final AtomicBoolean bodyOverLimitSaid = new AtomicBoolean();

    public AgentRuntime(Settings settings, SchedulerClock clock, AgentLog log) {
        this.settings = settings;
        this.clock = clock;
        this.ledgers = LedgerFactory.create(settings, clock, log);
        this.pools = new PoolRegistry(settings, clock, log.infoLines(), ledgers);
        this.classifier = new Classifier(settings);
        this.inspector = new RequestInspector(settings.requestMaxBodyBytes(),
                settings.captureContent() ? CAPTURE_LIMIT : 0);
        this.endpoints = new EndpointMatcher(settings.endpoints());
        this.cleaner = Cleaner.create(new DaemonThreads("rtbe-reclaimer"));
        this.maxHoldNanos = settings.slotMaxHold().toNanos();
        this.maxHold = new MaxHoldGuard(clock);
        this.log = log;
    }

    /** The running agent's runtime, or null when the agent is off. */
    public static AgentRuntime current() {
        return current;
    }

    public static void install(AgentRuntime runtime) {
        current = runtime;
    }

    public Settings settings() {
        return settings;
    }

    /** Every pool (server, model), each with its own scheduler. */
    public PoolRegistry pools() {
        return pools;
    }

    /**
     * The first server's default pool's scheduler: the one scheduler of a single-server, single-model
     * set-up (tests, the demo). Code that serves several pools reads {@link #pools()}.
     */
    public SlotLedger scheduler() {
        Pool p = pools.defaultPool(pools.servers().get(0));
        return p.scheduler();
    }

    /** The clock every pool's scheduler uses. */
    public SchedulerClock clock() {
        return clock;
    }

    /** Makes the ledgers (local or shared by a fleet) and knows the coordination mode. */
    public LedgerFactory ledgers() {
        return ledgers;
    }

    public Classifier classifier() {
        return classifier;
    }

    public EndpointMatcher endpoints() {
        return endpoints;
    }

    public RequestInspector inspector() {
        return inspector;
    }

    /** Spans and metrics; {@link CallTelemetry#NOOP} until installed (and when telemetry is off). */
    public CallTelemetry telemetry() {
        return telemetry;
    }

    public void installTelemetry(CallTelemetry telemetry) {
        this.telemetry = telemetry == null ? CallTelemetry.NOOP : telemetry;
    }

    /** How much answer text the watchers collect: only with content capture on. */
    int captureTextChars() {
        return settings.captureContent() ? CAPTURE_LIMIT : 0;
    }

    Cleaner cleaner() {
        return cleaner;
    }

    long maxHoldNanos() {
        return maxHoldNanos;
    }

    MaxHoldGuard maxHold() {
        return maxHold;
    }

    public AgentLog log() {
        return log;
    }
}
