package dev.rtbe.agent.it.apps;

import static dev.rtbe.agent.it.apps.AppSupport.generate;

import java.net.http.HttpResponse.BodyHandlers;

/**
 * The scenarios that use the application's own OpenTelemetry API, apart from {@link TelemetryApp}
 * so that it still loads when OpenTelemetry is left off the class path.
 */
final class OtelScenarios {
    private OtelScenarios() {}

    /** The application's own, unshaded OpenTelemetry SDK: our span must join its trace. */
    static void appSdk(String url) throws Exception {
        io.opentelemetry.sdk.trace.SdkTracerProvider provider = io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(
                        io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create()))
                .build();
        io.opentelemetry.api.trace.Span span = provider.get("news-app").spanBuilder("GET /summary").startSpan();
        try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
            printCurrentSpan();
            JdkClientApp.send(generate(url, true, 20, 50).build(), BodyHandlers.ofString());
        } finally {
            span.end();
            provider.close();
        }
    }

    /** The unshaded API with the OpenTelemetry Java agent attached: the agent bridges it to its SDK. */
    static void globalApi(String url) throws Exception {
        io.opentelemetry.api.trace.Tracer tracer = io.opentelemetry.api.GlobalOpenTelemetry.getTracer("news-app");
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder("GET /summary").startSpan();
        try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
            printCurrentSpan();
            JdkClientApp.send(generate(url, true, 20, 50).build(), BodyHandlers.ofString());
        } finally {
            span.end();
        }
    }

    private static void printCurrentSpan() {
        io.opentelemetry.api.trace.SpanContext c = io.opentelemetry.api.trace.Span.current().getSpanContext();
        System.out.println("APP-SPAN " + c.getTraceId() + " " + c.getSpanId());
    }
}
