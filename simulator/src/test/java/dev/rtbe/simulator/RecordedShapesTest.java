package dev.rtbe.simulator;

import static dev.rtbe.simulator.SimClient.ndjson;
import static dev.rtbe.simulator.SimClient.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulator's chat bodies have the shape of real Ollama answers (test resources ollama-shapes/, sources in its
 * README): the same keys in the same order and the same value types, frame by frame. The readers that prove the
 * continuation join read the recorded answers too.
 */
class RecordedShapesTest {
    static OllamaSimulator sim;
    static SimClient client;

    @BeforeAll
    static void start() {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(2).timeScale(1000).outputTokens(3).build());
        client = new SimClient(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static String resource(String name) throws IOException {
        try (InputStream in = RecordedShapesTest.class.getResourceAsStream("/ollama-shapes/" + name)) {
            if (in == null) throw new AssertionError("missing test resource ollama-shapes/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String post(String path, String body) throws Exception {
        var r = client.post(path, body);
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"why is the sky blue?\"}]";

    @Test
    void nativeChatStream() throws Exception {
        String recorded = resource("api-chat-stream.ndjson");
        String simulated = post("/api/chat", "{\"model\":\"llama3.2\"," + MESSAGES + "}");
        // The docs' 2023 example predates done_reason and still shows "images": null (omitempty today).
        Set<String> olderDocs = Set.of("images", "done_reason");
        assertEquals(lineShapes(recorded, olderDocs), lineShapes(simulated, olderDocs));
        assertEquals("The", ContinuationTest.chatStream(recorded).text());
        assertEquals(282, ContinuationTest.chatStream(recorded).tokens());
    }

    @Test
    void nativeChatSingle() throws Exception {
        String recorded = resource("api-chat.json");
        String simulated = post("/api/chat", "{\"model\":\"llama3.2\",\"stream\":false," + MESSAGES + "}");
        assertEquals(shape(obj(recorded), Set.of("done_reason")), shape(obj(simulated), Set.of("done_reason")));
        assertEquals("Hello! How are you today?", ContinuationTest.chatSingle(recorded).text());
    }

    @Test
    void openAiChatStream() throws Exception {
        String recorded = resource("v1-chat-stream.sse");
        String simulated = post("/v1/chat/completions", "{\"model\":\"llama3.2\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}," + MESSAGES + "}");
        assertEquals(sseShapes(recorded), sseShapes(simulated));
        ContinuationTest.Answer a = ContinuationTest.openAiStream(recorded);
        assertEquals("Hello there", a.text());
        assertEquals("stop", a.reason());
        assertEquals(8, a.tokens());
    }

    @Test
    void openAiChatSingle() throws Exception {
        String recorded = resource("v1-chat.json");
        String simulated = post("/v1/chat/completions", "{\"model\":\"llama3.2\"," + MESSAGES + "}");
        assertEquals(shape(obj(recorded), Set.of()), shape(obj(simulated), Set.of()));
        assertEquals("Hello! How can I help?", ContinuationTest.openAiSingle(recorded).text());
    }

    /** Shapes of the NDJSON lines, runs of equal shapes (the token chunks) counted once. */
    static List<String> lineShapes(String body, Set<String> ignored) {
        List<String> shapes = new ArrayList<>();
        for (Map<String, Object> line : ndjson(body)) addCollapsed(shapes, shape(line, ignored));
        return shapes;
    }

    static List<String> sseShapes(String body) {
        List<String> shapes = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            String data = event.substring("data: ".length());
            addCollapsed(shapes, data.equals("[DONE]") ? data : shape(obj(data), Set.of()));
        }
        return shapes;
    }

    static void addCollapsed(List<String> shapes, String s) {
        if (shapes.isEmpty() || !shapes.get(shapes.size() - 1).equals(s)) shapes.add(s);
    }

    /** Keys in order with the types of their values, nested; the keys in {@code ignored} are left out anywhere. */
    static String shape(Object v, Set<String> ignored) {
        if (v instanceof Map<?, ?> m) {
            Map<String, String> parts = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!ignored.contains((String) e.getKey())) parts.put((String) e.getKey(), shape(e.getValue(), ignored));
            }
            return parts.toString();
        }
        if (v instanceof List<?> l) {
            Set<String> elements = new TreeSet<>();
            for (Object o : l) elements.add(shape(o, ignored));
            return elements.toString();
        }
        if (v == null) return "null";
        if (v instanceof String) return "string";
        if (v instanceof Boolean) return "bool";
        return "number";
    }
}
