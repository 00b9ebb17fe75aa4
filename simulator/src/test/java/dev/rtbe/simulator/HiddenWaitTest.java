package dev.rtbe.simulator;

import static dev.rtbe.simulator.SimClient.num;
import static dev.rtbe.simulator.SimClient.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Ollama's final-chunk arithmetic: total - load - prompt_eval - eval is the time a request waited for one of its
 * model's slots inside the server. What a client (or the agent's calibration) recovers from it must match what the
 * server really did.
 */
class HiddenWaitTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    /** Real time: model time = wall time, so scheduling noise on a busy machine is not magnified. */
    static final double SCALE = 1;
    /** Slack for the handler's own work between arrival and queueing (and a busy machine's thread scheduling). */
    static final long TOLERANCE = 150_000_000L;
    /** A wait this short is no wait: an uncontended slot is granted within microseconds. */
    static final long NO_WAIT = 50_000_000L;

    static String gen(String model, String prompt) {
        return "{\"model\":\"" + model + "\",\"prompt\":\"" + prompt + "\",\"stream\":false}";
    }

    static long hiddenWait(Map<String, Object> body) {
        return num(body, "total_duration") - num(body, "load_duration") - num(body, "prompt_eval_duration")
                - num(body, "eval_duration");
    }

    @Test
    void theWaitForASlotIsRecoveredPerModel() throws Exception {
        // One slot per model; "b" takes 1 s (model time) to load, "a" is loaded at once.
        SimulatorConfig cfg = SimulatorConfig.builder().slots(1).timeScale(SCALE).models("a", "b")
                .modelLoadTime("b", Duration.ofSeconds(1)).build();
        try (OllamaSimulator sim = OllamaSimulator.start(cfg)) {
            SimClient c = new SimClient(sim);
            // Each model time here is also wall time: a's first request holds a's only slot for 3 s.
            String[] threeSeconds = {SimHeaders.PREFILL_MS, "200", SimHeaders.GEN_MS, "2800", SimHeaders.OUTPUT_TOKENS, "6"};
            CompletableFuture<HttpResponse<String>> a1 = c.postAsync("/api/generate", gen("a", "first"), threeSeconds);
            sim.await(() -> sim.running("a") == 1, WAIT);
            CompletableFuture<HttpResponse<String>> a2 = c.postAsync("/api/generate", gen("a", "second"),
                    SimHeaders.PREFILL_MS, "100", SimHeaders.GEN_MS, "100", SimHeaders.OUTPUT_TOKENS, "2");
            sim.await(() -> sim.queued("a") == 1, WAIT);
            // Model b is not blocked by a's full slot, and its load is no slot wait.
            Map<String, Object> b = obj(c.post("/api/generate", gen("b", "other"), SimHeaders.PREFILL_MS, "100",
                    SimHeaders.GEN_MS, "100", SimHeaders.OUTPUT_TOKENS, "2").body());
            Map<String, Object> first = obj(a1.get().body());
            Map<String, Object> second = obj(a2.get().body());

            List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 3 && l.stream().allMatch(RequestRecord::finished), WAIT);
            RequestRecord secondRec = rs.get(1);
            assertEquals("a:latest", secondRec.model());
            long trueWait = Math.round((secondRec.startNanos() - secondRec.arrivalNanos()) * SCALE);
            assertTrue(trueWait > 2_000_000_000L, "it really queued behind about 3 s of work: " + trueWait);
            assertTrue(rs.get(2).endNanos() < rs.get(0).endNanos(), "b ran to its end while a's slot was held: " + rs);
            long recovered = hiddenWait(second);
            // Queueing starts after arrival, so the recovered wait is never above the record's, and close below it.
            assertTrue(recovered <= trueWait + 1000 && recovered >= trueWait - TOLERANCE,
                    "recovered " + recovered + " vs " + trueWait);

            assertTrue(hiddenWait(first) >= 0 && hiddenWait(first) < NO_WAIT, "a's first did not queue: " + hiddenWait(first));
            assertEquals(1_000_000_000L, num(b, "load_duration"));
            assertTrue(hiddenWait(b) >= 0 && hiddenWait(b) < NO_WAIT, "b did not queue: " + hiddenWait(b));
            assertEquals(2, sim.maxObservedConcurrency(), "a and b ran at the same time");
            assertEquals(1, sim.maxObservedConcurrency("a"));
        }
    }

    @Test
    void theOpenAiRouteReportsNoTimings() throws Exception {
        try (OllamaSimulator sim = OllamaSimulator.start(SimulatorConfig.builder().timeScale(1000).outputTokens(2).build())) {
            Map<String, Object> body = obj(new SimClient(sim).post("/v1/chat/completions",
                    "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body());
            assertTrue(body.containsKey("usage"), body.toString());
            for (String timing : List.of("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")) {
                assertFalse(body.toString().contains(timing), "Ollama's OpenAI route has no " + timing + ": " + body);
            }
        }
    }
}
