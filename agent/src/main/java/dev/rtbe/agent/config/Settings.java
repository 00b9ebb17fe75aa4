package dev.rtbe.agent.config;

import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.RtOrder;

import static dev.rtbe.agent.config.SettingDefinitions.*;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/** The effective, validated settings: immutable, typed, and each value knows where it came from. */
public final class Settings {
    /** {@link #totalSlots()} when N is {@code auto}: learned per pool, up to {@link #maxSlots()}. */
    public static final int AUTO = 0;

    private final Map<Setting<?>, Object> values;
    private final Map<String, String> effective;
    private final Map<String, String> sources;
    private final List<String> warnings;
    private final PoolOverrides poolOverrides;

    Settings(Resolved resolved, List<String> warnings) {
        this(resolved, warnings, PoolOverrides.NONE);
    }

    Settings(Resolved resolved, List<String> warnings, PoolOverrides poolOverrides) {
        this.poolOverrides = poolOverrides;
        this.values = Collections.unmodifiableMap(new HashMap<>(resolved.values));
        Map<String, String> shown = new LinkedHashMap<>();
        Map<String, String> from = new HashMap<>();
        for (Setting<?> setting : SettingDefinitions.all()) {
            shown.put(setting.name(), format(setting));
            from.put(setting.name(), resolved.sources.get(setting));
        }
        this.effective = Collections.unmodifiableMap(shown);
        this.sources = Collections.unmodifiableMap(from);
        this.warnings = Collections.unmodifiableList(new ArrayList<>(warnings));
    }

    /** All defaults, as if nothing were configured. */
    public static Settings defaults() {
        return new SettingsLoader(Collections.emptyMap(), "", Collections.emptyMap(),
                path -> { throw new IOException("no files"); }).load();
    }

    private <T> String format(Setting<T> setting) {
        return setting.type().format(get(setting));
    }

    /** Any setting's value, for settings without a getter of their own. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting);
    }

    /** Every setting in table order, its value in setting syntax; for the start-up line and JMX. */
    public Map<String, String> effective() {
        return effective;
    }

    /** "default", "system property", "environment variable RTBE_SLOTS_TOTAL", ...; null for an unknown name. */
    public String sourceOf(String name) {
        return sources.get(name);
    }

    /** Non-fatal findings of the load (unknown keys, ineffective values), for the caller to print. */
    public List<String> warnings() {
        return warnings;
    }

    /** One line: {@code rtbe.enabled=true (default), rtbe.slots.total=2 (system property), ...}. */
    public String summary() {
        StringJoiner line = new StringJoiner(", ");
        for (Map.Entry<String, String> e : effective.entrySet()) {
            line.add(e.getKey() + "=" + e.getValue() + " (" + sources.get(e.getKey()) + ")");
        }
        return line.toString();
    }

    public boolean enabled() { return get(ENABLED); }

    public boolean strict() { return get(STRICT); }

    public Optional<String> configFile() { return get(CONFIG_FILE); }

    public List<Endpoint> endpoints() { return get(ENDPOINTS); }

    /** N, or {@link #AUTO}. */
    public int totalSlots() { return get(SLOTS_TOTAL); }

    /** R, always below N (below {@link #maxSlots()} when N is auto). */
    public int rtReservedSlots() { return get(SLOTS_RT_RESERVED); }

    /** Ceiling of a learned N. */
    public int maxSlots() { return get(SLOTS_MAX); }

    public int maxPoolsPerServer() { return get(POOLS_MAX_PER_SERVER); }

    /** False: one pool per server, whatever the model. */
    public boolean poolsByModel() { return get(POOLS_BY_MODEL); }

    /** Per-server and per-model settings ({@code rtbe.server.<name>.*}, {@code rtbe.model.<alias>.*}). */
    public PoolOverrides poolOverrides() { return poolOverrides; }

    public Duration agingThreshold() { return get(AGING_THRESHOLD); }

    public double agingBoost() { return get(AGING_BOOST); }

    /** When a waiting batch call is promoted: the earlier of the explicit value and A + A/boost; empty = never. */
    public Optional<Duration> promotionAfter() { return get(AGING_PROMOTION); }

    public RtOrder rtOrder() { return get(RT_ORDER); }

    public int rtQueueMaxLength() { return get(QUEUE_RT_MAX_LENGTH); }

    public int beQueueMaxLength() { return get(QUEUE_BE_MAX_LENGTH); }

    /** Empty: no limit. */
    public Optional<Duration> rtQueueMaxWait() { return get(QUEUE_RT_MAX_WAIT); }

    /** Empty: no limit. */
    public Optional<Duration> beQueueMaxWait() { return get(QUEUE_BE_MAX_WAIT); }

    public Duration slotMaxHold() { return get(SLOTS_MAX_HOLD); }

    public PreemptionMode preemption() { return get(PREEMPTION); }

    public Duration preemptionGrace() { return get(PREEMPTION_GRACE); }

    public int preemptionMaxPerCall() { return get(PREEMPTION_MAX_PER_CALL); }

    public int preemptionMaxBodyBytes() { return get(PREEMPTION_MAX_BODY); }

    public ResumeMode preemptionResume() { return get(PREEMPTION_RESUME); }

    public boolean agingPassedOver() { return get(AGING_PASSED_OVER); }

    public double preemptionBudget() { return get(PREEMPTION_BUDGET); }

    public Duration preemptionBudgetWindow() { return get(PREEMPTION_BUDGET_WINDOW); }

    public double preemptionReserveAbove() { return get(PREEMPTION_RESERVE_ABOVE); }

    /**
     * Applies the scheduling policy's settings that every pool shares (aging, preemption budget) to a
     * pool's policy; the budget matters only where the pool preempts.
     */
    public dev.rtbe.agent.scheduler.SchedulerPolicy.Builder tune(dev.rtbe.agent.scheduler.SchedulerPolicy.Builder b) {
        b.agingPassedOver(agingPassedOver());
        if (preemptionBudget() == Types.OFF) {
            return b; // unbounded: no budget, no last-slot rule, no reservation under high RT load
        }
        return b.preemptionBudget(preemptionBudget(), preemptionBudgetWindow())
                .reserveAboveRtLoad(preemptionReserveAbove());
    }

    public int requestMaxBodyBytes() { return get(REQUEST_MAX_BODY); }

    public Coordination coordination() { return get(COORDINATION); }

    public String coordinationFleet() { return get(COORDINATION_FLEET); }

    public Optional<String> coordinationUser() { return get(COORDINATION_USER); }

    public Optional<String> coordinationPassword() { return get(COORDINATION_PASSWORD); }

    public Duration coordinationSessionTtl() { return get(COORDINATION_SESSION_TTL); }

    /** K of share:K; 1 for local. */
    public int coordinationFallbackShare() { return get(COORDINATION_FALLBACK); }

    public String classifyHeader() { return get(CLASSIFY_HEADER); }

    public boolean classifyHeaderStrip() { return get(CLASSIFY_HEADER_STRIP); }

    public List<String> rtStackPatterns() { return get(CLASSIFY_RT_STACK); }

    public List<String> beStackPatterns() { return get(CLASSIFY_BE_STACK); }

    public List<String> rtThreadGlobs() { return get(CLASSIFY_RT_THREADS); }

    public List<String> beThreadGlobs() { return get(CLASSIFY_BE_THREADS); }

    public StreamingMode streaming() { return get(CLASSIFY_STREAMING); }

    public Priority defaultPriority() { return get(CLASSIFY_DEFAULT); }

    public TelemetryExporter telemetryExporter() { return get(TELEMETRY_EXPORTER); }

    public boolean captureContent() { return get(TELEMETRY_CAPTURE_CONTENT); }

    public boolean logCalls() { return get(LOG_CALLS); }
}
