package dev.rtbe.bench;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.config.Settings;
import dev.rtbe.agent.config.SettingsLoader;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.telemetry.AgentTelemetry;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The agent's own work for one gated call, without the HTTP client: the gate (endpoint match,
 * body inspection, classification, pool), the slot (acquire, max-hold guard), the response watcher
 * on a non-streaming body handed over as the JDK client hands it (a read-only buffer), and the end
 * (release, record, telemetry). With {@code telemetry=otlp} the spans and metrics are built by the
 * agent's recorder thread beside the benchmark's (exported to the default OTLP endpoint; no collector need listen), which on
 * a 2-core machine competes with it, as it does in a real application.
 *
 * Run: {@code java -jar benchmarks/target/benchmarks.jar GateBenchmark -bm avgt -tu us -f 1 -wi 3 -w 2s -i 5 -r 2s}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class GateBenchmark {
    private static final URI URL = URI.create("http://127.0.0.1:11434/api/generate");
    private static final byte[] REQUEST = "{\"model\":\"m\",\"prompt\":\"p\",\"stream\":false}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RESPONSE = ("{\"model\":\"m\",\"created_at\":\"2026-01-01T00:00:00Z\",\"response\":\"hi\","
            + "\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1,\"eval_count\":1}\n").getBytes(StandardCharsets.UTF_8);

    @Param({"none", "otlp"})
    public String telemetry;

    private AgentRuntime runtime;
    private final RequestView view = new RequestView() {
        @Override
        public URI uri() {
            return URL;
        }

        @Override
        public String method() {
            return "POST";
        }

        @Override
        public String header(String name) {
            return null;
        }

        @Override
        public byte[] body(int maxBytes) {
            return REQUEST;
        }
    };

    @Setup
    public void setUp() {
        Settings settings = new SettingsLoader(Collections.emptyMap(), "endpoints=127.0.0.1:11434,slots.total=4,"
                + "telemetry.exporter=" + telemetry, Collections.emptyMap(), null).load();
        AgentLog log = AgentLog.stderr();
        runtime = new AgentRuntime(settings, SchedulerClock.system(), log);
        runtime.installTelemetry(AgentTelemetry.create(settings, runtime.clock(), runtime.pools()::pools,
                runtime.ledgers(), null, log::warn));
        AgentRuntime.install(runtime);
    }

    @Benchmark
    public Outcome gatedCall() {
        GatedCall call = Gate.begin(view);
        Exception refused = Gate.await(call, view);
        if (refused != null) {
            throw new IllegalStateException(refused);
        }
        call.onSent();
        call.onResponse(200, "application/json", null);
        call.onBytes(ByteBuffer.wrap(RESPONSE).asReadOnlyBuffer());
        call.finish(Outcome.COMPLETED, null);
        return call.outcome();
    }
}
