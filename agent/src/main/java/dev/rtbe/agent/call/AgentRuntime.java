package dev.rtbe.agent.call;

import dev.rtbe.agent.classify.Classifier;
import dev.rtbe.agent.config.PreemptionMode;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.ledger.LedgerFactory;
import dev.rtbe.agent.ledger.SlotLedger;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.telemetry.CallTelemetry;
import dev.rtbe.agent.wire.RequestInspector;
import java.lang.ref.Cleaner;

/**
 * Everything a gated call needs, built once from the settings at start-up. The client adapters
 * find it through {@link #current()}: the agent's only global state.
 */
public final class AgentRuntime {
    private static volatile AgentRuntime current;
    /** Bound on captured prompts and answers (rtbe.telemetry.capture-content=true). */
    static final int CAPTURE_LIMIT = 16 * 1024;

    private final Settings settings;
    private final LedgerFactory ledgers;
    private final SlotLedger scheduler;
    private final Classifier classifier;
    private final EndpointMatcher endpoints;
    private final RequestInspector inspector;
    private volatile CallTelemetry telemetry = CallTelemetry.NOOP;
    private final Cleaner cleaner;
    private final long maxHoldNanos;
    private final AgentLog log;

    public AgentRuntime(Settings settings, SchedulerClock clock, AgentLog log) {
        this.settings = settings;
        this.ledgers = LedgerFactory.create(settings, clock, log);
        // One pool for now: the first endpoint's server, any model.
        this.scheduler = ledgers.ledger(LedgerFactory.serverOf(settings), LedgerFactory.ANY_MODEL, policyOf(settings));
        this.classifier = new Classifier(settings);
        this.inspector = new RequestInspector(RequestInspector.DEFAULT_MAX_BODY_BYTES,
                settings.captureContent() ? CAPTURE_LIMIT : 0);
        this.endpoints = new EndpointMatcher(settings.endpoints());
        this.cleaner = Cleaner.create(runnable -> {
            Thread t = new Thread(runnable, "rtbe-reclaimer");
            t.setDaemon(true);
            return t;
        });
        this.maxHoldNanos = settings.slotMaxHold().toNanos();
        this.log = log;
    }

    static SchedulerPolicy policyOf(Settings s) {
        SchedulerPolicy.Builder b = SchedulerPolicy.builder(s.totalSlots())
                .rtReservedSlots(s.rtReservedSlots())
                .rtOrder(s.rtOrder())
                .promotionAfter(s.promotionAfter().orElse(null))
                .maxQueueLength(Priority.RT, s.rtQueueMaxLength())
                .maxQueueLength(Priority.BE, s.beQueueMaxLength())
                .maxWait(Priority.RT, s.rtQueueMaxWait().orElse(null))
                .maxWait(Priority.BE, s.beQueueMaxWait().orElse(null));
        if (s.preemption() == PreemptionMode.TRANSPARENT) {
            b.preemption(s.preemptionGrace(), s.preemptionMaxPerCall());
        }
        return b.build();
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

    public SlotLedger scheduler() {
        return scheduler;
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

    public AgentLog log() {
        return log;
    }
}
