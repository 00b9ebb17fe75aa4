package dev.rtbe.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.VirtualClock;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The hand-off from ended calls to the recorder thread, and the flush at exit. */
class AgentTelemetryTest {
    private static final URI GENERATE = URI.create("http://127.0.0.1:11434/api/generate");
    private static final long WAIT_SECONDS = 20;

    private final VirtualClock clock = new VirtualClock();
    /**
     * Every span the SDK exported, kept past its shutdown (the in-memory exporter clears then).
     * A batch processor, as in production, exports nothing that ends after its shutdown.
     */
    private final List<String> exported = new CopyOnWriteArrayList<>();
    private final CountDownLatch recordingStarted = new CountDownLatch(1);
    private final CountDownLatch mayContinue = new CountDownLatch(1);
    private volatile boolean shutDownWhileRecording;
    private volatile boolean shutDown;

    /** Stalls the recorder thread inside the first span it ends, as a busy machine might. */
    private final SpanProcessor stallFirstEnd = new SpanProcessor() {
        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {
        }

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
            if (recordingStarted.getCount() > 0) {
                recordingStarted.countDown();
                try {
                    mayContinue.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public boolean isEndRequired() {
            return true;
        }

        @Override
        public CompletableResultCode shutdown() {
            shutDownWhileRecording = mayContinue.getCount() > 0;
            shutDown = true;
            return CompletableResultCode.ofSuccess();
        }
    };

    @Test
    void theExitFlushWaitsForACallBeingRecordedSoNoneOfItsSpansIsLost() throws Exception {
        Settings settings = new SettingsLoader(Map.of("rtbe.endpoints", "127.0.0.1:11434", "rtbe.slots.total", "1"), "",
                Map.of(), path -> {
                    throw new NoSuchFileException(path);
                }).load();
        AgentRuntime runtime = new AgentRuntime(settings, clock, new AgentLog(new PrintStream(OutputStream.nullOutputStream())));
        AgentTelemetry telemetry = new AgentTelemetry(() -> new TelemetryPipeline(
                SdkTracerProvider.builder().addSpanProcessor(stallFirstEnd)
                        .addSpanProcessor(BatchSpanProcessor.builder(new SpanExporter() {
                            @Override
                            public CompletableResultCode export(Collection<SpanData> spans) {
                                spans.forEach(span -> exported.add(span.getName()));
                                return CompletableResultCode.ofSuccess();
                            }

                            @Override
                            public CompletableResultCode flush() {
                                return CompletableResultCode.ofSuccess();
                            }

                            @Override
                            public CompletableResultCode shutdown() {
                                return CompletableResultCode.ofSuccess();
                            }
                        }).build()).build(),
                SdkMeterProvider.builder().registerMetricReader(InMemoryMetricReader.create()).build(),
                EpochClock.withOffset(0), runtime.pools()::pools, false), message -> { }, false);
        runtime.installTelemetry(telemetry);

        byte[] body = "{\"model\":\"m\",\"prompt\":\"p\",\"stream\":false}".getBytes(StandardCharsets.UTF_8);
        GatedCall call = GatedCall.begin(runtime, "POST", GENERATE, runtime.inspector().inspect(GENERATE.getPath(), body), "be");
        call.acquire(null);
        call.onSent();
        call.onResponse(200, "application/json", null);
        byte[] reply = "{\"model\":\"m\",\"response\":\"r\",\"done\":true,\"eval_count\":1}".getBytes(StandardCharsets.UTF_8);
        call.onBytes(reply, 0, reply.length);
        call.finish(Outcome.COMPLETED, null);

        assertTrue(recordingStarted.await(WAIT_SECONDS, TimeUnit.SECONDS), "the recorder thread took the call");
        Thread exit = new Thread(() -> telemetry.shutdown(TimeUnit.SECONDS.toMillis(WAIT_SECONDS)), "exit");
        exit.start();
        // The exit flush must wait for the call being recorded: it parks on the recording lock
        // (a broken flush shuts the SDK down instead, and the stalled call's later spans are lost).
        await(() -> shutDown || LockSupport.getBlocker(exit) instanceof AbstractQueuedSynchronizer, "the exit flush to block");
        mayContinue.countDown();
        exit.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));

        List<String> names = exported.stream().sorted().collect(Collectors.toList());
        assertFalse(shutDownWhileRecording, "the SDK was shut down while a call was being recorded");
        assertEquals(List.of("queue", "text_completion m", "time to first token", "decode").stream().sorted()
                .collect(Collectors.toList()), names);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(1); // polling a condition with a deadline
        }
    }
}
