package dev.rtbe.simulator;

import static dev.rtbe.simulator.SimClient.list;
import static dev.rtbe.simulator.SimClient.map;
import static dev.rtbe.simulator.SimClient.num;
import static dev.rtbe.simulator.SimClient.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The three embedding endpoints: shapes, deterministic vectors, timings, errors and records. */
class EmbeddingTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    static OllamaSimulator start() {
        return OllamaSimulator.start(SimulatorConfig.builder().timeScale(100).models("nomic-embed-text", "llama3.2")
                .modelLoadTime("nomic-embed-text", Duration.ofSeconds(3)).build());
    }

    static double[] vector(Object o) {
        List<Object> l = list(o);
        double[] v = new double[l.size()];
        for (int i = 0; i < v.length; i++) v[i] = ((Number) l.get(i)).doubleValue();
        return v;
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return Math.sqrt(s);
    }

    @Test
    void apiEmbedReturnsOneUnitVectorPerInputWithOllamasFields() throws Exception {
        try (OllamaSimulator sim = start()) {
            SimClient c = new SimClient(sim);
            HttpResponse<String> r = c.post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":[\"hello\",\"world!\"]}",
                    SimHeaders.PREFILL_MS, "400");
            assertEquals(200, r.statusCode());
            Map<String, Object> body = obj(r.body());
            assertEquals(Set.of("model", "embeddings", "total_duration", "load_duration", "prompt_eval_count"), body.keySet());
            assertEquals("nomic-embed-text", body.get("model"), "echoed as sent");
            List<Object> embeddings = list(body.get("embeddings"));
            assertEquals(2, embeddings.size());
            double[] hello = vector(embeddings.get(0));
            assertEquals(16, hello.length);
            assertEquals(1.0, norm(hello), 1e-5);
            assertFalse(java.util.Arrays.equals(hello, vector(embeddings.get(1))));
            assertEquals(4, num(body, "prompt_eval_count"), "ceil(5/4) + ceil(6/4)");
            assertEquals(3_000_000_000L, num(body, "load_duration"));
            long total = num(body, "total_duration");
            assertTrue(total >= 3_400_000_000L && total < 3_400_000_000L + 1_000_000_000L, "load + prefill: " + total);

            // Same text, same vector, on every endpoint; a loaded model pays no load.
            Map<String, Object> one = obj(c.post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":\"hello\"}").body());
            assertEquals(0, num(one, "load_duration"));
            assertTrue(java.util.Arrays.equals(hello, vector(list(one.get("embeddings")).get(0))));
            Map<String, Object> legacy = obj(c.post("/api/embeddings", "{\"model\":\"nomic-embed-text\",\"prompt\":\"hello\"}").body());
            assertEquals(Set.of("embedding"), legacy.keySet());
            assertTrue(java.util.Arrays.equals(hello, vector(legacy.get("embedding"))));

            List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 3 && l.stream().allMatch(RequestRecord::finished), WAIT);
            assertEquals(List.of("/api/embed", "/api/embed", "/api/embeddings"), rs.stream().map(RequestRecord::path).toList());
            for (RequestRecord rec : rs) {
                assertEquals("nomic-embed-text:latest", rec.model());
                assertEquals(Outcome.COMPLETED, rec.outcome());
                assertEquals(0, rec.evalCount());
                assertTrue(rec.started());
            }
            assertEquals(4, rs.get(0).promptTokens());
            assertTrue(rs.get(0).endNanos() - rs.get(0).startNanos() >= Duration.ofMillis(4).toNanos(), "400 ms / 100");
        }
    }

    @Test
    void emptyInputOnlyLoadsTheModel() throws Exception {
        try (OllamaSimulator sim = start()) {
            SimClient c = new SimClient(sim);
            assertEquals(Map.of("model", "nomic-embed-text", "embeddings", List.of()),
                    obj(c.post("/api/embed", "{\"model\":\"nomic-embed-text\"}").body()));
            assertEquals(Map.of("embedding", List.of()),
                    obj(c.post("/api/embeddings", "{\"model\":\"nomic-embed-text\",\"prompt\":\"\"}").body()));
            assertEquals(1, list(obj(c.get("/api/ps").body()).get("models")).size(), "loaded");
            assertFalse(sim.records().get(0).started(), "no slot for a load");
        }
    }

    @Test
    void openAiEmbeddingsHaveDataAndUsage() throws Exception {
        try (OllamaSimulator sim = start()) {
            SimClient c = new SimClient(sim);
            Map<String, Object> body = obj(c.post("/v1/embeddings",
                    "{\"model\":\"nomic-embed-text\",\"input\":[\"hello\",\"there\"]}").body());
            assertEquals("list", body.get("object"));
            assertEquals("nomic-embed-text", body.get("model"));
            assertEquals(Map.of("prompt_tokens", 4L, "total_tokens", 4L), body.get("usage"));
            List<Object> data = list(body.get("data"));
            assertEquals(2, data.size());
            for (int i = 0; i < 2; i++) {
                assertEquals("embedding", map(data.get(i)).get("object"));
                assertEquals((long) i, map(data.get(i)).get("index"));
            }
            double[] hello = vector(map(data.get(0)).get("embedding"));
            assertFalse(body.toString().contains("duration"), "no Ollama timings on the OpenAI route");

            Map<String, Object> b64 = obj(c.post("/v1/embeddings",
                    "{\"model\":\"nomic-embed-text\",\"input\":\"hello\",\"encoding_format\":\"base64\"}").body());
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode((String) map(list(b64.get("data")).get(0))
                    .get("embedding"))).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(16 * 4, bytes.remaining());
            for (double x : hello) assertEquals((float) x, bytes.getFloat());
        }
    }

    @Test
    void badEmbeddingRequestsGetClearErrorsInTheEndpointsShape() throws Exception {
        try (OllamaSimulator sim = start()) {
            SimClient c = new SimClient(sim);
            HttpResponse<String> badType = c.post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":5}");
            assertEquals(400, badType.statusCode());
            assertEquals(Map.of("error", "invalid input type"), obj(badType.body()));
            HttpResponse<String> badList = c.post("/api/embed", "{\"model\":\"nomic-embed-text\",\"input\":[\"a\",1]}");
            assertEquals(400, badList.statusCode());

            HttpResponse<String> noInput = c.post("/v1/embeddings", "{\"model\":\"nomic-embed-text\"}");
            assertEquals(400, noInput.statusCode());
            Map<String, Object> err = map(obj(noInput.body()).get("error"));
            assertEquals("invalid input", err.get("message"));
            assertEquals("invalid_request_error", err.get("type"));
            HttpResponse<String> badFormat = c.post("/v1/embeddings",
                    "{\"model\":\"nomic-embed-text\",\"input\":\"x\",\"encoding_format\":\"int8\"}");
            assertEquals(400, badFormat.statusCode());
            assertTrue(badFormat.body().contains("encoding_format"), badFormat.body());

            HttpResponse<String> missing = c.post("/api/embed", "{\"model\":\"nope\",\"input\":\"x\"}");
            assertEquals(404, missing.statusCode());
            assertEquals("model \"nope\" not found, try pulling it first", obj(missing.body()).get("error"));
            assertEquals(400, c.post("/api/embeddings", "{\"input\":\"x\"}").statusCode(), "model is required");

            // A generative model embeds too (Ollama asks no capability of /api/embed).
            HttpResponse<String> llama = c.post("/api/embed", "{\"model\":\"llama3.2\",\"input\":\"x\"}");
            assertEquals(200, llama.statusCode());
            assertNotEquals(0, list(obj(llama.body()).get("embeddings")).size());

            List<RequestRecord> rs = sim.awaitRecords(l -> l.size() == 7 && l.stream().allMatch(RequestRecord::finished), WAIT);
            assertEquals(Outcome.ERROR, rs.get(0).outcome());
            assertEquals(400, rs.get(0).status());
        }
    }
}
