package dev.rtbe.agent.telemetry;

import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerSnapshot;
import dev.rtbe.agent.wire.LlmResult;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * The agent's metrics. Per call: queue wait and user-perceived time to first token by class and
 * outcome, the wait inside the server, and the GenAI client duration and token usage. From each
 * pool's scheduler, read at each collection from one snapshot per pool: N (set or learned), slots
 * in use and queue length by class, rejections by reason, promotions, preemptions and the slot time
 * preempted calls threw away, and whether calls from outside this JVM were detected. Forced
 * releases (max hold, garbage-collected bodies) are counted as calls end. Everything per pool
 * carries {@code rtbe.server} and {@code rtbe.model}.
 */
final class CallMetrics {
    static final String QUEUE_WAIT = "rtbe.queue.wait";
    static final String TTFT = "rtbe.time_to_first_token";
    static final String SLOTS_IN_USE = "rtbe.slots.in_use";
    static final String QUEUE_LENGTH = "rtbe.queue.length";
    static final String REJECTIONS = "rtbe.rejections";
    static final String PROMOTIONS = "rtbe.promotions";
    static final String FORCED_RELEASES = "rtbe.forced_releases";
    static final String PREEMPTIONS = "rtbe.preemptions";
    static final String PREEMPTED_SLOT_TIME = "rtbe.preempted.slot_time";
    static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
    static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    static final String SLOTS_LIMIT = "rtbe.slots.limit";
    static final String SERVER_QUEUE_WAIT = "rtbe.server.queue_wait";
    static final String OUTSIDE_CALLS = "rtbe.outside_calls.detected";

    static final AttributeKey<String> REASON = AttributeKey.stringKey("rtbe.reason");
    static final AttributeKey<String> TOKEN_TYPE = AttributeKey.stringKey("gen_ai.token.type");
    static final AttributeKey<String> SLOTS_MODE = AttributeKey.stringKey("rtbe.slots.mode");

    /** GenAI semconv buckets for durations (s). */
    private static final List<Double> DURATION_BUCKETS = Arrays.asList(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64,
            1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92);
    /** Queue waits run from nothing to many minutes (the seed saw 667 s). */
    private static final List<Double> WAIT_BUCKETS = Arrays.asList(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
            1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0);
    private static final List<Long> TOKEN_BUCKETS = Arrays.asList(1L, 4L, 16L, 64L, 256L, 1024L, 4096L, 16384L,
            65536L, 262144L, 1048576L, 4194304L, 16777216L, 67108864L);

    private final DoubleHistogram queueWait;
    private final DoubleHistogram ttft;
    private final DoubleHistogram duration;
    private final LongHistogram tokens;
    private final LongCounter forced;
    private final DoubleHistogram serverWait;

    CallMetrics(Meter meter, Supplier<? extends Collection<? extends PoolView>> pools) {
        queueWait = meter.histogramBuilder(QUEUE_WAIT).setUnit("s")
                .setDescription("Time a call waited in the agent's queue for a slot, by class and outcome")
                .setExplicitBucketBoundariesAdvice(WAIT_BUCKETS).build();
        ttft = meter.histogramBuilder(TTFT).setUnit("s")
                .setDescription("User-perceived time to first token: from the call's start, queue included")
                .setExplicitBucketBoundariesAdvice(WAIT_BUCKETS).build();
        duration = meter.histogramBuilder(OPERATION_DURATION).setUnit("s")
                .setDescription("GenAI operation duration").setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
        tokens = meter.histogramBuilder(TOKEN_USAGE).ofLongs().setUnit("{token}")
                .setDescription("Number of input and output tokens used").setExplicitBucketBoundariesAdvice(TOKEN_BUCKETS)
                .build();
        serverWait = meter.histogramBuilder(SERVER_QUEUE_WAIT).setUnit("s")
                .setDescription("Time a call waited inside the server for one of its slots (from the server's own"
                        + " timings): above zero, N is set too high or other clients share the server")
                .setExplicitBucketBoundariesAdvice(WAIT_BUCKETS).build();
        forced = meter.counterBuilder(FORCED_RELEASES).setUnit("{call}")
                .setDescription("Slots taken back from calls: held past max-hold, or body dropped unclosed").build();
        ObservableLongMeasurement inUse = meter.gaugeBuilder(SLOTS_IN_USE).ofLongs().setUnit("{slot}")
                .setDescription("Slots held right now, by class").buildObserver();
        ObservableLongMeasurement queued = meter.gaugeBuilder(QUEUE_LENGTH).ofLongs().setUnit("{call}")
                .setDescription("Calls waiting for a slot right now, by class").buildObserver();
        ObservableLongMeasurement rejected = meter.counterBuilder(REJECTIONS).setUnit("{call}")
                .setDescription("Calls refused a slot, by class and reason (queue_full, max_wait, timeout)").buildObserver();
        ObservableLongMeasurement promoted = meter.counterBuilder(PROMOTIONS).setUnit("{call}")
                .setDescription("Batch calls promoted to real-time level by aging").buildObserver();
        ObservableLongMeasurement preempted = meter.counterBuilder(PREEMPTIONS).setUnit("{call}")
                .setDescription("Batch calls whose slot was taken back for a real-time call (each is re-sent)").buildObserver();
        ObservableDoubleMeasurement wasted = meter.counterBuilder(PREEMPTED_SLOT_TIME).ofDoubles().setUnit("s")
                .setDescription("Slot time preempted batch calls had used when aborted: server work thrown away")
                .buildObserver();
        ObservableLongMeasurement limit = meter.gaugeBuilder(SLOTS_LIMIT).ofLongs().setUnit("{slot}")
                .setDescription("N of each pool: calls it lets run at once, set or learned (rtbe.slots.mode)").buildObserver();
        ObservableLongMeasurement outside = meter.gaugeBuilder(OUTSIDE_CALLS).ofLongs().setUnit("1")
                .setDescription("1 once a call waited inside the server while it was its pool's only call:"
                        + " other clients share the server").buildObserver();
        meter.batchCallback(() -> {
            for (PoolView pool : pools.get()) {
                observe(pool, inUse, queued, rejected, promoted, preempted, wasted, limit, outside);
            }
        }, inUse, queued, rejected, promoted, preempted, wasted, limit, outside);
    }

    private static void observe(PoolView pool, ObservableLongMeasurement inUse, ObservableLongMeasurement queued,
                                ObservableLongMeasurement rejected, ObservableLongMeasurement promoted,
                                ObservableLongMeasurement preempted, ObservableDoubleMeasurement wasted,
                                ObservableLongMeasurement limit, ObservableLongMeasurement outside) {
        SchedulerSnapshot s = pool.snapshot();
        Attributes byPool = Attributes.of(SpanRecorder.SERVER, pool.server(), SpanRecorder.MODEL, pool.model());
        for (Priority p : Priority.values()) {
            Attributes byClass = byPool.toBuilder().put(SpanRecorder.PRIORITY, p.label()).build();
            inUse.record(s.inFlight(p), byClass);
            queued.record(s.queued(p), byClass);
            rejected.record(s.rejectedQueueFull(p), byClass.toBuilder().put(REASON, "queue_full").build());
            rejected.record(s.rejectedMaxWait(p), byClass.toBuilder().put(REASON, "max_wait").build());
            rejected.record(s.rejectedCallTimeout(p), byClass.toBuilder().put(REASON, "timeout").build());
        }
        promoted.record(s.promotions(), byPool);
        preempted.record(s.preemptions(), byPool);
        wasted.record(SpanRecorder.seconds(s.preemptedSlotNanos()), byPool);
        limit.record(s.totalSlots(), byPool.toBuilder().put(SLOTS_MODE, pool.mode()).build());
        outside.record(pool.outsideCallsDetected() ? 1 : 0, byPool);
    }

    /** {@code rtbe.priority} plus the pool's {@code rtbe.server} and {@code rtbe.model} when known. */
    private static AttributesBuilder byPool(CallRecord r) {
        AttributesBuilder a = Attributes.builder().put(SpanRecorder.PRIORITY, label(r.priority));
        if (r.server != null) {
            a.put(SpanRecorder.SERVER, r.server);
        }
        if (r.model != null) {
            a.put(SpanRecorder.MODEL, r.model);
        }
        return a;
    }

    void record(CallRecord r, ErrorKind error) {
        Attributes byClassAndOutcome = byPool(r)
                .put(SpanRecorder.OUTCOME, r.outcome == null ? "unknown" : r.outcome).build();
        queueWait.record(SpanRecorder.seconds(r.totalQueueWaitNanos()), byClassAndOutcome);
        if (r.serverQueueWaitNanos >= 0) {
            serverWait.record(SpanRecorder.seconds(r.serverQueueWaitNanos), byPool(r).build());
        }
        if (r.firstTokenNanos != CallRecord.NONE) {
            ttft.record(SpanRecorder.seconds(r.firstTokenNanos - r.startNanos), byClassAndOutcome);
        }
        if ("forced".equals(r.outcome) || "reclaimed".equals(r.outcome)) {
            forced.add(1, byPool(r).put(REASON, "forced".equals(r.outcome) ? "max_hold" : "reclaimed").build());
        }
        if (r.request == null || r.request.operation() == null) {
            return; // not a GenAI operation (e.g. /api/tags): no GenAI metrics
        }
        AttributesBuilder genAi = Attributes.builder()
                .put(SpanRecorder.OPERATION, r.request.operation())
                .put(SpanRecorder.PROVIDER, SpanRecorder.provider(r));
        if (r.request.model() != null) {
            genAi.put(SpanRecorder.REQUEST_MODEL, r.request.model());
        }
        if (r.host != null) {
            genAi.put(SpanRecorder.SERVER_ADDRESS, r.host).put(SpanRecorder.SERVER_PORT, (long) r.port);
        }
        LlmResult result = r.result;
        if (result != null && result.responseModel() != null) {
            genAi.put(SpanRecorder.RESPONSE_MODEL, result.responseModel());
        }
        Attributes common = genAi.build();
        AttributesBuilder withError = common.toBuilder();
        if (error != null) {
            withError.put(SpanRecorder.ERROR_TYPE, error.type);
        }
        duration.record(SpanRecorder.seconds(r.endNanos - r.startNanos), withError.build());
        if (result != null && result.inputTokens() >= 0) {
            tokens.record(result.inputTokens(), common.toBuilder().put(TOKEN_TYPE, "input").build());
        }
        if (result != null && result.outputTokens() >= 0) {
            tokens.record(result.outputTokens(), common.toBuilder().put(TOKEN_TYPE, "output").build());
        }
    }

    private static String label(Priority p) {
        return p == null ? "unknown" : p.label();
    }
}
