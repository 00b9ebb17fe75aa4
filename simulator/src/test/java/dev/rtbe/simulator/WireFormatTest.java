package dev.rtbe.simulator;

import static dev.rtbe.simulator.SimClient.list;
import static dev.rtbe.simulator.SimClient.map;
import static dev.rtbe.simulator.SimClient.ndjson;
import static dev.rtbe.simulator.SimClient.num;
import static dev.rtbe.simulator.SimClient.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Response shapes of every endpoint against Ollama's documented wire formats. */
class WireFormatTest {
    static final List<String> STATS = List.of("total_duration", "load_duration", "prompt_eval_count",
            "prompt_eval_duration", "eval_count", "eval_duration");
    static OllamaSimulator sim;
    static SimClient client;

    @BeforeAll
    static void start() {
        // Fast: 1000x scale, 8 tokens per answer.
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(4).timeScale(1000).outputTokens(8)
                .models("llama3.2", "qwen2.5:0.5b").build());
        client = new SimClient(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void generateStreamsNdjsonWithFinalStats() throws Exception {
        String prompt = "Why is the sky blue?"; // 20 chars = 5 prompt tokens
        HttpResponse<String> r = client.post("/api/generate", "{\"model\":\"llama3.2\",\"prompt\":\"" + prompt + "\"}");
        assertEquals(200, r.statusCode());
        assertEquals("application/x-ndjson", r.headers().firstValue("Content-Type").orElse(""));
        assertTrue(r.body().endsWith("\n"));
        List<Map<String, Object>> chunks = ndjson(r.body());
        assertEquals(9, chunks.size(), "8 token chunks and a final chunk");
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> c : chunks.subList(0, 8)) {
            assertEquals(List.of("model", "created_at", "response", "done"), new ArrayList<>(c.keySet()));
            assertEquals("llama3.2:latest", c.get("model"));
            assertEquals(false, c.get("done"));
            assertTrue(((String) c.get("created_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"));
            text.append(c.get("response"));
        }
        Map<String, Object> last = chunks.get(8);
        assertEquals(true, last.get("done"));
        assertEquals("stop", last.get("done_reason"));
        assertEquals("", last.get("response"));
        assertTrue(last.keySet().containsAll(STATS), last.toString());
        assertEquals(5, num(last, "prompt_eval_count"));
        assertEquals(5_000_000, num(last, "prompt_eval_duration"), "5 tokens at 1000 tok/s");
        assertEquals(8, num(last, "eval_count"));
        assertTrue(num(last, "eval_duration") > 0);
        assertTrue(num(last, "total_duration") >= num(last, "prompt_eval_duration") + num(last, "eval_duration"));

        // Deterministic: the same prompt without streaming yields the same text.
        HttpResponse<String> single = client.post("/api/generate",
                "{\"model\":\"llama3.2\",\"prompt\":\"" + prompt + "\",\"stream\":false}");
        assertEquals("application/json; charset=utf-8", single.headers().firstValue("Content-Type").orElse(""));
        Map<String, Object> body = obj(single.body());
        assertEquals(text.toString(), body.get("response"));
        assertEquals(true, body.get("done"));
        assertTrue(body.keySet().containsAll(STATS));
        assertFalse(text.toString().isBlank());

        String other = (String) obj(client.post("/api/generate",
                "{\"model\":\"llama3.2\",\"prompt\":\"Something else entirely\",\"stream\":false}").body()).get("response");
        assertFalse(other.equals(text.toString()), "different prompts give different text");
    }

    @Test
    void chatStreamsMessagesAndHonoursNumPredict() throws Exception {
        String req = "{\"model\":\"qwen2.5:0.5b\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],"
                + "\"options\":{\"num_predict\":3}}";
        HttpResponse<String> r = client.post("/api/chat", req);
        assertEquals("application/x-ndjson", r.headers().firstValue("Content-Type").orElse(""));
        List<Map<String, Object>> chunks = ndjson(r.body());
        assertEquals(4, chunks.size());
        for (Map<String, Object> c : chunks) {
            Map<String, Object> msg = map(c.get("message"));
            assertEquals("assistant", msg.get("role"));
            assertTrue(msg.get("content") instanceof String);
            assertNull(c.get("response"));
        }
        Map<String, Object> last = chunks.get(3);
        assertEquals(true, last.get("done"));
        assertEquals("length", last.get("done_reason"), "num_predict reached");
        assertEquals(3, num(last, "eval_count"));
        assertTrue(last.keySet().containsAll(STATS));

        Map<String, Object> single = obj(client.post("/api/chat", req.replace("}}", "},\"stream\":false}")).body());
        assertEquals(true, single.get("done"));
        assertEquals(3, num(single, "eval_count"));
        assertFalse(((String) map(single.get("message")).get("content")).isEmpty());
    }

    @Test
    void openAiChatStreamsSseWithUsageAndDone() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions", "{\"model\":\"llama3.2\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}");
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(""));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        String[] events = r.body().split("\n\n");
        assertEquals(8 + 1 + 1 + 1, events.length, "8 content chunks, finish, usage, [DONE]");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            assertTrue(events[i].startsWith("data: "));
            Map<String, Object> c = obj(events[i].substring(6));
            assertEquals("chat.completion.chunk", c.get("object"));
            assertTrue(((String) c.get("id")).startsWith("chatcmpl-"));
            assertEquals("llama3.2:latest", c.get("model"));
            assertEquals("fp_ollama", c.get("system_fingerprint"));
            assertTrue(c.get("created") instanceof Long);
            Map<String, Object> choice = map(list(c.get("choices")).get(0));
            assertEquals(0L, choice.get("index"));
            assertTrue(choice.containsKey("finish_reason"));
            assertNull(choice.get("finish_reason"));
            text.append(map(choice.get("delta")).get("content"));
        }
        Map<String, Object> finish = map(list(obj(events[8].substring(6)).get("choices")).get(0));
        assertEquals("stop", finish.get("finish_reason"));
        assertEquals(Map.of(), finish.get("delta"));
        Map<String, Object> usageChunk = obj(events[9].substring(6));
        assertEquals(List.of(), usageChunk.get("choices"));
        Map<String, Object> usage = map(usageChunk.get("usage"));
        assertEquals(3, num(usage, "prompt_tokens"), "\"hi there\\n\" is 9 chars");
        assertEquals(8, num(usage, "completion_tokens"));
        assertEquals(11, num(usage, "total_tokens"));
        assertEquals("data: [DONE]", events[10]);
        assertFalse(text.toString().isEmpty());
    }

    @Test
    void openAiChatWithoutUsageAndNonStreamingByDefault() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions", "{\"model\":\"llama3.2\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertFalse(r.body().contains("\"usage\""));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));

        // "stream" absent means NOT streaming on the OpenAI endpoint.
        HttpResponse<String> single = client.post("/v1/chat/completions", "{\"model\":\"llama3.2\",\"max_tokens\":2,"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}");
        assertEquals("application/json; charset=utf-8", single.headers().firstValue("Content-Type").orElse(""));
        Map<String, Object> body = obj(single.body());
        assertEquals("chat.completion", body.get("object"));
        Map<String, Object> choice = map(list(body.get("choices")).get(0));
        assertEquals("length", choice.get("finish_reason"));
        assertEquals("assistant", map(choice.get("message")).get("role"));
        assertEquals(2, num(map(body.get("usage")), "completion_tokens"));
    }

    @Test
    void nativeErrorShapes() throws Exception {
        HttpResponse<String> bad = client.post("/api/generate", "{not json");
        assertEquals(400, bad.statusCode());
        assertEquals("application/json; charset=utf-8", bad.headers().firstValue("Content-Type").orElse(""));
        assertEquals(List.of("error"), new ArrayList<>(obj(bad.body()).keySet()));

        HttpResponse<String> noModel = client.post("/api/chat", "{\"messages\":[]}");
        assertEquals(400, noModel.statusCode());
        assertEquals(Map.of("error", "model is required"), obj(noModel.body()));

        HttpResponse<String> empty = client.post("/api/chat", "");
        assertEquals(400, empty.statusCode());
        assertEquals(Map.of("error", "missing request body"), obj(empty.body()));

        HttpResponse<String> missing = client.post("/api/generate", "{\"model\":\"nope\",\"prompt\":\"x\"}");
        assertEquals(404, missing.statusCode());
        assertEquals(Map.of("error", "model \"nope\" not found, try pulling it first"), obj(missing.body()));

        assertEquals(404, client.get("/api/nothing").statusCode());
        assertEquals(404, client.get("/api/generate").statusCode(), "wrong method");
    }

    @Test
    void openAiErrorShape() throws Exception {
        HttpResponse<String> missing = client.post("/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}");
        assertEquals(404, missing.statusCode());
        Map<String, Object> err = map(obj(missing.body()).get("error"));
        assertEquals("model \"nope\" not found, try pulling it first", err.get("message"));
        assertEquals("not_found_error", err.get("type"));
        assertTrue(err.containsKey("param") && err.containsKey("code"));

        HttpResponse<String> bad = client.post("/v1/chat/completions", "[1,2");
        assertEquals(400, bad.statusCode());
        assertEquals("invalid_request_error", map(obj(bad.body()).get("error")).get("type"));
    }

    @Test
    void recordsErrorsButNotListings() throws Exception {
        sim.reset();
        client.post("/api/generate", "{\"model\":\"nope\",\"prompt\":\"x\"}");
        client.get("/api/tags");
        List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 1 && l.get(0).finished(), Duration.ofSeconds(5));
        assertEquals(Outcome.ERROR, rs.get(0).outcome());
        assertEquals(404, rs.get(0).status());
        assertEquals(-1, rs.get(0).startNanos());
    }

    @Test
    void listingEndpoints() throws Exception {
        HttpResponse<String> v = client.get("/api/version");
        assertEquals("application/json; charset=utf-8", v.headers().firstValue("Content-Type").orElse(""));
        assertEquals(Map.of("version", "0.32.15"), obj(v.body()));

        List<Object> tags = list(obj(client.get("/api/tags").body()).get("models"));
        assertEquals(2, tags.size());
        Map<String, Object> t = map(tags.get(0));
        assertEquals("llama3.2:latest", t.get("name"));
        for (String k : List.of("name", "model", "modified_at", "size", "digest", "details")) assertTrue(t.containsKey(k), k);
        for (String k : List.of("parent_model", "format", "family", "families", "parameter_size", "quantization_level")) {
            assertTrue(map(t.get("details")).containsKey(k), k);
        }

        client.post("/api/generate", "{\"model\":\"qwen2.5:0.5b\",\"prompt\":\"x\",\"stream\":false}");
        List<Object> ps = list(obj(client.get("/api/ps").body()).get("models"));
        assertTrue(ps.stream().anyMatch(m -> "qwen2.5:0.5b".equals(map(m).get("name"))), ps.toString());
        for (String k : List.of("name", "model", "size", "digest", "details", "expires_at", "size_vram", "context_length")) {
            assertTrue(map(ps.get(0)).containsKey(k), k);
        }
        HttpResponse<String> root = client.get("/");
        assertEquals("Ollama is running", root.body());
    }

    @Test
    void emptyPromptOnlyLoadsTheModel() throws Exception {
        HttpResponse<String> r = client.post("/api/generate", "{\"model\":\"llama3.2\"}");
        assertEquals(200, r.statusCode());
        Map<String, Object> body = obj(r.body());
        assertEquals("load", body.get("done_reason"));
        assertEquals(true, body.get("done"));
        assertEquals("", body.get("response"));
    }

    @Test
    void omitZeroMetricsLeavesZeroFieldsOut() throws Exception {
        try (OllamaSimulator s = OllamaSimulator.start(SimulatorConfig.builder().timeScale(1000).outputTokens(2)
                .omitZeroMetrics(true).build())) {
            Map<String, Object> body = obj(new SimClient(s).post("/api/generate",
                    "{\"model\":\"llama3.2\",\"prompt\":\"x\",\"stream\":false}").body());
            assertFalse(body.containsKey("load_duration"), "no load time configured: 0 is omitted");
            assertTrue(body.containsKey("eval_duration"));
        }
    }
}
