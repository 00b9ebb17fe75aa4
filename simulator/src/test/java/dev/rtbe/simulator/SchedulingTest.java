package dev.rtbe.simulator;

import static dev.rtbe.simulator.SimClient.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Slots, FIFO queue, queue limit, and what a client disconnect does to a slot. */
class SchedulingTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    /** A generation that would take a minute: tests must end it by disconnecting. */
    static final String[] LONG = {SimHeaders.PREFILL_MS, "0", SimHeaders.GEN_MS, "60000", SimHeaders.OUTPUT_TOKENS, "600"};
    static final String STREAM = "{\"model\":\"llama3.2\",\"prompt\":\"long job\"}";
    static final String NON_STREAM = "{\"model\":\"llama3.2\",\"prompt\":\"batch job\",\"stream\":false}";

    /** Opens a long stream and waits for its first chunk, so it surely holds a slot. */
    static HttpResponse<InputStream> longStream(SimClient c) throws Exception {
        HttpResponse<InputStream> r = c.open("/api/generate", STREAM, LONG);
        assertEquals(200, r.statusCode());
        assertNotNull(SimClient.lines(r).readLine());
        return r;
    }

    @Test
    void twoSlotsFiveRequestsRunTwoAtATimeInFifoOrder() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(2).timeScale(10).build())) {
            SimClient c = new SimClient(sim);
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                all.add(c.postAsync("/api/chat", "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"q"
                        + i + "\"}]}", SimHeaders.PREFILL_MS, "100", SimHeaders.GEN_MS, "1500", SimHeaders.OUTPUT_TOKENS, "5"));
            }
            for (CompletableFuture<HttpResponse<String>> f : all) assertEquals(200, f.get().statusCode());
            List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 5 && l.stream().allMatch(RequestRecord::finished), WAIT);
            assertEquals(2, sim.maxObservedConcurrency());
            for (RequestRecord r : rs) {
                assertEquals(Outcome.COMPLETED, r.outcome());
                assertEquals(r.queueSeq(), r.startSeq(), "FIFO: slots are granted in queue order " + rs);
                assertTrue(r.runningAtStart() >= 1 && r.runningAtStart() <= 2);
                assertEquals(5, r.evalCount());
            }
            long queuedAtStart = rs.stream().filter(r -> r.startSeq() >= 2).count();
            assertEquals(3, queuedAtStart);
            for (RequestRecord r : rs) {
                if (r.startSeq() >= 2) assertEquals(2, r.runningAtStart(), "a queued request starts into a full server");
            }
        }
    }

    @Test
    void rejectsWith503WhenTheQueueIsFull() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).maxQueue(1).build())) {
            SimClient c = new SimClient(sim);
            HttpResponse<InputStream> running = longStream(c);
            CompletableFuture<HttpResponse<String>> queued = c.postAsync("/api/generate", NON_STREAM, SimHeaders.GEN_MS, "10");
            sim.await(() -> sim.queued() == 1, WAIT);

            HttpResponse<String> rejected = c.post("/api/generate", NON_STREAM);
            assertEquals(503, rejected.statusCode());
            assertEquals(Map.of("error", "server busy, please try again.  maximum pending requests exceeded"),
                    obj(rejected.body()));
            HttpResponse<String> rejectedOpenAi = c.post("/v1/chat/completions", "{\"model\":\"llama3.2\",\"messages\":[]}");
            assertEquals(503, rejectedOpenAi.statusCode());
            assertEquals("api_error", SimClient.map(obj(rejectedOpenAi.body()).get("error")).get("type"));

            List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 4 && l.get(2).finished(), WAIT);
            assertEquals(Outcome.REJECTED, rs.get(2).outcome());
            assertEquals(503, rs.get(2).status());
            assertFalse(rs.get(2).started());

            running.body().close(); // frees the slot: the queued request runs
            assertEquals(200, queued.get().statusCode());
        }
    }

    @Test
    void aHeldRequestKeepsItsSlotUntilItsGateOpensThenRunsItsWholeGeneration() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).build())) {
            SimClient c = new SimClient(sim);
            CompletableFuture<HttpResponse<String>> held = c.postAsync("/api/generate", NON_STREAM,
                    SimHeaders.HOLD, "g", SimHeaders.PREFILL_MS, "0", SimHeaders.GEN_MS, "200");
            sim.await(() -> sim.running() == 1, WAIT);
            CompletableFuture<HttpResponse<String>> next = c.postAsync("/api/generate", NON_STREAM, SimHeaders.GEN_MS, "10");
            long nextArrival = sim.awaitRecords(l -> l.size() == 2, WAIT).get(1).arrivalNanos();
            sim.await(() -> sim.queued() == 1, WAIT);

            sim.openGate("g");
            assertEquals(200, held.get().statusCode());
            assertEquals(200, next.get().statusCode());
            List<RequestRecord> rs = sim.awaitRecords(l -> l.stream().allMatch(RequestRecord::finished), WAIT);
            RequestRecord h = rs.get(0);
            assertTrue(h.firstTokenNanos() > nextArrival, "the held request generated only after its gate opened");
            assertTrue(h.endNanos() - h.firstTokenNanos() >= Duration.ofMillis(200).toNanos(), "its whole generation ran");
            assertTrue(rs.get(1).startNanos() >= h.endNanos(), "it kept its slot meanwhile");
            // an open gate stays open
            assertEquals(200, c.post("/api/generate", NON_STREAM, SimHeaders.HOLD, "g").statusCode());
        }
    }

    @Test
    void aHeldModelsRequestWaitsAtTheGateNamedAfterItsModel() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(2).acceptAnyModel(true).build())) {
            sim.holdModels(model -> model.endsWith("-hold"));
            SimClient c = new SimClient(sim);
            CompletableFuture<HttpResponse<String>> held = c.postAsync("/api/generate",
                    "{\"model\":\"batch-hold\",\"prompt\":\"batch job\",\"stream\":false}", SimHeaders.GEN_MS, "10");
            sim.await(() -> sim.running() == 1, WAIT);
            assertEquals(200, c.post("/api/generate", NON_STREAM, SimHeaders.GEN_MS, "10").statusCode(),
                    "another model is not held");
            assertFalse(held.isDone(), "the held model's request waits for its gate");
            assertEquals(1, sim.running(), "and keeps its slot meanwhile");

            sim.openGate("batch-hold");
            assertEquals(200, held.get().statusCode());
        }
    }

    @Test
    void aPausedRequestKeepsItsSlotPartWayUntilItsGateOpensThenFinishes() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).build())) {
            SimClient c = new SimClient(sim);
            CompletableFuture<HttpResponse<String>> paused = c.postAsync("/api/generate", STREAM,
                    SimHeaders.PAUSE, "p:3", SimHeaders.PREFILL_MS, "0", SimHeaders.GEN_MS, "10", SimHeaders.OUTPUT_TOKENS, "10");
            sim.awaitRecords(l -> l.size() == 1 && l.get(0).evalCount() == 3, WAIT);
            CompletableFuture<HttpResponse<String>> next = c.postAsync("/api/generate", NON_STREAM, SimHeaders.GEN_MS, "10");
            sim.await(() -> sim.queued() == 1, WAIT);
            RequestRecord p = sim.records().get(0);
            assertEquals(3, p.evalCount(), "paused after its first 3 tokens: " + p);
            assertEquals(Outcome.IN_PROGRESS, p.outcome(), p::toString);

            sim.openGate("p");
            assertEquals(200, paused.get().statusCode());
            assertEquals(200, next.get().statusCode());
            List<RequestRecord> rs = sim.awaitRecords(l -> l.stream().allMatch(RequestRecord::finished), WAIT);
            assertEquals(10, rs.get(0).evalCount(), "the rest of the answer after the gate opened");
            assertEquals(Outcome.COMPLETED, rs.get(0).outcome());
            assertTrue(rs.get(1).startNanos() >= rs.get(0).endNanos(), "it kept its slot meanwhile");
        }
    }

    @Test
    void disconnectMidStreamFreesTheSlotForTheQueuedRequest() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).outputTokens(3).build())) {
            SimClient c = new SimClient(sim);
            HttpResponse<InputStream> a = longStream(c);
            CompletableFuture<HttpResponse<String>> b = c.postAsync("/api/generate", NON_STREAM, SimHeaders.GEN_MS, "10");
            sim.await(() -> sim.queued() == 1, WAIT);

            long closedAt = System.nanoTime();
            a.body().close();
            assertEquals(200, b.get().statusCode());
            long elapsed = System.nanoTime() - closedAt;
            assertTrue(elapsed < Duration.ofSeconds(5).toNanos(), "slot freed promptly, not after the minute");

            List<RequestRecord> rs = sim.awaitRecords(l -> l.stream().allMatch(RequestRecord::finished), WAIT);
            RequestRecord ra = rs.get(0);
            RequestRecord rb = rs.get(1);
            assertEquals(Outcome.DISCONNECTED, ra.outcome());
            assertTrue(ra.disconnectNanos() > 0);
            assertTrue(ra.evalCount() >= 1 && ra.evalCount() < 600);
            assertTrue(ra.endNanos() <= rb.startNanos(), "B started after A freed the slot");
            assertEquals(Outcome.COMPLETED, rb.outcome());
            assertEquals(-1, rb.disconnectNanos(), "closing after a full response is no disconnect");
        }
    }

    @Test
    void disconnectWhileQueuedLeavesTheQueue() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).build())) {
            SimClient c = new SimClient(sim);
            HttpResponse<InputStream> a = longStream(c);
            CompletableFuture<HttpResponse<String>> b = c.http.sendAsync(c.request("/api/generate", NON_STREAM)
                    .timeout(Duration.ofMillis(300)).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(b.handle((r, e) -> e != null).get(), "client timed out");
            List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 2 && l.get(1).finished(), WAIT);
            assertEquals(Outcome.DISCONNECTED, rs.get(1).outcome());
            assertFalse(rs.get(1).started());
            assertEquals(0, sim.queued());
            a.body().close();
        }
    }

    @Test
    void nonStreamingDisconnectAbortsByDefault() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(1).build())) {
            SimClient c = new SimClient(sim);
            CompletableFuture<HttpResponse<String>> a = c.http.sendAsync(c.request("/api/generate", NON_STREAM, LONG)
                    .timeout(Duration.ofMillis(400)).build(), HttpResponse.BodyHandlers.ofString());
            sim.await(() -> sim.running() == 1, WAIT);
            CompletableFuture<HttpResponse<String>> b = c.postAsync("/api/generate", NON_STREAM, SimHeaders.GEN_MS, "10");
            assertEquals(200, b.get().statusCode());
            assertTrue(a.handle((r, e) -> e != null).get());
            List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 2 && l.get(0).finished(), WAIT);
            assertEquals(Outcome.DISCONNECTED, rs.get(0).outcome());
            assertTrue(rs.get(0).endNanos() - rs.get(0).startNanos() < Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    void keepComputingHoldsTheSlotUntilTheModelledEnd() throws Exception {
        SimulatorConfig cfg = SimulatorConfig.builder().slots(1).timeScale(10)
                .nonStreamingDisconnect(DisconnectPolicy.KEEP_COMPUTING).build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            // 8 s of model time = 800 ms wall; the client gives up after 150 ms.
            CompletableFuture<HttpResponse<String>> a = c.http.sendAsync(c.request("/api/generate", NON_STREAM,
                    SimHeaders.PREFILL_MS, "0", SimHeaders.GEN_MS, "8000", SimHeaders.OUTPUT_TOKENS, "8")
                    .timeout(Duration.ofMillis(150)).build(), HttpResponse.BodyHandlers.ofString());
            sim.await(() -> sim.running() == 1, WAIT);
            CompletableFuture<HttpResponse<String>> b = c.postAsync("/api/generate", NON_STREAM, SimHeaders.GEN_MS, "10");
            assertTrue(a.handle((r, e) -> e != null).get());

            List<RequestRecord> mid = sim.awaitRecords(l -> l.size() == 2 && l.get(0).disconnectNanos() > 0, WAIT);
            assertFalse(mid.get(1).started() && mid.get(0).endNanos() < 0, "B must not start while A computes");

            assertEquals(200, b.get().statusCode());
            List<RequestRecord> rs = sim.awaitRecords(l -> l.stream().allMatch(RequestRecord::finished), WAIT);
            RequestRecord ra = rs.get(0);
            assertEquals(Outcome.DISCONNECTED, ra.outcome());
            assertTrue(ra.disconnectNanos() < ra.endNanos());
            long held = ra.endNanos() - ra.startNanos();
            assertTrue(held >= Duration.ofMillis(790).toNanos(), "slot held for the modelled 800 ms, was " + held);
            assertTrue(rs.get(1).startNanos() >= ra.endNanos());
            assertEquals(8, ra.evalCount());
        }
    }

    @Test
    void keepComputingStillAbortsStreams() throws Exception {
        SimulatorConfig cfg = SimulatorConfig.builder().slots(1).nonStreamingDisconnect(DisconnectPolicy.KEEP_COMPUTING).build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            longStream(c).body().close();
            List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 1 && l.get(0).finished(), WAIT);
            assertEquals(Outcome.DISCONNECTED, rs.get(0).outcome());
            sim.await(() -> sim.running() == 0, WAIT); // the record is finished just before the slot is released
        }
    }

    @Test
    void resetClearsRecordsAndHighWaterMark() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(2).timeScale(1000).outputTokens(2).build())) {
            SimClient c = new SimClient(sim);
            c.post("/api/generate", NON_STREAM);
            sim.awaitRecords(l -> l.size() == 1 && l.get(0).finished(), WAIT);
            assertEquals(1, sim.maxObservedConcurrency());
            sim.await(() -> sim.running() == 0, WAIT); // the record is finished just before the slot is released
            sim.reset();
            assertTrue(sim.records().isEmpty());
            assertEquals(0, sim.maxObservedConcurrency());
            c.post("/api/generate", NON_STREAM);
            RequestRecord r = sim.awaitRecords(l -> l.size() == 1 && l.get(0).finished(), WAIT).get(0);
            assertEquals(1, r.id());
            assertEquals(0, r.queueSeq());
        }
    }

}
