package dev.rtbe.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.QueueFullException;
import dev.rtbe.agent.scheduler.VirtualClock;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Span and metric shapes for every way a call can end, from an in-memory exporter. Calls are
 * driven through the real {@link GatedCall} lifecycle on a virtual clock, so every timestamp is
 * exact.
 */
class CallSpansTest {
    private static final long OFFSET = 1_700_000_000_000_000_000L; // epoch nanos of the virtual clock's 0
    private static final URI GENERATE = URI.create("http://127.0.0.1:11434/api/generate");
    private static final String NDJSON = "application/x-ndjson";

    private final VirtualClock clock = new VirtualClock();
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private AgentRuntime runtime;
    private TelemetryPipeline pipeline;

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private AgentRuntime runtime(String... settings) {
        Map<String, String> props = new HashMap<>();
        props.put("rtbe.endpoints", "127.0.0.1:11434");
        props.put("rtbe.slots.total", "1");
        props.put("rtbe.log.calls", "true");
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        Settings s = new SettingsLoader(props, "", Map.of(), path -> {
            throw new NoSuchFileException(path);
        }).load();
        runtime = new AgentRuntime(s, clock, new AgentLog(new PrintStream(log, true, StandardCharsets.UTF_8)));
        pipeline = new TelemetryPipeline(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build(),
                SdkMeterProvider.builder().registerMetricReader(metrics).build(), EpochClock.withOffset(OFFSET),
                runtime.pools()::pools, s.captureContent());
        runtime.installTelemetry(new CallTelemetry() {
            @Override
            public TraceParent captureParent() {
                return AppContextReader.current();
            }

            @Override
            public void callEnded(CallRecord record) {
                pipeline.record(record);
            }
        });
        return runtime;
    }

    private GatedCall begin(String header, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return GatedCall.begin(runtime, "POST", GENERATE, runtime.inspector().inspect(GENERATE.getPath(), bytes), header);
    }

    private static String streamBody() {
        return "{\"model\":\"llama3.2\",\"prompt\":\"Summarise the news\",\"stream\":true}";
    }

    private void feed(GatedCall call, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        call.onBytes(b, 0, b.length);
    }

    private static final String FIRST = "{\"model\":\"llama3.2:latest\",\"response\":\"Hello\",\"done\":false}\n";
    private static final String SECOND = "{\"model\":\"llama3.2:latest\",\"response\":\" world\",\"done\":false}\n";
    private static final String FINAL = "{\"model\":\"llama3.2:latest\",\"response\":\"\",\"done\":true,\"done_reason\":\"stop\","
            + "\"total_duration\":900000000,\"load_duration\":100000000,\"prompt_eval_count\":12,"
            + "\"prompt_eval_duration\":200000000,\"eval_count\":2,\"eval_duration\":500000000}\n";

    private void advance(long millis) {
        clock.advance(Duration.ofMillis(millis));
    }

    private long epochMillis(long virtualMillisFromStart, long startNanos) {
        return startNanos + virtualMillisFromStart * 1_000_000L + OFFSET;
    }

    private SpanData span(String name) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + names()));
    }

    private List<String> names() {
        return spans.getFinishedSpanItems().stream().map(SpanData::getName).collect(Collectors.toList());
    }

    private static <T> T attr(SpanData s, String key, Class<T> type) {
        Object v = s.getAttributes().asMap().entrySet().stream().filter(e -> e.getKey().getKey().equals(key))
                .map(Map.Entry::getValue).findFirst().orElse(null);
        return v == null ? null : type.cast(v);
    }

    private SpanData callSpan() {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst()
                .orElseThrow(() -> new AssertionError("no client span in " + names()));
    }

    private void assertChildOf(SpanData parent, SpanData child) {
        assertEquals(parent.getSpanContext().getTraceId(), child.getTraceId());
        assertEquals(parent.getSpanId(), child.getParentSpanId(), child.getName());
    }

    @Test
    void aCompletedStreamHasTheCallSpanAndItsQueueFirstTokenAndDecodeChildrenWithExactTimes() throws Exception {
        runtime();
        long t0 = clock.nanoTime();
        GatedCall call = begin("rt", streamBody());
        call.acquire(null);
        advance(5);
        call.onSent();
        advance(300);
        call.onResponse(200, NDJSON, null);
        feed(call, FIRST);
        advance(200);
        feed(call, SECOND);
        feed(call, FINAL);
        advance(10);
        call.finish(Outcome.COMPLETED, null);

        assertEquals(List.of("queue", "time to first token", "decode", "text_completion llama3.2"), names());
        SpanData parent = callSpan();
        assertFalse(parent.getParentSpanContext().isValid(), "no application span: a new trace");
        assertEquals(epochMillis(0, t0), parent.getStartEpochNanos());
        assertEquals(epochMillis(515, t0), parent.getEndEpochNanos());
        assertEquals(StatusCode.UNSET, parent.getStatus().getStatusCode());
        SpanData queue = span("queue");
        SpanData ttft = span("time to first token");
        SpanData decode = span("decode");
        for (SpanData child : List.of(queue, ttft, decode)) {
            assertChildOf(parent, child);
            assertEquals(SpanKind.INTERNAL, child.getKind());
        }
        assertEquals(epochMillis(0, t0), queue.getStartEpochNanos());
        assertEquals(epochMillis(0, t0), queue.getEndEpochNanos());
        assertEquals(epochMillis(5, t0), ttft.getStartEpochNanos());
        assertEquals(epochMillis(305, t0), ttft.getEndEpochNanos());
        assertEquals(epochMillis(305, t0), decode.getStartEpochNanos());
        assertEquals(epochMillis(515, t0), decode.getEndEpochNanos());

        assertEquals("text_completion", attr(parent, "gen_ai.operation.name", String.class));
        assertEquals("ollama", attr(parent, "gen_ai.provider.name", String.class));
        assertEquals("llama3.2", attr(parent, "gen_ai.request.model", String.class));
        assertEquals("llama3.2:latest", attr(parent, "gen_ai.response.model", String.class));
        assertEquals(12L, attr(parent, "gen_ai.usage.input_tokens", Long.class));
        assertEquals(2L, attr(parent, "gen_ai.usage.output_tokens", Long.class));
        assertEquals(List.of("stop"), attr(parent, "gen_ai.response.finish_reasons", List.class));
        assertEquals("127.0.0.1", attr(parent, "server.address", String.class));
        assertEquals(11434L, attr(parent, "server.port", Long.class));
        assertEquals("POST", attr(parent, "http.request.method", String.class));
        assertEquals(200L, attr(parent, "http.response.status_code", Long.class));
        assertEquals("rt", attr(parent, "rtbe.priority", String.class));
        assertEquals("header", attr(parent, "rtbe.classified_by", String.class));
        assertEquals(0.0, attr(parent, "rtbe.queue.wait", Double.class));
        assertEquals(0L, attr(parent, "rtbe.queue.position", Long.class));
        assertEquals(false, attr(parent, "rtbe.promoted", Boolean.class));
        assertEquals(0.305, attr(parent, "rtbe.ttft.user", Double.class), 1e-9);
        assertEquals(0.300, attr(parent, "rtbe.ttft.server", Double.class), 1e-9);
        assertEquals(0.300, attr(parent, "gen_ai.response.time_to_first_chunk", Double.class), 1e-9);
        assertEquals(0.1, attr(parent, "ollama.load_duration", Double.class), 1e-9);
        assertEquals(0.2, attr(parent, "ollama.prompt_eval_duration", Double.class), 1e-9);
        assertEquals(0.5, attr(parent, "ollama.eval_duration", Double.class), 1e-9);
        assertEquals(0.9, attr(parent, "ollama.total_duration", Double.class), 1e-9);
        assertNull(attr(parent, "gen_ai.input.messages", String.class), "content is off by default");
        assertNull(attr(parent, "gen_ai.output.messages", String.class), "content is off by default");
        assertNull(attr(parent, "error.type", String.class));

        String line = log.toString(StandardCharsets.UTF_8);
        for (String field : List.of("call RT", "by=header", "queue_wait=0.000s", "ttft=0.305s", "ttft_server=0.300s",
                "load=0.100s", "prompt_eval=0.200s", "input_tokens=12", "output_tokens=2", "outcome=completed")) {
            assertTrue(line.contains(field), field + " missing from " + line);
        }
    }

    @Test
    void aQueuedCallShowsItsWaitAndPositionAndTheSendFallsBackToTheGrant() throws Exception {
        runtime();
        GatedCall first = begin("be", streamBody());
        first.acquire(null);
        long t0 = clock.nanoTime();
        GatedCall second = begin("be", streamBody());
        CompletableFuture<Permit> waiting = second.acquireAsync(null);
        advance(700);
        first.finish(Outcome.CLOSED, null); // the application closed early: not an error
        assertTrue(waiting.isDone());
        // no onSent(): an adapter that does not report it gets the grant as the send time
        advance(100);
        second.onResponse(200, NDJSON, null);
        feed(second, FIRST);
        feed(second, FINAL);
        second.finish(Outcome.COMPLETED, null);

        List<SpanData> calls = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT)
                .collect(Collectors.toList());
        assertEquals(2, calls.size());
        assertEquals("closed", attr(calls.get(0), "rtbe.outcome", String.class));
        assertEquals(StatusCode.UNSET, calls.get(0).getStatus().getStatusCode());
        SpanData waited = calls.get(1);
        assertEquals("be", attr(waited, "rtbe.priority", String.class));
        assertEquals(0.7, attr(waited, "rtbe.queue.wait", Double.class), 1e-9);
        assertEquals(0L, attr(waited, "rtbe.queue.position", Long.class), "no waiter was ahead of it");
        assertEquals(0.8, attr(waited, "rtbe.ttft.user", Double.class), 1e-9);
        assertEquals(0.1, attr(waited, "rtbe.ttft.server", Double.class), 1e-9);
        SpanData queue = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("queue") && s.getParentSpanId().equals(waited.getSpanId()))
                .findFirst().orElseThrow();
        assertEquals(epochMillis(0, t0), queue.getStartEpochNanos());
        assertEquals(epochMillis(700, t0), queue.getEndEpochNanos());
        assertEquals(0L, attr(queue, "rtbe.queue.position", Long.class));
    }

    @Test
    void aFullQueueIsAnErrorOnTheCallAndItsQueueSpanOnly() throws Exception {
        runtime("rtbe.queue.be.max-length", "1");
        begin("be", streamBody()).acquire(null);
        begin("be", streamBody()).acquireAsync(null);
        GatedCall rejected = begin("be", streamBody());
        assertThrows(QueueFullException.class, () -> rejected.acquire(null));

        SpanData parent = callSpan();
        assertEquals(StatusCode.ERROR, parent.getStatus().getStatusCode());
        assertTrue(parent.getStatus().getDescription().contains("queue is full"), parent.getStatus().getDescription());
        assertEquals("queue_full", attr(parent, "error.type", String.class));
        assertEquals("rejected", attr(parent, "rtbe.outcome", String.class));
        assertEquals(List.of("queue", "text_completion llama3.2"), names());
        assertFalse(parent.getAttributes().asMap().keySet().stream().anyMatch(k -> k.getKey().equals("rtbe.queue.position")));
        assertEquals(StatusCode.ERROR, span("queue").getStatus().getStatusCode());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("outcome=rejected queue_wait=0.000s"), log::toString);
    }

    @Test
    void theMaximumWaitIsAnErrorWithTheTimeWaited() throws Exception {
        runtime("rtbe.queue.be.max-wait", "2s");
        begin("be", streamBody()).acquire(null);
        long t0 = clock.nanoTime();
        GatedCall waiting = begin("be", streamBody());
        CompletableFuture<Permit> f = waiting.acquireAsync(null);
        advance(2000);
        assertTrue(f.isCompletedExceptionally());

        SpanData parent = callSpan();
        assertEquals("max_wait", attr(parent, "error.type", String.class));
        assertEquals(2.0, attr(parent, "rtbe.queue.wait", Double.class), 1e-9);
        assertEquals(epochMillis(2000, t0), span("queue").getEndEpochNanos());
    }

    @Test
    void aConnectionErrorFailsTheFirstTokenSpan() throws Exception {
        runtime();
        GatedCall call = begin(null, streamBody());
        call.acquire(null);
        call.onSent();
        advance(3);
        call.finish(Outcome.FAILED, new ConnectException("Connection refused"));

        SpanData parent = callSpan();
        assertEquals("java.net.ConnectException", attr(parent, "error.type", String.class));
        assertEquals(StatusCode.ERROR, parent.getStatus().getStatusCode());
        assertTrue(parent.getStatus().getDescription().contains("Connection refused"));
        assertEquals(StatusCode.ERROR, span("time to first token").getStatus().getStatusCode());
        assertEquals(List.of("queue", "time to first token", "text_completion llama3.2"), names());
        assertEquals("streaming", attr(parent, "rtbe.classified_by", String.class));
    }

    @Test
    void anErrorLineMidStreamFailsTheDecodeSpanWithTheServersMessage() throws Exception {
        runtime();
        GatedCall call = begin("rt", streamBody());
        call.acquire(null);
        call.onSent();
        call.onResponse(200, NDJSON, null);
        feed(call, FIRST);
        feed(call, "{\"error\":\"an error was encountered while running the model\"}\n");
        call.finish(Outcome.COMPLETED, null);

        SpanData parent = callSpan();
        assertEquals("stream_error", attr(parent, "error.type", String.class));
        assertEquals("an error was encountered while running the model", parent.getStatus().getDescription());
        assertEquals(StatusCode.ERROR, span("decode").getStatus().getStatusCode());
        assertEquals(StatusCode.UNSET, span("time to first token").getStatus().getStatusCode());
    }

    @Test
    void anErrorStatusIsAnError() throws Exception {
        runtime();
        GatedCall call = begin("rt", streamBody());
        call.acquire(null);
        call.onResponse(404, "application/json", null);
        feed(call, "{\"error\":\"model \\\"llama3.2\\\" not found, try pulling it first\"}");
        call.finish(Outcome.COMPLETED, null);
        SpanData parent = callSpan();
        assertEquals("404", attr(parent, "error.type", String.class));
        assertEquals(404L, attr(parent, "http.response.status_code", Long.class));
        assertTrue(parent.getStatus().getDescription().contains("not found"));
    }

    @Test
    void cancellationIsAnError() throws Exception {
        runtime();
        GatedCall call = begin("rt", streamBody());
        call.acquire(null);
        call.onResponse(200, NDJSON, null);
        feed(call, FIRST);
        call.finish(Outcome.CANCELLED, null);
        assertEquals("cancelled", attr(callSpan(), "error.type", String.class));
        assertEquals(StatusCode.ERROR, span("decode").getStatus().getStatusCode());
    }

    @Test
    void aForcedReleaseIsAnErrorAndCounted() throws Exception {
        runtime("rtbe.slots.max-hold", "5s");
        GatedCall call = begin("be", streamBody());
        call.acquire(null);
        advance(5000);
        assertEquals(Outcome.FORCED, call.outcome());
        SpanData parent = callSpan();
        assertEquals("forced_release", attr(parent, "error.type", String.class));
        assertEquals(5.0, (parent.getEndEpochNanos() - parent.getStartEpochNanos()) / 1e9, 1e-9);
        MetricData forced = metric(CallMetrics.FORCED_RELEASES);
        LongPointData point = forced.getLongSumData().getPoints().iterator().next();
        assertEquals(1, point.getValue());
        assertEquals("max_hold", point.getAttributes().get(CallMetrics.REASON));
    }

    @Test
    void theCallJoinsTheApplicationsCurrentTrace() throws Exception {
        runtime();
        // The application's own OpenTelemetry (in unit tests the same, unshaded API; read by reflection all the same).
        InMemorySpanExporter appSpans = InMemorySpanExporter.create();
        SdkTracerProvider app = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(appSpans)).build();
        Span handler = app.get("app").spanBuilder("GET /summary").startSpan();
        GatedCall call;
        try (Scope ignored = handler.makeCurrent()) {
            call = begin("rt", streamBody());
        }
        call.acquire(null);
        call.finish(Outcome.CLOSED, null);
        handler.end();

        SpanData ours = callSpan();
        assertEquals(handler.getSpanContext().getTraceId(), ours.getTraceId());
        assertEquals(handler.getSpanContext().getSpanId(), ours.getParentSpanId());
        assertTrue(ours.getParentSpanContext().isRemote(), "the application's span is a remote parent to our SDK");
        assertChildOf(ours, span("queue"));
        app.close();
    }

    @Test
    void contentIsRecordedOnlyWhenAskedAndBounded() throws Exception {
        runtime("rtbe.telemetry.capture-content", "true");
        GatedCall call = begin("rt", streamBody());
        call.acquire(null);
        call.onResponse(200, NDJSON, null);
        feed(call, FIRST);
        feed(call, SECOND);
        feed(call, FINAL);
        call.finish(Outcome.COMPLETED, null);
        SpanData parent = callSpan();
        assertEquals("[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Summarise the news\"}]}]",
                attr(parent, "gen_ai.input.messages", String.class));
        assertEquals("[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Hello world\"}],"
                + "\"finish_reason\":\"stop\"}]", attr(parent, "gen_ai.output.messages", String.class));

        spans.reset();
        String huge = "x".repeat(40_000); // over the 16 KiB bound, under the 64 KiB line limit
        GatedCall big = begin("rt", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + huge + "\"}]}");
        big.acquire(null);
        big.onResponse(200, NDJSON, null);
        feed(big, "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"" + huge + "\"},\"done\":false}\n");
        feed(big, FINAL);
        big.finish(Outcome.COMPLETED, null);
        SpanData bounded = callSpan();
        assertTrue(attr(bounded, "gen_ai.input.messages", String.class).length() <= 16 * 1024);
        assertTrue(attr(bounded, "gen_ai.output.messages", String.class).length() <= 16 * 1024 + 200);
    }

    @Test
    void metricsSeparateQueueWaitAndFirstTokenByClassAndOutcome() throws Exception {
        runtime("rtbe.queue.be.max-length", "1");
        GatedCall rt = begin("rt", streamBody());
        rt.acquire(null);
        GatedCall be = begin("be", streamBody());
        CompletableFuture<Permit> beWaits = be.acquireAsync(null);
        assertThrows(QueueFullException.class, () -> begin("be", streamBody()).acquire(null));

        // While one RT call runs and one BE waits: the gauges show it.
        Collection<MetricData> live = metrics.collectAllMetrics();
        assertEquals(1, gauge(live, CallMetrics.SLOTS_IN_USE, "rt"));
        assertEquals(1, gauge(live, CallMetrics.QUEUE_LENGTH, "be"));
        assertEquals(0, gauge(live, CallMetrics.QUEUE_LENGTH, "rt"));

        advance(400);
        rt.onResponse(200, NDJSON, null);
        feed(rt, FIRST);
        feed(rt, FINAL);
        rt.finish(Outcome.COMPLETED, null);
        assertTrue(beWaits.isDone());
        be.finish(Outcome.CLOSED, null);

        Collection<MetricData> all = metrics.collectAllMetrics();
        HistogramPointData beWait = histogram(all, CallMetrics.QUEUE_WAIT, "be", "closed");
        assertEquals(1, beWait.getCount());
        assertEquals(0.4, beWait.getSum(), 1e-9);
        assertEquals(1, histogram(all, CallMetrics.QUEUE_WAIT, "be", "rejected").getCount());
        assertEquals(0.4, histogram(all, CallMetrics.TTFT, "rt", "completed").getSum(), 1e-9);
        MetricData duration = find(all, CallMetrics.OPERATION_DURATION);
        assertEquals(3, duration.getHistogramData().getPoints().stream().mapToLong(HistogramPointData::getCount).sum());
        assertTrue(duration.getHistogramData().getPoints().stream()
                .anyMatch(p -> "queue_full".equals(p.getAttributes().get(AttributeKey.stringKey("error.type")))));
        MetricData tokens = find(all, CallMetrics.TOKEN_USAGE);
        assertEquals(12, tokens.getHistogramData().getPoints().stream()
                .filter(p -> "input".equals(p.getAttributes().get(CallMetrics.TOKEN_TYPE))).findFirst().orElseThrow().getSum(), 1e-9);
        assertEquals(2, tokens.getHistogramData().getPoints().stream()
                .filter(p -> "output".equals(p.getAttributes().get(CallMetrics.TOKEN_TYPE))).findFirst().orElseThrow().getSum(), 1e-9);
        LongPointData queueFull = find(all, CallMetrics.REJECTIONS).getLongSumData().getPoints().stream()
                .filter(p -> "queue_full".equals(p.getAttributes().get(CallMetrics.REASON))
                        && "be".equals(p.getAttributes().get(AttributeKey.stringKey("rtbe.priority")))
                        && "llama3.2:latest".equals(p.getAttributes().get(AttributeKey.stringKey("rtbe.model"))))
                .findFirst().orElseThrow();
        assertEquals(1, queueFull.getValue());
        assertNotNull(find(all, CallMetrics.PROMOTIONS));
        assertEquals(0, gauge(all, CallMetrics.SLOTS_IN_USE, "rt"));
    }

    @Test
    void aPreemptedCallShowsTheLostAttemptItsWastedSlotTimeAndTheSecondWait() throws Exception {
        runtime("rtbe.preemption", "transparent");
        long t0 = clock.nanoTime();
        String batchBody = "{\"model\":\"llama3.2\",\"prompt\":\"Summarise\",\"stream\":false}";
        GatedCall be = begin("be", batchBody);
        be.acquire(null);
        advance(5);
        int[] aborts = new int[1];
        assertTrue(be.offerPreemption(() -> aborts[0]++));
        be.onSent();
        advance(100);

        GatedCall rt = begin("rt", streamBody());
        rt.acquire(null); // takes the batch call's slot at once (grace 0)
        assertEquals(1, aborts[0]);
        assertTrue(be.wasPreempted());
        assertFalse(be.withdrawPreemption(), "a preempted call's response must not reach the application");
        rt.onSent();
        advance(300);
        rt.onResponse(200, NDJSON, null);
        feed(rt, FIRST);
        feed(rt, FINAL);
        advance(50);
        rt.finish(Outcome.COMPLETED, null);

        Permit again = be.reacquireAfterPreemption(null); // the slot is free: granted at once
        assertEquals(1, again.preemptions());
        assertEquals(t0, again.arrivalNanos(), "the original arrival time is kept");
        be.onSent();
        advance(200);
        be.onResponse(200, "application/json", null);
        feed(be, FINAL);
        be.finish(Outcome.COMPLETED, null);

        SpanData call = spans.getFinishedSpanItems().stream()
                .filter(x -> x.getKind() == SpanKind.CLIENT && "be".equals(attr(x, "rtbe.priority", String.class)))
                .findFirst().orElseThrow();
        List<SpanData> children = spans.getFinishedSpanItems().stream()
                .filter(x -> x.getParentSpanId().equals(call.getSpanId()))
                .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos)) // stable: recorded in order
                .collect(Collectors.toList());
        assertEquals(List.of("queue", "preempted attempt", "queue", "time to first token", "decode"),
                children.stream().map(SpanData::getName).collect(Collectors.toList()));
        SpanData lost = children.get(1);
        assertEquals(epochMillis(0, t0), lost.getStartEpochNanos());
        assertEquals(epochMillis(105, t0), lost.getEndEpochNanos());
        assertEquals(0.105, attr(lost, "rtbe.preempted.slot_time", Double.class), 1e-9);
        SpanData secondWait = children.get(2);
        assertEquals(epochMillis(105, t0), secondWait.getStartEpochNanos());
        assertEquals(epochMillis(455, t0), secondWait.getEndEpochNanos());
        assertEquals(epochMillis(455, t0), children.get(3).getStartEpochNanos(), "first token counts from the re-send");
        assertEquals(1L, attr(call, "rtbe.preemptions", Long.class));
        assertEquals(0.105, attr(call, "rtbe.preempted.slot_time", Double.class), 1e-9);
        assertEquals(0.350, attr(call, "rtbe.queue.wait", Double.class), 1e-9);
        assertEquals(epochMillis(655, t0), call.getEndEpochNanos());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("queue_wait=0.350s preempted=1 wasted=0.105s"), log::toString);

        Collection<MetricData> all = metrics.collectAllMetrics();
        assertEquals(1, find(all, CallMetrics.PREEMPTIONS).getLongSumData().getPoints().stream()
                .mapToLong(LongPointData::getValue).sum());
        assertEquals(0.105, find(all, CallMetrics.PREEMPTED_SLOT_TIME).getDoubleSumData().getPoints().stream()
                .mapToDouble(p -> p.getValue()).sum(), 1e-9);
        assertEquals(0, runtime.pools().pools().stream().mapToInt(p -> p.snapshot().inFlight()).sum());
    }

    @Test
    void telemetryIsOffEntirelyWithNoneOrWhenTheSdkIsDisabled() {
        runtime("rtbe.telemetry.exporter", "none");
        assertEquals(CallTelemetry.NOOP, AgentTelemetry.create(runtime.settings(), runtime.clock(), runtime.pools()::pools, runtime.ledgers(), null, m -> {}));
        runtime();
        System.setProperty("otel.sdk.disabled", "true");
        try {
            assertEquals(CallTelemetry.NOOP, AgentTelemetry.create(runtime.settings(), runtime.clock(), runtime.pools()::pools, runtime.ledgers(), null, m -> {}));
        } finally {
            System.clearProperty("otel.sdk.disabled");
        }
    }

    private MetricData metric(String name) {
        return find(metrics.collectAllMetrics(), name);
    }

    private static MetricData find(Collection<MetricData> all, String name) {
        return all.stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name + " in "
                        + all.stream().map(MetricData::getName).collect(Collectors.toList())));
    }

    /** The sum over every pool of the gauge's points for one class. */
    private static long gauge(Collection<MetricData> all, String name, String priority) {
        return find(all, name).getLongGaugeData().getPoints().stream()
                .filter(p -> priority.equals(p.getAttributes().get(AttributeKey.stringKey("rtbe.priority"))))
                .mapToLong(LongPointData::getValue).sum();
    }

    private static HistogramPointData histogram(Collection<MetricData> all, String name, String priority, String outcome) {
        return find(all, name).getHistogramData().getPoints().stream()
                .filter(p -> priority.equals(p.getAttributes().get(AttributeKey.stringKey("rtbe.priority")))
                        && outcome.equals(p.getAttributes().get(AttributeKey.stringKey("rtbe.outcome"))))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " point for " + priority + "/" + outcome));
    }
}
