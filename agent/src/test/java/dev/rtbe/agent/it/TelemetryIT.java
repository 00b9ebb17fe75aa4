package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.OtlpReceiver.Received;
import dev.rtbe.agent.it.apps.TelemetryApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.SimulatorConfig;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The built agent jar exports its spans and metrics over real OTLP/HTTP (protobuf, through the
 * shaded JDK sender) from a forked JVM, and joins the application's trace whether the application
 * uses its own OpenTelemetry SDK or the OpenTelemetry Java agent.
 */
// Alone, not beside other integration tests: a JVM's last spans leave in the exit's flush, bounded at 3 s, and
// beside another test on two cores the OpenTelemetry agent's start-up could take that time (seen on JDK 17 and 25).
@Isolated
class TelemetryIT {
    private static final String SCOPE = "dev.rtbe.agent";

    private OllamaSimulator sim;
    private OtlpReceiver otlp;

    @BeforeEach
    void start() throws IOException {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(8).build());
        otlp = new OtlpReceiver();
    }

    @AfterEach
    void stop() {
        sim.close();
        otlp.close();
    }

    private ForkedJvm app() {
        return new ForkedJvm().property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", 1)
                .property("otel.exporter.otlp.endpoint", otlp.endpoint())
                .property("otel.service.name", "news-it")
                .property("otel.metric.export.interval", 60_000);
    }

    private ForkedJvm.Result run(ForkedJvm jvm, String scenario) {
        ForkedJvm.Result r = jvm.run(TelemetryApp.class, scenario, sim.baseUri().toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.lines("ERROR").isEmpty(), r::toString);
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
        return r;
    }

    private List<Received> children(List<Received> spans, Received parent) {
        return spans.stream().filter(s -> s.parentSpanId().equals(parent.spanId())).collect(Collectors.toList());
    }

    private static Received clientSpan(List<Received> spans) {
        return spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT).findFirst()
                .orElseThrow(() -> new AssertionError("no client span in " + spans));
    }

    @Test
    void spansAndMetricsArriveOverOtlpWithTheQueueFirstTokenAndDecodeBreakdown() throws Exception {
        ForkedJvm.Result r = run(app(), "calls");
        // The JVM flushed at exit: everything is there once it ended.
        otlp.await(() -> otlp.spansOf(SCOPE).size() == 8, "2 calls x 4 spans");
        assertFalse(r.stderr().contains("Failed to export"), r::toString);
        assertTrue(otlp.requests().contains("traces application/x-protobuf"), otlp.requests()::toString);

        List<Received> spans = otlp.spansOf(SCOPE);
        List<Received> calls = spans.stream().filter(s -> s.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .collect(Collectors.toList());
        assertEquals(2, calls.size(), spans::toString);
        for (Received call : calls) {
            assertEquals("news-it", call.service());
            assertEquals("text_completion llama3.2:latest", call.span().getName());
            assertTrue(call.parentSpanId().isEmpty(), "no application span: a new trace");
            assertEquals("ollama", call.attr("gen_ai.provider.name"));
            assertEquals("llama3.2:latest", call.attr("gen_ai.request.model"));
            assertEquals(Integer.toString(sim.port()), call.attr("server.port"));
            assertEquals("POST", call.attr("http.request.method"));
            assertEquals("200", call.attr("http.response.status_code"));
            assertEquals("10", call.attr("gen_ai.usage.output_tokens"));
            List<String> names = children(spans, call).stream().map(c -> c.span().getName()).sorted().toList();
            assertEquals(List.of("decode", "queue", "time to first token"), names);
            for (Received child : children(spans, call)) {
                assertEquals(call.traceId(), child.traceId());
                assertTrue(child.span().getStartTimeUnixNano() >= call.span().getStartTimeUnixNano());
                assertTrue(child.span().getEndTimeUnixNano() <= call.span().getEndTimeUnixNano());
            }
        }
        Received stream = calls.stream().filter(c -> "rt".equals(c.attr("rtbe.priority"))).findFirst().orElseThrow();
        Received batch = calls.stream().filter(c -> "be".equals(c.attr("rtbe.priority"))).findFirst().orElseThrow();
        assertNotEquals(stream.traceId(), batch.traceId());
        // The stream waited for the batch call's slot: its queue span covers that wait.
        double waited = Double.parseDouble(stream.attr("rtbe.queue.wait"));
        assertTrue(waited > 0.2, "stream waited " + waited);
        Received queue = children(spans, stream).stream().filter(c -> c.span().getName().equals("queue")).findFirst().orElseThrow();
        assertEquals(waited, (queue.span().getEndTimeUnixNano() - queue.span().getStartTimeUnixNano()) / 1e9, 1e-6);
        assertTrue(Double.parseDouble(stream.attr("rtbe.ttft.user")) > Double.parseDouble(stream.attr("rtbe.ttft.server")));
        assertEquals("header", stream.attr("rtbe.classified_by"));

        otlp.await(() -> otlp.metrics().stream().map(m -> m.getName()).collect(Collectors.toSet())
                .containsAll(Set.of("rtbe.queue.wait", "rtbe.time_to_first_token", "gen_ai.client.operation.duration",
                        "gen_ai.client.token.usage", "rtbe.slots.in_use", "rtbe.queue.length", "rtbe.rejections",
                        "rtbe.promotions")), "the agent's metrics");
    }

    @Test
    void theCallJoinsTheApplicationsOwnSdkTrace() throws Exception {
        ForkedJvm.Result r = run(app(), "app-sdk");
        String[] app = r.value("APP-SPAN").split(" ");
        otlp.await(() -> otlp.spansOf(SCOPE).size() == 4, "one call's 4 spans");
        Received ours = clientSpan(otlp.spansOf(SCOPE));
        assertEquals(app[0], ours.traceId(), r::toString);
        assertEquals(app[1], ours.parentSpanId(), r::toString);
    }

    @Test
    void theCallJoinsTheOpenTelemetryAgentsTraceThroughTheApplicationsApi() throws Exception {
        ForkedJvm.Result r = run(withOtelAgent(), "global-api");
        String[] app = r.value("APP-SPAN").split(" ");
        otlp.await(() -> otlp.spansOf(SCOPE).size() == 4, "one call's 4 spans from\n" + r);
        Received ours = clientSpan(otlp.spansOf(SCOPE));
        assertEquals(app[0], ours.traceId(), r::toString);
        assertEquals(app[1], ours.parentSpanId(), r::toString);
        // The OpenTelemetry agent exported its spans to the same receiver: the application span is one of them.
        otlp.await(() -> otlp.spans().stream().anyMatch(s -> s.spanId().equals(app[1])), "the agent's application span");
    }

    @Test
    void theCallJoinsTheOpenTelemetryAgentsServerSpanWithNoOpenTelemetryInTheApplication() throws Exception {
        ForkedJvm.Result r = run(withOtelAgent().withoutClassPathEntries("opentelemetry"), "agent-server");
        String inbound = r.value("INBOUND-TRACEPARENT");
        assertTrue(inbound.startsWith("00-"), r::toString);
        String traceId = inbound.split("-")[1];
        otlp.await(() -> otlp.spansOf(SCOPE).size() == 4, "one call's 4 spans");
        Received ours = clientSpan(otlp.spansOf(SCOPE));
        assertEquals(traceId, ours.traceId(), r::toString);
        // Our parent is the agent's SERVER span for the handler (read from its boot-loaded API).
        otlp.await(() -> otlp.spans().stream().anyMatch(s -> s.spanId().equals(ours.parentSpanId())), "our parent");
        Received parent = otlp.spans().stream().filter(s -> s.spanId().equals(ours.parentSpanId())).findFirst().orElseThrow();
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, parent.span().getKind(), parent::toString);
    }

    private ForkedJvm withOtelAgent() {
        return app().otherAgent(ForkedJvm.OTEL_AGENT_JAR, true)
                .property("otel.traces.exporter", "otlp")
                .property("otel.metrics.exporter", "none")
                .property("otel.logs.exporter", "none")
                .property("otel.exporter.otlp.protocol", "http/protobuf")
                .property("otel.bsp.schedule.delay", 100);
    }

    @Test
    void anUnreachableCollectorNeverBreaksTheApplication() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        ForkedJvm.Result r = run(app().property("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + closed), "calls");
        assertEquals("1", r.value("STREAM-LINES").isEmpty() ? "" : "1", r::toString);
        assertEquals(2, sim.records().size());
    }

    @Test
    void theLoggingExporterWritesSpansToTheLogAndNoneExportsNothing() {
        ForkedJvm.Result logging = run(app().property("rtbe.telemetry.exporter", "logging"), "calls");
        assertTrue(logging.stderr().contains("text_completion llama3.2:latest"), logging::toString);
        ForkedJvm.Result none = run(app().property("rtbe.telemetry.exporter", "none"), "calls");
        assertFalse(none.stderr().contains("text_completion llama3.2:latest"), none::toString);
        assertTrue(otlp.requests().isEmpty(), otlp.requests()::toString);
    }
}
