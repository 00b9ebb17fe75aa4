package dev.rtbe.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.agent.it.apps.PoolsApp;
import dev.rtbe.agent.it.apps.PublishedSlotsApp;
import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.RequestRecord;
import dev.rtbe.simulator.SimulatorConfig;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One pool per server and model, in a forked JVM with the built jar against two simulators (two
 * servers). The first has more slots than the agent allows any one model, so a limit it observes
 * comes from the agent's pools; the second runs one call at a time while the agent is told N = 2
 * for it, so the wait inside the server shows.
 */
class PoolsIT {
    private OllamaSimulator local;
    private OllamaSimulator gpu;

    @BeforeEach
    void startSimulators() {
        local = OllamaSimulator.start(SimulatorConfig.builder().slots(4).acceptAnyModel(true).build());
        gpu = OllamaSimulator.start(SimulatorConfig.builder().slots(1).build());
    }

    @AfterEach
    void stopSimulators() {
        local.close();
        gpu.close();
    }

    private RequestRecord byTestId(OllamaSimulator sim, String id) {
        return sim.records().stream().filter(r -> id.equals(r.header("X-Test-Id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no request " + id + " in " + sim.records()));
    }

    @Test
    void eachModelAndServerHasItsOwnSlots() {
        ForkedJvm.Result r = new ForkedJvm()
                .property("rtbe.endpoints", "127.0.0.1:" + local.port() + ",gpu@127.0.0.1:" + gpu.port())
                .property("rtbe.slots.total", 1)
                .property("rtbe.server.gpu.slots.total", 2)
                .property("rtbe.server.gpu.slots.rt-reserved", 0)
                .property("rtbe.log.calls", true)
                .property("rtbe.telemetry.exporter", "none")
                .run(PoolsApp.class, local.baseUri().toString(), gpu.baseUri().toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.lines("ERROR").isEmpty(), r::toString);

        // Today's simulator has no /api/embed (404); either way the call went through while the chat ran.
        assertTrue(r.value("EMBED").endsWith(" chat-running=true"), r::toString);
        assertEquals("200 chat-running=true", r.value("OTHER-MODEL"), r::toString);
        assertEquals("200 chat-running=true", r.value("TAGS"), r::toString);
        assertEquals("200 200 chat-running=true", r.value("GPU"), r::toString);
        assertEquals("200", r.value("CHAT"));
        assertEquals("200", r.value("CHAT-2"));

        RequestRecord chat = byTestId(local, "chat-1");
        assertTrue(byTestId(local, "chat-2").arrivalNanos() >= chat.endNanos(),
                "the chat model's pool (N 1) held the second chat call until the first ended");
        assertTrue(byTestId(local, "other-model").endNanos() < chat.endNanos(), "another model ran beside it");

        RequestRecord gpu0 = byTestId(gpu, "gpu-0");
        RequestRecord gpu1 = byTestId(gpu, "gpu-1");
        assertTrue(gpu0.arrivalNanos() < chat.endNanos() && gpu1.arrivalNanos() < chat.endNanos(),
                "the other server's pool let both calls go at once (its N is 2)");
        long waitedInside = Math.max(gpu0.waitNanos(), gpu1.waitNanos());
        assertTrue(waitedInside > 0, "one of them waited inside the server");
        // the mean over the two calls, as the agent read it from the server's own timings
        assertEquals(waitedInside / 2 / 1e9, Double.parseDouble(r.value("GPU-WAIT")), 0.05, r::toString);
        assertTrue(r.stderr().contains("pool gpu/llama3.2:latest: a call waited "), r::toString);
        assertTrue(r.stderr().contains("N may be set above the server's slots"), r::toString);

        String localServer = "localhost:" + local.port();
        List<String> pools = r.lines("POOL ");
        assertTrue(pools.contains("POOL " + localServer + "/llama3.2:latest N=1 mode=fixed"), r::toString);
        assertTrue(pools.contains("POOL " + localServer + "/nomic-embed-text:latest N=1 mode=fixed"), r::toString);
        assertTrue(pools.contains("POOL " + localServer + "/qwen3:latest N=1 mode=fixed"), r::toString);
        assertTrue(pools.contains("POOL gpu/llama3.2:latest N=2 mode=fixed"), r::toString);
        assertTrue(pools.contains("POOL " + localServer + "/_default N=1 mode=fixed"), r::toString);
        assertTrue(r.stderr().contains("servers=" + localServer + ",gpu"), r::toString);
        assertEquals("inFlight=0 queued=0", r.value("STATE"), r::toString);
    }

    /**
     * auto N against a llama.cpp-style server: the agent (boot-loaded, so on HttpURLConnection) reads
     * {@code GET /props} once, in the background, and takes its total_slots as N.
     */
    @Test
    void autoTakesTheSlotsALlamaCppServerPublishes() {
        try (OllamaSimulator llama = OllamaSimulator.start(SimulatorConfig.builder().slots(3).llamaCppStatus(true).build())) {
            ForkedJvm.Result r = new ForkedJvm()
                    .property("rtbe.endpoints", "127.0.0.1:" + llama.port())
                    .property("rtbe.slots.total", "auto")
                    .property("rtbe.telemetry.exporter", "none")
                    .run(PublishedSlotsApp.class, llama.baseUri().toString(), "3");
            assertEquals(0, r.exitCode(), r::toString);
            assertEquals("200", r.value("CALL"), r::toString);
            assertEquals("3 mode=auto", r.value("N"), r::toString);
            assertTrue(r.stderr().contains("N 1 -> 3 (the server publishes 3 slots (/props))"), r::toString);
            assertEquals(1, llama.records().size(), "the read is no LLM call: " + llama.records());
        }
    }
}
