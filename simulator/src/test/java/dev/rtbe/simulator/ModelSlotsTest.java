package dev.rtbe.simulator;

import static dev.rtbe.simulator.SimClient.list;
import static dev.rtbe.simulator.SimClient.map;
import static dev.rtbe.simulator.SimClient.num;
import static dev.rtbe.simulator.SimClient.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Slots per model, embedding models capped at one slot, and loads and LRU evictions under maxLoadedModels. */
class ModelSlotsTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    /** A generation that would take an hour of model time: tests end it by disconnecting. */
    static final String[] LONG = {SimHeaders.PREFILL_MS, "0", SimHeaders.GEN_MS, "3600000", SimHeaders.OUTPUT_TOKENS, "3600"};

    static String gen(String model, String prompt, boolean stream) {
        return "{\"model\":\"" + model + "\",\"prompt\":\"" + prompt + "\",\"stream\":" + stream + "}";
    }

    /** Opens a long stream and waits for its first chunk, so it surely holds a slot of its model. */
    static HttpResponse<InputStream> longStream(SimClient c, String model) throws Exception {
        HttpResponse<InputStream> r = c.open("/api/generate", gen(model, "long job", true), LONG);
        assertEquals(200, r.statusCode());
        assertNotNull(SimClient.lines(r).readLine());
        return r;
    }

    static List<String> psNames(SimClient c) throws Exception {
        List<String> names = new ArrayList<>();
        for (Object m : list(obj(c.get("/api/ps").body()).get("models"))) names.add((String) map(m).get("name"));
        return names;
    }

    @Test
    void eachModelRunsItsOwnSlots() throws Exception {
        SimulatorConfig cfg = SimulatorConfig.builder().slots(2).modelSlots("qwen2.5", 3)
                .models("llama3.2", "qwen2.5").build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            List<HttpResponse<InputStream>> open = new ArrayList<>();
            for (int i = 0; i < 2; i++) open.add(longStream(c, "llama3.2"));
            for (int i = 0; i < 3; i++) open.add(longStream(c, "qwen2.5"));
            assertEquals(2, sim.running("llama3.2"));
            assertEquals(3, sim.running("qwen2.5:latest"));
            assertEquals(5, sim.running(), "the server runs both models' slots at once");

            // One more for each model: both queue, each behind its own model only.
            CompletableFuture<HttpResponse<String>> moreLlama = c.postAsync("/api/generate", gen("llama3.2", "q", false),
                    SimHeaders.GEN_MS, "10");
            CompletableFuture<HttpResponse<String>> moreQwen = c.postAsync("/api/generate", gen("qwen2.5", "q", false),
                    SimHeaders.GEN_MS, "10");
            sim.await(() -> sim.queued("llama3.2") == 1 && sim.queued("qwen2.5") == 1, WAIT);
            assertEquals(2, sim.queued());

            open.get(0).body().close(); // a llama slot frees: only the llama waiter may take it
            assertEquals(200, moreLlama.get().statusCode());
            assertEquals(1, sim.queued("qwen2.5"));
            open.get(2).body().close();
            assertEquals(200, moreQwen.get().statusCode());

            assertEquals(2, sim.maxObservedConcurrency("llama3.2"));
            assertEquals(3, sim.maxObservedConcurrency("qwen2.5"));
            assertEquals(5, sim.maxObservedConcurrency());
            for (HttpResponse<InputStream> r : open) r.body().close();
            sim.await(() -> sim.running() == 0, WAIT);

            List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 7 && l.stream().allMatch(RequestRecord::finished), WAIT);
            for (RequestRecord r : rs) {
                assertTrue(r.runningAtStart() <= (r.model().equals("llama3.2:latest") ? 2 : 3), "counted per model: " + r);
                assertEquals(r.queueSeq(), r.startSeq(), "FIFO within each model: " + r);
            }
            assertEquals(0, sim.running("never-asked-for"));
            assertEquals(0, sim.maxObservedConcurrency("never-asked-for"));
        }
    }

    @Test
    void embeddingModelsRunOneAtATime() throws Exception {
        SimulatorConfig cfg = SimulatorConfig.builder().slots(4).timeScale(10).models("llama3.2", "nomic-embed-text").build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                all.add(c.postAsync("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":\"doc " + i + "\"}",
                        SimHeaders.PREFILL_MS, "500"));
            }
            for (CompletableFuture<HttpResponse<String>> f : all) assertEquals(200, f.get().statusCode());
            List<RequestRecord> rs = new ArrayList<>(sim.awaitRecords(
                    l -> l.size() == 3 && l.stream().allMatch(RequestRecord::finished), WAIT));
            assertEquals(1, sim.maxObservedConcurrency("nomic-embed-text"), "4 slots configured, yet 1 for embeddings");
            rs.sort(Comparator.comparingLong(RequestRecord::startNanos));
            for (int i = 1; i < rs.size(); i++) {
                assertTrue(rs.get(i).startNanos() >= rs.get(i - 1).endNanos(), "one after the other: " + rs);
                assertEquals(1, rs.get(i).runningAtStart());
            }

            HttpResponse<String> refused = c.post("/api/generate", gen("nomic-embed-text", "hi", false));
            assertEquals(400, refused.statusCode());
            assertEquals("\"nomic-embed-text\" does not support generate", obj(refused.body()).get("error"));
        }
        assertEquals(1, SimulatorConfig.builder().slots(4).build().slotsFor("mxbai-embed-large"));
        assertEquals(4, SimulatorConfig.builder().slots(4).embeddingModels("all-minilm").build().slotsFor("mxbai-embed-large"));
        assertEquals(1, SimulatorConfig.builder().slots(4).embeddingModels("all-minilm").build().slotsFor("all-minilm:latest"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimulatorConfig.builder().modelSlots("nomic-embed-text", 2).build());
        assertTrue(e.getMessage().contains("nomic-embed-text:latest is an embedding model"), e.getMessage());
    }

    @Test
    void anUnloadedModelWaitsForAnIdleOneEvictsItAndPaysTheLoad() throws Exception {
        // Load 2 s of model time = 100 ms of wall time.
        SimulatorConfig cfg = SimulatorConfig.builder().slots(2).timeScale(20).maxLoadedModels(1)
                .modelLoadTime(Duration.ofSeconds(2)).outputTokens(2).models("llama3.2", "qwen2.5").build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            assertEquals(List.of(), psNames(c));
            HttpResponse<InputStream> busy = longStream(c, "llama3.2");
            assertEquals(List.of("llama3.2:latest"), psNames(c));

            CompletableFuture<HttpResponse<String>> other = c.postAsync("/api/generate", gen("qwen2.5", "q", false));
            sim.awaitRecords(l -> l.size() == 2, WAIT);
            // A request for the loaded model is not held up by the one waiting for room.
            Map<String, Object> again = obj(c.post("/api/generate", gen("llama3.2", "again", false)).body());
            assertEquals(0, num(again, "load_duration"));
            assertFalse(sim.records().get(1).started(), "qwen waits: llama is still busy");
            assertFalse(other.isDone());
            assertEquals(List.of("llama3.2:latest"), psNames(c));

            busy.body().close(); // llama goes idle: qwen evicts it and loads
            Map<String, Object> q = obj(other.get().body());
            assertTrue(num(q, "load_duration") >= 2_000_000_000L, "eviction wait plus the load: " + q);
            long hidden = num(q, "total_duration") - num(q, "load_duration") - num(q, "prompt_eval_duration")
                    - num(q, "eval_duration");
            assertTrue(hidden >= 0 && hidden < 200_000_000L, "no slot wait once loaded (10 ms of wall slack): " + hidden);
            assertEquals(List.of("qwen2.5:latest"), psNames(c));
            assertEquals(List.of("qwen2.5:latest"), sim.loadedModels());

            // qwen is idle now, so llama comes back at once and pays exactly its load.
            assertEquals(2_000_000_000L, num(obj(c.post("/api/generate", gen("llama3.2", "back", false)).body()),
                    "load_duration"));
            assertEquals(List.of("llama3.2:latest"), psNames(c));
        }
    }

    @Test
    void theLeastRecentlyUsedIdleModelIsEvicted() throws Exception {
        SimulatorConfig cfg = SimulatorConfig.builder().timeScale(1000).maxLoadedModels(2).outputTokens(1)
                .modelLoadTime(Duration.ofSeconds(1)).modelLoadTime("tiny", Duration.ZERO).acceptAnyModel(true).build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            c.post("/api/generate", gen("a", "1", false));
            c.post("/api/generate", gen("b", "2", false));
            assertEquals(0, num(obj(c.post("/api/generate", gen("a", "3", false)).body()), "load_duration"));
            assertEquals(List.of("a:latest", "b:latest"), psNames(c), "most recently used first");
            assertEquals(0, num(obj(c.post("/api/generate", gen("tiny", "4", false)).body()), "load_duration"),
                    "tiny has its own load time");
            assertEquals(List.of("tiny:latest", "a:latest"), psNames(c), "b was the least recently used");

            Map<String, Object> entry = map(list(obj(c.get("/api/ps").body()).get("models")).get(0));
            for (String field : List.of("name", "model", "size", "digest", "details", "expires_at", "size_vram",
                    "context_length")) {
                assertTrue(entry.containsKey(field), field + " in " + entry);
            }
            List<Object> tags = list(obj(c.get("/api/tags").body()).get("models"));
            assertEquals(4, tags.size(), "every known model, loaded or not: " + tags);
        }
    }

    @Test
    void aLlamaCppStatusModeAnswersPropsAndSlotsAsALlamaServer() throws Exception {
        SimulatorConfig cfg = SimulatorConfig.builder().slots(3).models("llama3.2").llamaCppStatus(true).build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            HttpResponse<String> props = c.get("/props");
            assertEquals(200, props.statusCode());
            assertEquals(3, num(obj(props.body()), "total_slots"));
            HttpResponse<InputStream> running = longStream(c, "llama3.2");
            List<Object> slots = list(Json.parse(c.get("/slots").body()));
            assertEquals(3, slots.size());
            assertEquals(List.of(true, false, false),
                    slots.stream().map(s -> map(s).get("is_processing")).collect(java.util.stream.Collectors.toList()));
            running.body().close();
        }
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().slots(3).build())) {
            SimClient c = new SimClient(sim);
            assertEquals(404, c.get("/props").statusCode(), "Ollama has no /props");
            assertEquals(404, c.get("/slots").statusCode());
        }
    }
}
