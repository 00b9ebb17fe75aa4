package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.apps.JdkClientApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our agent and the OpenTelemetry Java agent on one command line, in either order: both must
 * keep working on the same JDK HttpClient methods (the OpenTelemetry agent retransforms them too).
 */
class OpenTelemetryAgentCoexistenceIT {
    private OllamaSimulator sim;

    @BeforeEach
    void startSimulator() {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(8).build());
    }

    @AfterEach
    void stopSimulator() {
        sim.close();
    }

    @ParameterizedTest(name = "OpenTelemetry agent before ours: {0}")
    @ValueSource(booleans = {true, false})
    void gatingStillHoldsWithTheOpenTelemetryAgent(boolean otelFirst) {
        ForkedJvm.Result r = new ForkedJvm()
                .otherAgent(ForkedJvm.OTEL_AGENT_JAR, otelFirst)
                .property("otel.traces.exporter", "none")
                .property("otel.metrics.exporter", "none")
                .property("otel.logs.exporter", "none")
                .property("rtbe.endpoints", "127.0.0.1:" + sim.port())
                .property("rtbe.slots.total", 2)
                .property("rtbe.slots.rt-reserved", 1)
                .run(JdkClientApp.class, "flood", sim.baseUri().toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.lines("ERROR").isEmpty(), r::toString);
        assertTrue(r.stderr().contains("rtbe-agent"), r::toString);
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
        assertEquals(8, sim.records().size());
        assertTrue(sim.maxObservedConcurrency() <= 2, "saw " + sim.maxObservedConcurrency());
        // The OpenTelemetry agent really was active: it propagates its trace context on the call.
        assertTrue(sim.records().stream().allMatch(x -> x.header("traceparent") != null),
                () -> sim.records().stream().map(RequestRecord::headers).toList().toString());
    }
}
