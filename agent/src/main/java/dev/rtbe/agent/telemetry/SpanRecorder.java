package dev.rtbe.agent.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import dev.rtbe.agent.wire.ApiStyle;
import dev.rtbe.agent.wire.LlmResult;
import java.util.Collections;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Builds one call's spans after it ended, with explicit timestamps: the CLIENT span
 * {@code {operation} {model}} for the whole call, and the children {@code queue},
 * {@code time to first token} (after the send) and {@code decode}, so a trace viewer draws
 * where the time went. A call preempted for an RT call also has, per lost attempt, a
 * {@code preempted attempt} span (its slot time, thrown away) followed by another {@code queue}.
 * Nothing is kept open while the call runs.
 */
final class SpanRecorder {
    static final String QUEUE = "queue";
    static final String FIRST_TOKEN = "time to first token";
    static final String DECODE = "decode";
    static final String PREEMPTED_ATTEMPT = "preempted attempt";

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Boolean> REQUEST_STREAM = AttributeKey.booleanKey("gen_ai.request.stream");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<java.util.List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<Double> TIME_TO_FIRST_CHUNK = AttributeKey.doubleKey("gen_ai.response.time_to_first_chunk");
    static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");
    static final AttributeKey<String> OUTPUT_MESSAGES = AttributeKey.stringKey("gen_ai.output.messages");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> PRIORITY = AttributeKey.stringKey("rtbe.priority");
    static final AttributeKey<String> CLASSIFIED_BY = AttributeKey.stringKey("rtbe.classified_by");
    static final AttributeKey<String> SERVER = AttributeKey.stringKey("rtbe.server");
    static final AttributeKey<String> MODEL = AttributeKey.stringKey("rtbe.model");
    static final AttributeKey<String> DEFAULT_REASON = AttributeKey.stringKey("rtbe.pool.default_reason");
    static final AttributeKey<Double> SERVER_QUEUE_WAIT = AttributeKey.doubleKey("rtbe.server.queue_wait");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("rtbe.outcome");
    static final AttributeKey<Double> QUEUE_WAIT = AttributeKey.doubleKey("rtbe.queue.wait");
    static final AttributeKey<Long> QUEUE_POSITION = AttributeKey.longKey("rtbe.queue.position");
    static final AttributeKey<Boolean> PROMOTED = AttributeKey.booleanKey("rtbe.promoted");
    static final AttributeKey<Long> PREEMPTIONS = AttributeKey.longKey("rtbe.preemptions");
    static final AttributeKey<Double> PREEMPTED_SLOT_TIME = AttributeKey.doubleKey("rtbe.preempted.slot_time");
    static final AttributeKey<Double> TTFT_USER = AttributeKey.doubleKey("rtbe.ttft.user");
    static final AttributeKey<Double> TTFT_SERVER = AttributeKey.doubleKey("rtbe.ttft.server");
    static final AttributeKey<Double> OLLAMA_LOAD = AttributeKey.doubleKey("ollama.load_duration");
    static final AttributeKey<Double> OLLAMA_PROMPT_EVAL = AttributeKey.doubleKey("ollama.prompt_eval_duration");
    static final AttributeKey<Double> OLLAMA_EVAL = AttributeKey.doubleKey("ollama.eval_duration");
    static final AttributeKey<Double> OLLAMA_TOTAL = AttributeKey.doubleKey("ollama.total_duration");

    private final Tracer tracer;
    private final EpochClock clock;
    private final boolean captureContent;

    SpanRecorder(Tracer tracer, EpochClock clock, boolean captureContent) {
        this.tracer = tracer;
        this.clock = clock;
        this.captureContent = captureContent;
    }

    void record(CallRecord r, ErrorKind error) {
        long end = r.endNanos;
        SpanBuilder builder = tracer.spanBuilder(name(r))
                .setSpanKind(SpanKind.CLIENT)
                .setStartTimestamp(epoch(r.startNanos), TimeUnit.NANOSECONDS)
                .setAllAttributes(attributes(r, error));
        Context parent = parentContext(r.parent);
        if (parent == null) {
            builder.setNoParent();
        } else {
            builder.setParent(parent);
        }
        Span call = builder.startSpan();
        Context inCall = Context.root().with(call);

        boolean failedInQueue = !r.granted() && error != null;
        int preemptions = r.preemptions();
        child(QUEUE, inCall, r.queueStartNanos(), r.firstQueueEndNanos(),
                failedInQueue && preemptions == 0 ? error : null, queueAttributes(r));
        for (int i = 0; i < preemptions; i++) {
            long granted = r.attemptGrantedNanos(i);
            long lost = r.attemptPreemptedNanos(i);
            child(PREEMPTED_ATTEMPT, inCall, granted, lost, null,
                    Attributes.of(PREEMPTED_SLOT_TIME, seconds(lost - granted)));
            child(QUEUE, inCall, lost, r.requeueEndNanos(i),
                    failedInQueue && i == preemptions - 1 ? error : null, queueAttributes(r));
        }
        if (r.granted()) {
            boolean gotFirst = r.firstTokenNanos != CallRecord.NONE;
            long send = r.sendNanos();
            child(FIRST_TOKEN, inCall, send, gotFirst ? r.firstTokenNanos : end, gotFirst ? null : error,
                    Attributes.empty());
            if (gotFirst) {
                child(DECODE, inCall, r.firstTokenNanos, end, error, decodeAttributes(r.result));
            }
        }
        if (error != null) {
            call.setStatus(StatusCode.ERROR, error.description);
        }
        call.end(epoch(end), TimeUnit.NANOSECONDS);
    }

    private void child(String name, Context parent, long start, long end, ErrorKind error, Attributes attributes) {
        Span span = tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(epoch(start), TimeUnit.NANOSECONDS).setAllAttributes(attributes).startSpan();
        if (error != null) {
            span.setStatus(StatusCode.ERROR, error.description);
            span.setAttribute(ERROR_TYPE, error.type);
        }
        span.end(epoch(Math.max(start, end)), TimeUnit.NANOSECONDS);
    }

    static String name(CallRecord r) {
        String operation = r.request == null ? null : r.request.operation();
        String model = requestModel(r);
        if (operation == null) {
            return (r.method != null ? r.method : "call") + (r.path != null ? " " + r.path : "");
        }
        return model == null ? operation : operation + " " + model;
    }

    static String provider(CallRecord r) {
        return r.request != null && r.request.apiStyle() == ApiStyle.OPENAI ? "openai" : "ollama";
    }

    private static String requestModel(CallRecord r) {
        return r.request == null ? null : r.request.model();
    }

    private Attributes attributes(CallRecord r, ErrorKind error) {
        AttributesBuilder a = Attributes.builder();
        if (r.request != null && r.request.operation() != null) {
            a.put(OPERATION, r.request.operation());
        }
        a.put(PROVIDER, provider(r));
        putIfNotNull(a, REQUEST_MODEL, requestModel(r));
        if (r.request != null && r.request.stream()) {
            a.put(REQUEST_STREAM, true);
        }
        putIfNotNull(a, SERVER_ADDRESS, r.host);
        if (r.host != null) {
            a.put(SERVER_PORT, (long) r.port);
        }
        putIfNotNull(a, HTTP_METHOD, r.method);
        putIfNotNull(a, URL_PATH, r.path);
        if (r.status > 0) {
            a.put(HTTP_STATUS, (long) r.status);
        }
        if (r.priority != null) {
            a.put(PRIORITY, r.priority.label());
        }
        putIfNotNull(a, CLASSIFIED_BY, r.classifiedBy);
        putIfNotNull(a, OUTCOME, r.outcome);
        putIfNotNull(a, SERVER, r.server);
        putIfNotNull(a, MODEL, r.model);
        putIfNotNull(a, DEFAULT_REASON, r.defaultReason);
        if (r.serverQueueWaitNanos >= 0) {
            a.put(SERVER_QUEUE_WAIT, seconds(r.serverQueueWaitNanos));
        }
        a.put(QUEUE_WAIT, seconds(r.totalQueueWaitNanos()));
        if (r.preemptions() > 0) {
            a.put(PREEMPTIONS, (long) r.preemptions());
            a.put(PREEMPTED_SLOT_TIME, seconds(r.preemptedSlotNanos()));
        }
        if (r.queuePosition >= 0) {
            a.put(QUEUE_POSITION, (long) r.queuePosition);
        }
        a.put(PROMOTED, r.promoted);
        if (r.firstTokenNanos != CallRecord.NONE) {
            a.put(TTFT_USER, seconds(r.firstTokenNanos - r.startNanos));
            if (r.granted()) {
                double server = seconds(r.firstTokenNanos - r.sendNanos());
                a.put(TTFT_SERVER, server);
                a.put(TIME_TO_FIRST_CHUNK, server);
            }
        }
        LlmResult result = r.result;
        if (result != null) {
            putIfNotNull(a, RESPONSE_MODEL, result.responseModel());
            if (result.inputTokens() >= 0) {
                a.put(INPUT_TOKENS, result.inputTokens());
            }
            if (result.outputTokens() >= 0) {
                a.put(OUTPUT_TOKENS, result.outputTokens());
            }
            if (result.finishReason() != null) {
                a.put(FINISH_REASONS, Collections.singletonList(result.finishReason()));
            }
            putDuration(a, OLLAMA_LOAD, result.loadDurationNanos());
            putDuration(a, OLLAMA_PROMPT_EVAL, result.promptEvalDurationNanos());
            putDuration(a, OLLAMA_EVAL, result.evalDurationNanos());
            putDuration(a, OLLAMA_TOTAL, result.totalDurationNanos());
        }
        if (error != null) {
            a.put(ERROR_TYPE, error.type);
        }
        if (captureContent) {
            putContent(a, r);
        }
        return a.build();
    }

    /** Opt-in only: the prompt or messages as sent, and the answer text, both bounded. */
    private static void putContent(AttributesBuilder a, CallRecord r) {
        String input = r.request == null ? null : r.request.inputContent();
        if (input != null) {
            a.put(INPUT_MESSAGES, input.startsWith("[") ? input
                    : "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":" + input + "}]}]");
        }
        String output = r.result == null ? null : r.result.outputText();
        if (output != null) {
            StringBuilder json = new StringBuilder("[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":");
            Json.quote(output, json);
            json.append("}]");
            if (r.result.finishReason() != null) {
                json.append(",\"finish_reason\":");
                Json.quote(r.result.finishReason(), json);
            }
            a.put(OUTPUT_MESSAGES, json.append("}]").toString());
        }
    }

    private static Attributes queueAttributes(CallRecord r) {
        AttributesBuilder a = Attributes.builder();
        if (r.priority != null) {
            a.put(PRIORITY, r.priority.label());
        }
        if (r.queuePosition >= 0) {
            a.put(QUEUE_POSITION, (long) r.queuePosition);
        }
        a.put(PROMOTED, r.promoted);
        return a.build();
    }

    private static Attributes decodeAttributes(LlmResult result) {
        if (result == null || result.outputTokens() < 0) {
            return Attributes.empty();
        }
        return Attributes.of(OUTPUT_TOKENS, result.outputTokens());
    }

    /** The application's span as a remote parent in our (separate) OpenTelemetry. */
    static Context parentContext(TraceParent parent) {
        if (parent == null) {
            return null;
        }
        SpanContext context = SpanContext.createFromRemoteParent(parent.traceId().toLowerCase(Locale.ROOT),
                parent.spanId().toLowerCase(Locale.ROOT),
                parent.sampled() ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault());
        return context.isValid() ? Context.root().with(Span.wrap(context)) : null;
    }

    private long epoch(long monotonic) {
        return clock.toEpochNanos(monotonic);
    }

    private static void putIfNotNull(AttributesBuilder a, AttributeKey<String> key, String value) {
        if (value != null) {
            a.put(key, value);
        }
    }

    private static void putDuration(AttributesBuilder a, AttributeKey<Double> key, long nanos) {
        if (nanos >= 0) {
            a.put(key, seconds(nanos));
        }
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
