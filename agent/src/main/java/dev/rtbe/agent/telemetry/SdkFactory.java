package dev.rtbe.agent.telemetry;

import dev.rtbe.agent.config.TelemetryExporter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.logging.LoggingMetricExporter;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Builds our private SDK from the settings: OTLP http/protobuf through the JDK sender, or the
 * logging exporters. Export is batched on the SDK's own daemon threads, with bounded queues and
 * timeouts, so a missing collector costs the application nothing but dropped telemetry.
 */
final class SdkFactory {
    static final int MAX_QUEUED_SPANS = 2048;
    static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(10);

    private SdkFactory() {}

    static TelemetryPipeline create(TelemetryExporter kind, OtelEnvironment env, ClassLoader senderLoader,
                                    EpochClock clock, Supplier<? extends java.util.Collection<? extends PoolView>> pools,
                                    CoordinationView coordination, boolean captureContent,
                                    Consumer<String> warn) {
        Resource resource = resource(env);
        SpanExporter spans;
        MetricExporter metrics;
        if (kind == TelemetryExporter.LOGGING) {
            spans = LoggingSpanExporter.create();
            metrics = LoggingMetricExporter.create();
        } else {
            for (String signal : new String[] {"traces", "metrics"}) {
                String protocol = env.protocol(signal);
                if (protocol != null && !"http/protobuf".equals(protocol)) {
                    warn.accept("OTLP protocol " + protocol + " for " + signal
                            + " is not available in rtbe-agent; using http/protobuf");
                }
            }
            ComponentLoader components = senderLoader != null ? new SenderComponentLoader(senderLoader)
                    : ComponentLoader.forClassLoader(SdkFactory.class.getClassLoader());
            OtlpHttpSpanExporterBuilder spanBuilder = OtlpHttpSpanExporter.builder()
                    .setEndpoint(env.tracesEndpoint()).setTimeout(EXPORT_TIMEOUT)
                    .setComponentLoader(components).setMeterProvider(MeterProvider::noop);
            env.headers("traces").forEach(spanBuilder::addHeader);
            spans = spanBuilder.build();
            OtlpHttpMetricExporterBuilder metricBuilder = OtlpHttpMetricExporter.builder()
                    .setEndpoint(env.metricsEndpoint()).setTimeout(EXPORT_TIMEOUT)
                    .setComponentLoader(components).setMeterProvider(MeterProvider::noop);
            env.headers("metrics").forEach(metricBuilder::addHeader);
            metrics = metricBuilder.build();
        }
        // The logging exporter is for looking at calls as they end: write each at once, since
        // java.util.logging may already be shut down when the exit-time flush runs.
        SpanProcessor processor = kind == TelemetryExporter.LOGGING ? SimpleSpanProcessor.create(spans)
                : BatchSpanProcessor.builder(spans)
                        .setScheduleDelay(env.spanScheduleDelay())
                        .setMaxQueueSize(MAX_QUEUED_SPANS)
                        .setExporterTimeout(EXPORT_TIMEOUT)
                        .build();
        SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
                .setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
                .addSpanProcessor(processor)
                .build();
        SdkMeterProvider meterProvider = SdkMeterProvider.builder()
                .setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(metrics).setInterval(env.metricExportInterval()).build())
                .build();
        return new TelemetryPipeline(tracerProvider, meterProvider, clock, pools, coordination, captureContent);
    }

    /** The SDK's defaults, then OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME. */
    static Resource resource(OtelEnvironment env) {
        AttributesBuilder attributes = Attributes.builder();
        for (Map.Entry<String, String> e : env.resourceAttributes().entrySet()) {
            attributes.put(AttributeKey.stringKey(e.getKey()), e.getValue());
        }
        String service = env.serviceName();
        if (service != null) {
            attributes.put(AttributeKey.stringKey("service.name"), service);
        }
        return Resource.getDefault().merge(Resource.create(attributes.build()));
    }
}
