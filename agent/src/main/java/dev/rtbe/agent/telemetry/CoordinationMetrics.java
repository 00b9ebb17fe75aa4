package dev.rtbe.agent.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Fleet coordination's metrics: the mode (a 0/1 gauge per mode, so the current one reads 1), and with a
 * fleet configured the latency of each Lua script and the counts of fallbacks, re-assertions and notices
 * recovered from the mailbox. The counts are read from the fleet at each collection; script latencies are
 * recorded as the scripts end.
 */
final class CoordinationMetrics {
    static final String MODE = "rtbe.coordination.mode";
    static final String SCRIPT_DURATION = "rtbe.coordination.script.duration";
    static final String FALLBACKS = "rtbe.coordination.fallbacks";
    static final String REASSERTIONS = "rtbe.coordination.reassertions";
    static final String RECOVERED_NOTICES = "rtbe.coordination.recovered_notices";

    static final AttributeKey<String> MODE_KEY = AttributeKey.stringKey("rtbe.coordination.mode");
    static final AttributeKey<String> SCRIPT = AttributeKey.stringKey("rtbe.coordination.script");
    private static final List<String> MODES = Arrays.asList("local", "redis", "fallback");
    /** A script is one round trip on loopback (tenths of a millisecond) up to the 2 s socket timeout. */
    private static final List<Double> SCRIPT_BUCKETS = Arrays.asList(0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005,
            0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0);

    private final DoubleHistogram scripts;

    CoordinationMetrics(Meter meter, CoordinationView coordination) {
        meter.gaugeBuilder(MODE).ofLongs().setUnit("{jvm}")
                .setDescription("1 for the mode slots are counted in now (local, redis, or fallback while Redis"
                        + " cannot be reached), 0 for the others")
                .buildWithCallback(m -> {
                    String now = coordination.mode().toLowerCase(Locale.ROOT);
                    for (String mode : MODES) {
                        m.record(mode.equals(now) ? 1 : 0, Attributes.of(MODE_KEY, mode));
                    }
                });
        scripts = meter.histogramBuilder(SCRIPT_DURATION).setUnit("s")
                .setDescription("Time one coordination script took, one round trip to Redis, by script")
                .setExplicitBucketBoundariesAdvice(SCRIPT_BUCKETS).build();
        if (!coordination.coordinated()) {
            return;
        }
        meter.counterBuilder(FALLBACKS).setUnit("{fallback}")
                .setDescription("Times Redis was lost and calls were admitted by the local scheduler")
                .buildWithCallback(m -> m.record(coordination.fallbacks()));
        meter.counterBuilder(REASSERTIONS).setUnit("{entry}")
                .setDescription("Slots and waiters re-asserted by heartbeats (after a Redis restart or an outage)")
                .buildWithCallback(m -> m.record(coordination.reassertions()));
        meter.counterBuilder(RECOVERED_NOTICES).setUnit("{notice}")
                .setDescription("Grants that reached their waiter through the mailbox because pub/sub lost them")
                .buildWithCallback(m -> m.record(coordination.recoveredNotices()));
        coordination.onScriptTimed(this::scriptTimed);
    }

    private void scriptTimed(String script, long nanos) {
        try {
            scripts.record(SpanRecorder.seconds(nanos), Attributes.of(SCRIPT, script));
        } catch (RuntimeException | LinkageError e) {
            // telemetry must never disturb coordination
        }
    }
}
