package dev.rtbe.agent.telemetry;

import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A running SDK (our own, shaded, never global) and what records calls into it. Recording
 * happens on the thread that ended the call and only hands data to the SDK; export runs on the
 * SDK's own threads with bounded queues.
 */
public final class TelemetryPipeline {
    static final String SCOPE = "dev.rtbe.agent";

    private final SdkTracerProvider tracerProvider;
    private final SdkMeterProvider meterProvider;
    private final SpanRecorder spans;
    private final CallMetrics metrics;

    public TelemetryPipeline(SdkTracerProvider tracerProvider, SdkMeterProvider meterProvider, EpochClock clock,
                             Supplier<? extends java.util.Collection<? extends PoolView>> pools, boolean captureContent) {
        this(tracerProvider, meterProvider, clock, pools, CoordinationView.LOCAL, captureContent);
    }

    public TelemetryPipeline(SdkTracerProvider tracerProvider, SdkMeterProvider meterProvider, EpochClock clock,
                             Supplier<? extends java.util.Collection<? extends PoolView>> pools,
                             CoordinationView coordination, boolean captureContent) {
        this.tracerProvider = tracerProvider;
        this.meterProvider = meterProvider;
        String version = version();
        this.spans = new SpanRecorder(tracerProvider.tracerBuilder(SCOPE).setInstrumentationVersion(version).build(),
                clock, captureContent);
        Meter meter = meterProvider.meterBuilder(SCOPE).setInstrumentationVersion(version).build();
        this.metrics = new CallMetrics(meter, pools);
        new CoordinationMetrics(meter, coordination);
    }

    /** Records one ended call; never throws. */
    public void record(CallRecord r) {
        try {
            ErrorKind error = ErrorKind.of(r);
            spans.record(r, error);
            metrics.record(r, error);
        } catch (RuntimeException | LinkageError e) {
            // telemetry must never disturb the application's call
        }
    }

    /** Flushes and stops both providers. */
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofAll(Arrays.asList(tracerProvider.shutdown(), meterProvider.shutdown()));
    }

    private static String version() {
        Package p = TelemetryPipeline.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
