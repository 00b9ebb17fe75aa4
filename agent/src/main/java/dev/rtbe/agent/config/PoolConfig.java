package dev.rtbe.agent.config;

import static dev.rtbe.agent.config.SettingDefinitions.PREEMPTION;
import static dev.rtbe.agent.config.SettingDefinitions.QUEUE_BE_MAX_LENGTH;
import static dev.rtbe.agent.config.SettingDefinitions.QUEUE_BE_MAX_WAIT;
import static dev.rtbe.agent.config.SettingDefinitions.QUEUE_RT_MAX_LENGTH;
import static dev.rtbe.agent.config.SettingDefinitions.QUEUE_RT_MAX_WAIT;
import static dev.rtbe.agent.config.SettingDefinitions.SLOTS_MAX;
import static dev.rtbe.agent.config.SettingDefinitions.SLOTS_RT_RESERVED;
import static dev.rtbe.agent.config.SettingDefinitions.SLOTS_TOTAL;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/** The effective settings of one pool, each value with the setting it came from. */
public final class PoolConfig {
    private final Map<Setting<?>, Object> values;
    private final Map<Setting<?>, String> sources;
    private final SettingProblem problem;

    PoolConfig(Map<Setting<?>, Object> values, Map<Setting<?>, String> sources, SettingProblem problem) {
        this.values = Collections.unmodifiableMap(values);
        this.sources = Collections.unmodifiableMap(sources);
        this.problem = problem;
    }

    /** The problem found while resolving (the loader reports it); null when the values are consistent. */
    SettingProblem problem() {
        return problem;
    }

    /** N, or {@link Settings#AUTO}. */
    public int totalSlots() { return (Integer) values.get(SLOTS_TOTAL); }

    public boolean auto() { return totalSlots() == Settings.AUTO; }

    /** R; with auto N a target: the pool uses min(R, N - 1). */
    public int rtReservedSlots() { return (Integer) values.get(SLOTS_RT_RESERVED); }

    /** Ceiling of a learned N. */
    public int maxSlots() { return (Integer) values.get(SLOTS_MAX); }

    public int rtQueueMaxLength() { return (Integer) values.get(QUEUE_RT_MAX_LENGTH); }

    public int beQueueMaxLength() { return (Integer) values.get(QUEUE_BE_MAX_LENGTH); }

    @SuppressWarnings("unchecked")
    public Optional<Duration> rtQueueMaxWait() { return (Optional<Duration>) values.get(QUEUE_RT_MAX_WAIT); }

    @SuppressWarnings("unchecked")
    public Optional<Duration> beQueueMaxWait() { return (Optional<Duration>) values.get(QUEUE_BE_MAX_WAIT); }

    public PreemptionMode preemption() { return (PreemptionMode) values.get(PREEMPTION); }

    /** Where N came from, e.g. "rtbe.model.chat.slots.total (system property)" or "embedding model default". */
    public String totalSlotsSource() {
        return sources.get(SLOTS_TOTAL);
    }

    /** {@code slots.total=2,slots.rt-reserved=1,...}: the effective values, for logs and JMX. */
    public String summary() {
        StringJoiner line = new StringJoiner(",");
        for (Map.Entry<Setting<?>, Object> e : values.entrySet()) {
            line.add(PoolOverrides.format(e.getKey(), e.getValue()));
        }
        return line.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
