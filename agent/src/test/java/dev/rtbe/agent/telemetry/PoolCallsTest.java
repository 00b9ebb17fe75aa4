package dev.rtbe.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.VirtualClock;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
 * The wiring of pools into a call's life: a call waits in its own pool (server, model), routes that
 * run no model never wait, a call whose model is unknown goes to the default pool and its span says
 * why, and the wait inside the server reaches spans, metrics and (with auto N) the learner.
 */
class PoolCallsTest {
    private static final String LOCAL = "http://127.0.0.1:11434";
    private static final String GPU = "http://10.0.0.5:11434";
    private static final String NDJSON = "application/x-ndjson";
    private static final AttributeKey<String> SERVER = AttributeKey.stringKey("rtbe.server");
    private static final AttributeKey<String> MODEL = AttributeKey.stringKey("rtbe.model");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("rtbe.pool.default_reason");
    private static final AttributeKey<Double> SERVER_WAIT = AttributeKey.doubleKey("rtbe.server.queue_wait");
    /** total 0.9 s = load 0.1 + prompt 0.2 + eval 0.5 + 0.1 s waiting inside the server. */
    private static final String FINAL_WAITED = "{\"model\":\"llama3.2:latest\",\"response\":\"\",\"done\":true,"
            + "\"total_duration\":900000000,\"load_duration\":100000000,\"prompt_eval_count\":12,"
            + "\"prompt_eval_duration\":200000000,\"eval_count\":2,\"eval_duration\":500000000}\n";
    /** total = load + prompt + eval: started at once. */
    private static final String FINAL_AT_ONCE = "{\"model\":\"llama3.2:latest\",\"response\":\"\",\"done\":true,"
            + "\"total_duration\":800000000,\"load_duration\":100000000,\"prompt_eval_count\":12,"
            + "\"prompt_eval_duration\":200000000,\"eval_count\":2,\"eval_duration\":500000000}\n";

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

    private void runtime(String... settings) {
        Map<String, String> props = new HashMap<>();
        props.put("rtbe.endpoints", "127.0.0.1:11434,gpu@10.0.0.5:11434");
        props.put("rtbe.slots.total", "1");
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        Settings s = new SettingsLoader(props, "", Map.of(), path -> {
            throw new NoSuchFileException(path);
        }).load();
        runtime = new AgentRuntime(s, clock, new AgentLog(new PrintStream(log, true, StandardCharsets.UTF_8)));
        pipeline = new TelemetryPipeline(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build(),
                SdkMeterProvider.builder().registerMetricReader(metrics).build(), EpochClock.withOffset(0),
                runtime.pools()::pools, false);
        runtime.installTelemetry(new CallTelemetry() {
            @Override
            public TraceParent captureParent() {
                return null;
            }

            @Override
            public void callEnded(CallRecord record) {
                pipeline.record(record);
            }
        });
    }

    private GatedCall call(String base, String path, String body, String priority) {
        URI uri = URI.create(base + path);
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        return GatedCall.begin(runtime, body == null ? "GET" : "POST", uri, runtime.inspector().inspect(path, bytes),
                priority);
    }

    private static String generate(String model) {
        return "{\"model\":\"" + model + "\",\"prompt\":\"p\",\"stream\":true}";
    }

    private void complete(GatedCall call, String finalChunk) {
        call.onResponse(200, NDJSON, null);
        byte[] b = finalChunk.getBytes(StandardCharsets.UTF_8);
        call.onBytes(b, 0, b.length);
        call.finish(Outcome.COMPLETED, null);
    }

    private List<SpanData> callSpans() {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT).collect(Collectors.toList());
    }

    private SpanData spanOf(String path) {
        return callSpans().stream().filter(s -> path.equals(s.getAttributes().get(AttributeKey.stringKey("url.path"))))
                .findFirst().orElseThrow(() -> new AssertionError("no span for " + path));
    }

    @Test
    void anEmbeddingCallIsNotBlockedByASaturatedChatModel() throws Exception {
        runtime();
        GatedCall chat = call(LOCAL, "/api/chat", generate("llama3.2"), "be");
        chat.acquire(null);
        GatedCall queued = call(LOCAL, "/api/chat", generate("llama3.2"), "be");
        CompletableFuture<Permit> waits = queued.acquireAsync(null);
        assertFalse(waits.isDone(), "the chat model's one slot is taken");

        GatedCall embed = call(LOCAL, "/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":\"x\"}", "be");
        assertTrue(embed.acquireAsync(null).isDone(), "the embedding model has its own pool");
        assertEquals("localhost:11434/nomic-embed-text:latest", embed.pool().key().toString());
        assertTrue(embed.pool().embedding());
        embed.finish(Outcome.COMPLETED, null);
        chat.finish(Outcome.CLOSED, null);
        assertTrue(waits.isDone());
        queued.finish(Outcome.CLOSED, null);

        SpanData span = spanOf("/api/embed");
        assertEquals("localhost:11434", span.getAttributes().get(SERVER));
        assertEquals("nomic-embed-text:latest", span.getAttributes().get(MODEL));
        assertNull(span.getAttributes().get(REASON));
    }

    @Test
    void twoServersAreIndependent() throws Exception {
        runtime();
        GatedCall local = call(LOCAL, "/api/generate", generate("llama3.2"), "be");
        local.acquire(null);
        GatedCall remote = call(GPU, "/api/generate", generate("llama3.2"), "be");
        assertTrue(remote.acquireAsync(null).isDone(), "the same model on another server has its own slots");
        assertEquals("gpu", remote.pool().server());
        remote.finish(Outcome.CLOSED, null);
        local.finish(Outcome.CLOSED, null);
        assertTrue(callSpans().stream().anyMatch(s -> "gpu".equals(s.getAttributes().get(SERVER))));
    }

    @Test
    void routesThatRunNoModelNeverWait() throws Exception {
        runtime();
        GatedCall busy = call(LOCAL, "/api/generate", "{\"prompt\":\"no model field\"}", "be");
        busy.acquire(null); // the default pool is full now
        for (String path : List.of("/api/tags", "/api/ps", "/api/version", "/v1/models")) {
            GatedCall c = call(LOCAL, path, null, "rt");
            c.acquire(Duration.ZERO);
            assertTrue(c.pool().isUngated(), path);
            c.finish(Outcome.COMPLETED, null);
        }
        GatedCall show = call(LOCAL, "/api/show", "{\"model\":\"llama3.2\"}", "be");
        show.acquire(Duration.ZERO);
        show.finish(Outcome.COMPLETED, null);
        busy.finish(Outcome.CLOSED, null);
        assertEquals("_ungated", spanOf("/api/tags").getAttributes().get(MODEL));
        assertEquals(1, runtime.pools().pools().stream().filter(p -> p.server().equals("localhost:11434")).count(),
                "no pool was made for /api/show");
    }

    @Test
    void aCallWhoseModelCannotBeReadGoesToTheDefaultPoolAndItsSpanSaysWhy() throws Exception {
        runtime("rtbe.pools.max-per-server", "1");
        GatedCall noField = call(LOCAL, "/api/generate", "{\"prompt\":\"p\"}", "be");
        noField.acquire(null);
        noField.finish(Outcome.COMPLETED, null);
        GatedCall unread = call(LOCAL, "/v1/chat/completions", "not json", "be");
        unread.acquire(null);
        unread.finish(Outcome.COMPLETED, null);
        call(LOCAL, "/api/generate", generate("first"), "be").finish(Outcome.CLOSED, null);
        GatedCall overCap = call(LOCAL, "/api/generate", generate("second"), "be");
        overCap.acquire(null);
        overCap.finish(Outcome.COMPLETED, null);

        List<String> reasons = callSpans().stream().map(s -> s.getAttributes().get(REASON)).collect(Collectors.toList());
        assertEquals(java.util.Arrays.asList("no_model_field", "body_not_read", null, "pool_limit"), reasons);
        assertTrue(callSpans().stream().filter(s -> s.getAttributes().get(REASON) != null)
                .allMatch(s -> "_default".equals(s.getAttributes().get(MODEL))));
    }

    @Test
    void theWaitInsideTheServerReachesTheSpanTheMetricsAndTheCallLine() throws Exception {
        runtime("rtbe.log.calls", "true");
        GatedCall c = call(LOCAL, "/api/generate", generate("llama3.2"), "be");
        c.acquire(null);
        complete(c, FINAL_WAITED);

        SpanData span = spanOf("/api/generate");
        assertEquals(0.1, span.getAttributes().get(SERVER_WAIT), 1e-9);
        assertEquals("llama3.2:latest", span.getAttributes().get(MODEL));
        Collection<MetricData> all = metrics.collectAllMetrics();
        Attributes pool = Attributes.of(SERVER, "localhost:11434", MODEL, "llama3.2:latest");
        HistogramPointData wait = find(all, CallMetrics.SERVER_QUEUE_WAIT).getHistogramData().getPoints().stream()
                .filter(p -> p.getAttributes().asMap().entrySet().containsAll(pool.asMap().entrySet()))
                .findFirst().orElseThrow();
        assertEquals(0.1, wait.getSum(), 1e-9);
        assertTrue(find(all, CallMetrics.QUEUE_WAIT).getHistogramData().getPoints().stream()
                .anyMatch(p -> "llama3.2:latest".equals(p.getAttributes().get(MODEL))
                        && "localhost:11434".equals(p.getAttributes().get(SERVER))));
        LongPointData limit = find(all, CallMetrics.SLOTS_LIMIT).getLongGaugeData().getPoints().stream()
                .filter(p -> "llama3.2:latest".equals(p.getAttributes().get(MODEL))).findFirst().orElseThrow();
        assertEquals(1, limit.getValue());
        assertEquals("fixed", limit.getAttributes().get(CallMetrics.SLOTS_MODE));
        assertEquals(3, find(all, CallMetrics.SLOTS_LIMIT).getLongGaugeData().getPoints().size(),
                "two default pools and the model's");
        LongPointData outside = find(all, CallMetrics.OUTSIDE_CALLS).getLongGaugeData().getPoints().stream()
                .filter(p -> "llama3.2:latest".equals(p.getAttributes().get(MODEL))).findFirst().orElseThrow();
        assertEquals(1, outside.getValue(), "it waited 0.1 s inside the server while it was the pool's only call");
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("pool=localhost:11434/llama3.2:latest"), text);
        assertTrue(text.contains("server_wait=0.100s"), text);
    }

    @Test
    void withAutoNFinishedCallsTeachThePoolItsN() throws Exception {
        runtime("rtbe.slots.total", "auto", "rtbe.slots.max", "4");
        GatedCall first = call(LOCAL, "/api/chat", generate("llama3.2"), "be");
        first.acquire(null);
        GatedCall second = call(LOCAL, "/api/chat", generate("llama3.2"), "be");
        CompletableFuture<Permit> waits = second.acquireAsync(null);
        assertFalse(waits.isDone(), "auto starts at N 1");
        complete(first, FINAL_AT_ONCE);
        assertTrue(waits.isDone());
        complete(second, FINAL_AT_ONCE); // two quiet calls at N 1: one call above N may probe the server
        assertEquals(1, first.pool().limit(), "a probe is not a learned N");

        GatedCall third = call(LOCAL, "/api/chat", generate("llama3.2"), "be");
        third.acquire(null);
        GatedCall probe = call(LOCAL, "/api/chat", generate("llama3.2"), "be");
        CompletableFuture<Permit> probeGrant = probe.acquireAsync(null);
        assertFalse(probeGrant.isDone(), "the third call was granted just now: it may still be on its way");
        clock.advance(java.time.Duration.ofMillis(20));
        assertTrue(probeGrant.isDone(), "one call above N 1: the probe");
        GatedCall fifth = call(LOCAL, "/api/chat", generate("llama3.2"), "be");
        CompletableFuture<Permit> fifthGrant = fifth.acquireAsync(null);
        assertFalse(fifthGrant.isDone(), "one probe at a time");
        complete(probe, FINAL_AT_ONCE); // it ran beside the third call and did not wait inside the server
        assertEquals(2, first.pool().limit(), "the server ran 2 at once: N 2");
        assertFalse(fifthGrant.isDone(), "with N 2, R 1 keeps a slot for RT");
        assertEquals("auto", first.pool().mode());
        assertTrue(log.toString(StandardCharsets.UTF_8)
                .contains("[rtbe] pool localhost:11434/llama3.2:latest: N 1 -> 2 (learned)"), log::toString);
        complete(third, FINAL_AT_ONCE);
        assertTrue(fifthGrant.isDone());
        complete(fifth, FINAL_AT_ONCE);
        assertEquals(0, first.pool().snapshot().inFlight());
    }

    private static MetricData find(Collection<MetricData> all, String name) {
        return all.stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name));
    }
}
