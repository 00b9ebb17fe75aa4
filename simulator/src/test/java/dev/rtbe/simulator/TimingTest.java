package dev.rtbe.simulator;

import static dev.rtbe.simulator.SimClient.num;
import static dev.rtbe.simulator.SimClient.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The timing model, time scale, header overrides, incremental streaming and the h2c upgrade header. */
class TimingTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final String GEN = "{\"model\":\"llama3.2\",\"prompt\":\"%s\",\"stream\":false}";

    @Test
    void timeScaleShortensWallTimeButReportsUnscaledDurations() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().timeScale(50).build())) {
            SimClient c = new SimClient(sim);
            long t0 = System.nanoTime();
            // 1 s prefill + 4 s generation of model time = 100 ms of wall time at scale 50.
            HttpResponse<String> r = c.post("/api/generate", String.format(GEN, "scaled"),
                    SimHeaders.PREFILL_MS, "1000", SimHeaders.GEN_MS, "4000", SimHeaders.OUTPUT_TOKENS, "7");
            long wall = System.nanoTime() - t0;
            Map<String, Object> body = obj(r.body());
            assertEquals(1_000_000_000L, num(body, "prompt_eval_duration"));
            assertEquals(4_000_000_000L, num(body, "eval_duration"), "the steps add up to the override exactly");
            assertEquals(7, num(body, "eval_count"));
            assertTrue(num(body, "total_duration") >= 5_000_000_000L, body.toString());
            assertTrue(num(body, "total_duration") < 5_000_000_000L + 2_000_000_000L, body.toString());
            assertTrue(wall >= Duration.ofMillis(100).toNanos(), "wall " + wall);
            assertTrue(wall < Duration.ofMillis(2500).toNanos(), "scaled, not 5 s: " + wall);

            RequestRecord rec = sim.awaitRecords(l -> l.size() == 1 && l.get(0).finished(), WAIT).get(0);
            long prefillWall = rec.firstTokenNanos() - rec.startNanos();
            assertTrue(prefillWall >= Duration.ofMillis(20).toNanos(), "1000 ms / 50 = 20 ms, was " + prefillWall);
            assertTrue(rec.endNanos() - rec.startNanos() >= Duration.ofMillis(100).toNanos());
            assertEquals("1000", rec.header("x-sim-prefill-ms"), "headers are recorded, case-insensitively");
        }
    }

    @Test
    void totalDurationCarriesTheUnscaledQueueWait() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).timeScale(10).build())) {
            SimClient c = new SimClient(sim);
            String[] fiveSeconds = {SimHeaders.PREFILL_MS, "0", SimHeaders.GEN_MS, "5000", SimHeaders.OUTPUT_TOKENS, "4"};
            CompletableFuture<HttpResponse<String>> a = c.postAsync("/api/generate", String.format(GEN, "a"), fiveSeconds);
            sim.await(() -> sim.running() == 1, WAIT);
            Map<String, Object> b = obj(c.post("/api/generate", String.format(GEN, "b"),
                    SimHeaders.PREFILL_MS, "100", SimHeaders.GEN_MS, "100", SimHeaders.OUTPUT_TOKENS, "2").body());
            Map<String, Object> first = obj(a.get().body());
            long total = num(first, "total_duration");
            assertTrue(total >= 5_000_000_000L && total < 5_050_000_000L, "no wait: the modelled phases plus the"
                    + " (scaled) microseconds of an uncontended acquire: " + total);
            long wait = num(b, "total_duration") - num(b, "load_duration") - num(b, "prompt_eval_duration")
                    - num(b, "eval_duration");
            RequestRecord rb = sim.awaitRecords(l -> l.size() == 2 && l.get(1).finished(), WAIT).get(1);
            long waitedWall = rb.startNanos() - rb.arrivalNanos();
            // Reported in model time: ten times the wall wait (less the handler's own microseconds before queueing).
            assertTrue(wait <= 10 * waitedWall + 1000 && wait >= 10 * waitedWall - 500_000_000L,
                    "unscaled wait " + wait + " vs wall " + waitedWall);
            assertTrue(wait > 1_000_000_000L && wait < 5_000_000_000L, "part of A's 5 s: " + wait);
        }
    }

    @Test
    void rateModelGivesExactDurationsWhenAlone() throws Exception {
        SimulatorConfig cfg = SimulatorConfig.builder().timeScale(1000).promptTokensPerSecond(1000)
                .decodeTokensPerSecond(50).decodeSlowdown(0).outputTokens(10).build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            Map<String, Object> body = obj(new SimClient(sim).post("/api/generate", String.format(GEN, "x".repeat(400))).body());
            assertEquals(100, num(body, "prompt_eval_count"), "400 chars / 4");
            assertEquals(100_000_000L, num(body, "prompt_eval_duration"), "100 tokens at 1000 tok/s");
            assertEquals(10, num(body, "eval_count"));
            assertEquals(200_000_000L, num(body, "eval_duration"), "10 steps at 50 tok/s");
        }
    }

    @Test
    void decodeSlowsDownWithConcurrentSequences() throws Exception {
        TimingModel model = new TimingModel(SimulatorConfig.builder().decodeTokensPerSecond(100).decodeSlowdown(0.5).build());
        assertEquals(10_000_000L, model.decodeStepNanos(1, 0, 10, null));
        assertEquals(20_000_000L, model.decodeStepNanos(3, 0, 10, null), "100 / (1 + 0.5 * 2) = 50 tok/s");

        SimulatorConfig cfg = SimulatorConfig.builder().slots(2).timeScale(10).decodeTokensPerSecond(100)
                .decodeSlowdown(1.0).outputTokens(100).build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            long alone = num(obj(c.post("/api/generate", String.format(GEN, "alone")).body()), "eval_duration");
            assertEquals(1_000_000_000L, alone);
            CompletableFuture<HttpResponse<String>> a = c.postAsync("/api/generate", String.format(GEN, "a"));
            CompletableFuture<HttpResponse<String>> b = c.postAsync("/api/generate", String.format(GEN, "b"));
            long ea = num(obj(a.get().body()), "eval_duration");
            long eb = num(obj(b.get().body()), "eval_duration");
            assertTrue(ea > 1.5 * alone && eb > 1.5 * alone, "together each runs at about half speed: " + ea + ", " + eb);
            assertTrue(ea <= 2 * alone && eb <= 2 * alone);
        }
    }

    @Test
    void modelLoadIsPaidOnceByTheFirstRequest() throws Exception {
        SimulatorConfig cfg = SimulatorConfig.builder().timeScale(100).modelLoadTime(Duration.ofSeconds(5)).outputTokens(2).build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            assertEquals(List.of(), SimClient.list(obj(c.get("/api/ps").body()).get("models")));
            long t0 = System.nanoTime();
            Map<String, Object> first = obj(c.post("/api/generate", String.format(GEN, "one")).body());
            assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(50).toNanos());
            assertEquals(5_000_000_000L, num(first, "load_duration"));
            assertTrue(num(first, "total_duration") >= 5_000_000_000L);
            assertEquals(0, num(obj(c.post("/api/generate", String.format(GEN, "two")).body()), "load_duration"));
            assertEquals(1, SimClient.list(obj(c.get("/api/ps").body()).get("models")).size());

            sim.unloadModels();
            assertEquals(5_000_000_000L, num(obj(c.post("/api/generate", String.format(GEN, "three")).body()), "load_duration"));
            RequestRecord r = sim.records().get(0);
            assertTrue(r.startNanos() - r.arrivalNanos() >= Duration.ofMillis(50).toNanos(), "load precedes the slot");
        }
    }

    @Test
    void streamChunksArriveIncrementally() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().build())) {
            SimClient c = new SimClient(sim);
            long t0 = System.nanoTime();
            // 10 tokens over 5 s: the first chunk must come long before the end.
            HttpResponse<InputStream> r = c.open("/api/chat", "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"hi\"}]}", SimHeaders.PREFILL_MS, "50", SimHeaders.GEN_MS, "5000", SimHeaders.OUTPUT_TOKENS, "10");
            BufferedReader lines = SimClient.lines(r);
            assertNotNull(lines.readLine());
            long firstChunk = System.nanoTime() - t0;
            RequestRecord rec = sim.records().get(0);
            assertEquals(Outcome.IN_PROGRESS, rec.outcome());
            assertEquals(1, rec.evalCount());
            assertTrue(firstChunk < Duration.ofSeconds(2).toNanos(), "first chunk after " + firstChunk);
            assertNotNull(lines.readLine(), "second token about 0.5 s later");
            assertEquals(Outcome.IN_PROGRESS, sim.records().get(0).outcome());
            r.body().close();
            sim.awaitRecords(l -> l.get(0).outcome() == Outcome.DISCONNECTED, WAIT);
        }
    }

    @Test
    void jdkClientH2cUpgradeHeaderIsIgnored() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().timeScale(1000).outputTokens(2).build())) {
            SimClient c = new SimClient(sim);
            assertEquals(HttpClient.Version.HTTP_2, c.http.version(), "the JDK default, which asks for h2c");
            HttpResponse<String> r = c.post("/api/generate", String.format(GEN, "h2c"));
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.HTTP_1_1, r.version());
            RequestRecord rec = sim.awaitRecords(l -> l.size() == 1 && l.get(0).finished(), WAIT).get(0);
            assertEquals("h2c", rec.header("Upgrade"));
            assertNotNull(rec.header("HTTP2-Settings"));
            assertEquals(Outcome.COMPLETED, rec.outcome());
            // And the connection after it still works (no stray upgrade state).
            assertEquals(200, c.post("/api/generate", String.format(GEN, "again")).statusCode());
        }
    }

    @Test
    void badOverrideHeaderIsA400() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().build())) {
            HttpResponse<String> r = new SimClient(sim).post("/api/generate", String.format(GEN, "x"), SimHeaders.GEN_MS, "soon");
            assertEquals(400, r.statusCode());
            assertEquals("invalid X-Sim-Gen-Ms header: soon", obj(r.body()).get("error"));
        }
    }
}
