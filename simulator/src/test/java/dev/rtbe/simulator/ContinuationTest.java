package dev.rtbe.simulator;

import static dev.rtbe.simulator.SimClient.list;
import static dev.rtbe.simulator.SimClient.map;
import static dev.rtbe.simulator.SimClient.ndjson;
import static dev.rtbe.simulator.SimClient.num;
import static dev.rtbe.simulator.SimClient.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Assistant-message continuation as Ollama does it: a chat whose last message is the assistant's partial output P
 * of the answer A continues A, so P + continuation == A byte for byte, with the same finish reason and the token
 * counts adding up, on /api/chat and /v1/chat/completions, streamed or not.
 */
class ContinuationTest {
    static final int NATURAL = 12;
    static OllamaSimulator sim;
    static SimClient client;

    enum Route { CHAT, OPENAI }

    /** One answer read from any of the four bodies. */
    record Answer(List<String> chunks, String text, String reason, long tokens, long promptTokens, long evalNanos) {}

    @BeforeAll
    static void start() {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(4).timeScale(1000).outputTokens(NATURAL).build());
        client = new SimClient(sim);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static List<Map<String, Object>> conversation() {
        List<Map<String, Object>> m = new ArrayList<>();
        m.add(message("system", "You summarise news."));
        m.add(message("user", "Summarise today's batch of articles."));
        return m;
    }

    static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    static List<Map<String, Object>> continued(String partial) {
        List<Map<String, Object>> m = conversation();
        m.add(message("assistant", partial));
        return m;
    }

    static Answer call(Route route, boolean stream, List<Map<String, Object>> messages, Integer limit,
                       String... headers) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", "llama3.2");
        body.put("messages", messages);
        body.put("stream", stream);
        if (route == Route.CHAT && limit != null) body.put("options", Map.of("num_predict", limit));
        if (route == Route.OPENAI && limit != null) body.put("max_tokens", limit);
        if (route == Route.OPENAI && stream) body.put("stream_options", Map.of("include_usage", true));
        String path = route == Route.CHAT ? "/api/chat" : "/v1/chat/completions";
        HttpResponse<String> r = client.post(path, Json.write(body), headers);
        assertEquals(200, r.statusCode(), r.body());
        return route == Route.CHAT ? (stream ? chatStream(r.body()) : chatSingle(r.body()))
                : (stream ? openAiStream(r.body()) : openAiSingle(r.body()));
    }

    static Answer chatStream(String body) {
        List<Map<String, Object>> lines = ndjson(body);
        List<String> chunks = new ArrayList<>();
        for (Map<String, Object> c : lines.subList(0, lines.size() - 1)) {
            assertEquals(false, c.get("done"));
            chunks.add((String) map(c.get("message")).get("content"));
        }
        Map<String, Object> last = lines.get(lines.size() - 1);
        assertEquals(true, last.get("done"));
        assertEquals("", map(last.get("message")).get("content"));
        return new Answer(chunks, String.join("", chunks), (String) last.get("done_reason"), num(last, "eval_count"),
                num(last, "prompt_eval_count"), num(last, "eval_duration"));
    }

    static Answer chatSingle(String body) {
        Map<String, Object> m = obj(body);
        String text = (String) map(m.get("message")).get("content");
        return new Answer(List.of(text), text, (String) m.get("done_reason"), num(m, "eval_count"),
                num(m, "prompt_eval_count"), num(m, "eval_duration"));
    }

    static Answer openAiStream(String body) {
        assertTrue(body.endsWith("data: [DONE]\n\n"), body);
        List<String> chunks = new ArrayList<>();
        String reason = null;
        Map<String, Object> usage = null;
        for (String event : body.split("\n\n")) {
            assertTrue(event.startsWith("data: "), event);
            String data = event.substring("data: ".length());
            if (data.equals("[DONE]")) break;
            Map<String, Object> chunk = obj(data);
            List<Object> choices = list(chunk.get("choices"));
            if (choices.isEmpty()) {
                usage = map(chunk.get("usage"));
                continue;
            }
            Map<String, Object> choice = map(choices.get(0));
            if (choice.get("finish_reason") != null) {
                reason = (String) choice.get("finish_reason");
                assertEquals(Map.of(), choice.get("delta"));
            } else {
                chunks.add((String) map(choice.get("delta")).get("content"));
            }
        }
        return new Answer(chunks, String.join("", chunks), reason, num(usage, "completion_tokens"),
                num(usage, "prompt_tokens"), -1);
    }

    static Answer openAiSingle(String body) {
        Map<String, Object> m = obj(body);
        Map<String, Object> choice = map(list(m.get("choices")).get(0));
        String text = (String) map(choice.get("message")).get("content");
        Map<String, Object> usage = map(m.get("usage"));
        return new Answer(List.of(text), text, (String) choice.get("finish_reason"), num(usage, "completion_tokens"),
                num(usage, "prompt_tokens"), -1);
    }

    @Test
    void streamingAndNonStreamingGiveTheSameText() throws Exception {
        for (Route route : Route.values()) {
            for (Integer limit : new Integer[] {null, 5}) {
                Answer streamed = call(route, true, conversation(), limit);
                Answer single = call(route, false, conversation(), limit);
                assertEquals(streamed.text(), single.text(), route + " limit " + limit);
                assertEquals(streamed.reason(), single.reason());
                assertEquals(streamed.tokens(), single.tokens());
                assertEquals(limit == null ? NATURAL : limit, streamed.chunks().size());
            }
        }
        assertEquals(call(Route.CHAT, false, conversation(), null).text(),
                call(Route.OPENAI, false, conversation(), null).text(), "both routes draw the same answer");
    }

    @Test
    void aContinuationJoinsToTheUninterruptedAnswer() throws Exception {
        // num_predict N: the answer ends on "length"; the continuation asks for N - k, as the agent will.
        int n = 10;
        for (Route route : Route.values()) {
            Answer whole = call(route, true, conversation(), n);
            assertEquals("length", whole.reason());
            for (int k : new int[] {0, 1, 4, n - 1}) {
                String partial = String.join("", whole.chunks().subList(0, k));
                for (boolean stream : new boolean[] {true, false}) {
                    Answer rest = call(route, stream, continued(partial), n - k);
                    String where = route + " cut after " + k + (stream ? " streamed" : " single");
                    assertEquals(whole.text(), partial + rest.text(), where);
                    assertEquals(whole.reason(), rest.reason(), where);
                    assertEquals(whole.tokens(), k + rest.tokens(), where);
                    if (stream) assertEquals(whole.chunks().subList(k, n), rest.chunks(), where);
                }
            }
        }
    }

    @Test
    void aNaturallyEndingAnswerContinuesToTheSameStop() throws Exception {
        // No num_predict: the rest of the answer, then "stop" at the same place.
        for (Route route : Route.values()) {
            Answer whole = call(route, false, conversation(), null);
            Answer cut = call(route, true, conversation(), null);
            assertEquals("stop", whole.reason());
            for (int k : new int[] {0, 1, 7, NATURAL - 1}) {
                String partial = String.join("", cut.chunks().subList(0, k));
                for (boolean stream : new boolean[] {true, false}) {
                    Answer rest = call(route, stream, continued(partial), null);
                    String where = route + " cut after " + k + (stream ? " streamed" : " single");
                    assertEquals(whole.text(), partial + rest.text(), where);
                    assertEquals("stop", rest.reason(), where);
                    assertEquals(NATURAL, k + rest.tokens(), where);
                }
            }
        }
    }

    @Test
    void theOutputTokensHeaderCountsTheWholeAnswer() throws Exception {
        Answer whole = call(Route.CHAT, true, conversation(), null, SimHeaders.OUTPUT_TOKENS, "9");
        assertEquals(9, whole.tokens());
        String partial = String.join("", whole.chunks().subList(0, 3));
        Answer rest = call(Route.CHAT, false, continued(partial), null, SimHeaders.OUTPUT_TOKENS, "9");
        assertEquals(whole.text(), partial + rest.text());
        assertEquals(6, rest.tokens());
        assertEquals("stop", rest.reason());
    }

    @Test
    void numPredictCountsNewTokensAndThePartialOutputIsPrompt() throws Exception {
        Answer whole = call(Route.CHAT, true, conversation(), 10);
        String partial = String.join("", whole.chunks().subList(0, 4));
        Answer rest = call(Route.CHAT, false, continued(partial), 6);
        assertEquals(6, rest.tokens());
        // The partial output is evaluated again as prompt: ceil(chars / 4) over every message, newline-separated.
        String promptChars = "You summarise news.\nSummarise today's batch of articles.\n" + partial + "\n";
        assertEquals((promptChars.length() + 3) / 4, rest.promptTokens());
        assertTrue(rest.promptTokens() > whole.promptTokens());
        // A smaller num_predict stops early, on "length", still along the same answer.
        Answer shorter = call(Route.CHAT, true, continued(partial), 2);
        assertEquals(whole.chunks().subList(4, 6), shorter.chunks());
        assertEquals("length", shorter.reason());
    }

    @Test
    void aContinuationTakesItsShareOfTheGenerationTimeOverride() throws Exception {
        // X-Sim-Gen-Ms times the whole answer: the rest after 4 of 10 tokens takes 6/10 of it.
        Answer whole = call(Route.CHAT, true, conversation(), 10, SimHeaders.GEN_MS, "1000");
        assertEquals(1_000_000_000L, whole.evalNanos());
        String partial = String.join("", whole.chunks().subList(0, 4));
        Answer rest = call(Route.CHAT, false, continued(partial), 6, SimHeaders.GEN_MS, "1000");
        assertEquals(600_000_000L, rest.evalNanos());
    }

    @Test
    void theRecordSaysHowManyTokensARequestContinues() throws Exception {
        Answer whole = call(Route.CHAT, true, conversation(), 10, "X-Test-Id", "record-whole");
        String partial = String.join("", whole.chunks().subList(0, 4));
        call(Route.OPENAI, false, continued(partial), 6, "X-Test-Id", "record-rest");
        call(Route.CHAT, false, continued("Something else entirely"), null, "X-Test-Id", "record-other");
        assertEquals(0, record("record-whole").continuedTokens());
        assertEquals(10, record("record-whole").evalCount());
        assertTrue(record("record-whole").lastTokenNanos() > record("record-whole").firstTokenNanos());
        assertEquals(4, record("record-rest").continuedTokens(), "the cut attempt's 4 tokens are kept");
        assertEquals(6, record("record-rest").evalCount());
        assertEquals(0, record("record-other").continuedTokens(), "a foreign assistant text starts afresh");
    }

    static RequestRecord record(String testId) {
        return sim.records().stream().filter(r -> testId.equals(r.header("X-Test-Id"))).findFirst().orElseThrow();
    }

    @Test
    void openAiContentPartsContinueLikeAString() throws Exception {
        // llama-server appends the text parts of a prefilled assistant message; the simulator joins them the same way.
        Answer whole = call(Route.OPENAI, true, conversation(), 8);
        List<Map<String, Object>> messages = conversation();
        Map<String, Object> partial = new LinkedHashMap<>();
        partial.put("role", "assistant");
        partial.put("content", List.of(Map.of("type", "text", "text", whole.chunks().get(0)),
                Map.of("type", "text", "text", whole.chunks().get(1) + whole.chunks().get(2))));
        messages.add(partial);
        Answer rest = call(Route.OPENAI, false, messages, 5);
        assertEquals(whole.text(), String.join("", whole.chunks().subList(0, 3)) + rest.text());
        assertEquals(5, rest.tokens());
    }

    @Test
    void otherTrailingAssistantTextStartsAFreshAnswer() throws Exception {
        Answer whole = call(Route.CHAT, false, conversation(), null);
        // Not a token-aligned prefix of the answer: a mid-word cut and a foreign text.
        for (String partial : new String[] {whole.text().substring(0, 2), "Something else entirely"}) {
            Answer other = call(Route.CHAT, false, continued(partial), null);
            assertEquals(NATURAL, other.tokens(), partial);
            assertFalse(other.text().startsWith(" "), "a fresh answer starts with a capitalised word: " + other.text());
            assertNotEquals(whole.text(), partial + other.text());
        }
        // A trailing user message is an ordinary turn, not a continuation.
        List<Map<String, Object>> turn = conversation();
        turn.add(message("user", whole.text().substring(0, 10)));
        assertEquals(NATURAL, call(Route.CHAT, false, turn, null).tokens());
    }

    @Test
    void generateHasNoContinuation() throws Exception {
        // /api/generate has no messages; with raw the client could write the open assistant turn itself, but the
        // simulator has no template, so prompt + partial output is simply another prompt.
        String prompt = "Summarise today's batch of articles.";
        Map<String, Object> whole = obj(client.post("/api/generate",
                "{\"model\":\"llama3.2\",\"stream\":false,\"prompt\":\"" + prompt + "\"}").body());
        String text = (String) whole.get("response");
        String partial = text.substring(0, text.indexOf(' ', 1));
        for (String raw : new String[] {"false", "true"}) {
            Map<String, Object> again = obj(client.post("/api/generate", "{\"model\":\"llama3.2\",\"stream\":false,"
                    + "\"raw\":" + raw + ",\"prompt\":\"" + prompt + partial + "\"}").body());
            assertEquals(NATURAL, num(again, "eval_count"));
            assertNotEquals(text, partial + again.get("response"));
        }
    }
}
