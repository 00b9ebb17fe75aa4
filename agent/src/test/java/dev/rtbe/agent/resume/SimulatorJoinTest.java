package dev.rtbe.agent.resume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtbe.simulator.OllamaSimulator;
import dev.rtbe.simulator.SimulatorConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The join, proved against the simulator (which continues a trailing assistant message as Ollama
 * does): a call cut after some tokens, once or twice, and continued, assembles to the body the
 * uninterrupted non-streaming call gets: the same fields in the same order, the same text, finish
 * reason and output tokens.
 */
class SimulatorJoinTest {
    static final int NATURAL = 12;
    static OllamaSimulator sim;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        sim = OllamaSimulator.start(SimulatorConfig.builder().slots(4).timeScale(1000).outputTokens(NATURAL).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static String path(ResumableRequest.Api api) {
        return api == ResumableRequest.Api.OLLAMA_CHAT ? "/api/chat" : "/v1/chat/completions";
    }

    /** What the application sends: a non-streaming call, with an output limit or none. */
    static byte[] applicationBody(ResumableRequest.Api api, Integer limit) {
        String messages = "\"messages\":[{\"role\":\"system\",\"content\":\"You summarise news.\"},"
                + "{\"role\":\"user\",\"content\":\"Summarise today's batch of articles.\"}]";
        String body = api == ResumableRequest.Api.OLLAMA_CHAT
                ? "{\"model\":\"llama3.2\"," + messages + ",\"stream\":false"
                        + (limit == null ? "" : ",\"options\":{\"num_predict\":" + limit + "}") + "}"
                : "{\"model\":\"llama3.2\"," + messages + (limit == null ? "" : ",\"max_tokens\":" + limit) + "}";
        return body.getBytes(StandardCharsets.UTF_8);
    }

    static HttpRequest post(ResumableRequest.Api api, byte[] body) {
        return HttpRequest.newBuilder(URI.create(sim.baseUri() + path(api)))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    /** Sends one attempt and feeds its stream to {@code stream}; stops (and hangs up) after {@code cutAfter} tokens, if >= 0. */
    static void attempt(ResumableRequest.Api api, byte[] body, ChatStream stream, int cutAfter) throws Exception {
        HttpResponse<InputStream> r = CLIENT.send(post(api, body), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        try (InputStream in = r.body();
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((cutAfter < 0 || stream.tokens() < cutAfter) && (line = lines.readLine()) != null) {
                stream.onBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        if (cutAfter < 0) {
            stream.onEnd();
        }
    }

    @ParameterizedTest(name = "{0} limit={1} cuts={2}")
    @CsvSource({
        "OLLAMA_CHAT, , 3", "OLLAMA_CHAT, , 1 5", "OLLAMA_CHAT, 10, 4", "OLLAMA_CHAT, 10, 2 7", "OLLAMA_CHAT, , 0 11",
        "OPENAI_CHAT, , 3", "OPENAI_CHAT, , 1 5", "OPENAI_CHAT, 10, 4", "OPENAI_CHAT, 10, 2 7", "OPENAI_CHAT, , 0 11",
    })
    void aCutAndContinuedCallAssemblesToTheUninterruptedAnswer(ResumableRequest.Api api, Integer limit, String cuts)
            throws Exception {
        byte[] application = applicationBody(api, limit);
        String whole = CLIENT.send(post(api, application), HttpResponse.BodyHandlers.ofString()).body();

        ResumableRequest request = ResumableRequest.of(path(api), application);
        Resumption resumption = new Resumption(request);
        long keptBefore = 0;
        for (String cut : cuts.split(" ")) {
            int k = Integer.parseInt(cut);
            ChatStream stream = resumption.startAttempt();
            attempt(api, resumption.body(), stream, k);
            assertFalse(stream.finished());
            assertEquals(k > 0 || keptBefore > 0, resumption.preempted(), "continued after " + k);
            keptBefore += k;
            assertEquals(keptBefore, resumption.keptTokens());
        }
        ChatStream last = resumption.startAttempt();
        attempt(api, resumption.body(), last, -1);
        assertTrue(last.finished());
        assertEquals((limit == null ? NATURAL : limit) - keptBefore, last.tokens(), "the server generated only the rest");
        String joined = new String(resumption.assemble(), StandardCharsets.UTF_8);

        Object expected = Json.parse(whole);
        Object actual = Json.parse(joined);
        assertEquals(RecordedShapesAssemblyTest.fieldPaths(expected), RecordedShapesAssemblyTest.fieldPaths(actual), joined);
        assertEquals(text(api, expected), text(api, actual));
        assertEquals(reason(api, expected), reason(api, actual));
        assertEquals(outputTokens(api, expected), outputTokens(api, actual));
    }

    static Map<String, Object> answer(ResumableRequest.Api api, Object body) {
        Map<String, Object> m = Json.object(body);
        return api == ResumableRequest.Api.OLLAMA_CHAT ? m
                : Json.object(((java.util.List<?>) m.get("choices")).get(0));
    }

    static Object text(ResumableRequest.Api api, Object body) {
        return Json.object(answer(api, body).get("message")).get("content");
    }

    static Object reason(ResumableRequest.Api api, Object body) {
        return answer(api, body).get(api == ResumableRequest.Api.OLLAMA_CHAT ? "done_reason" : "finish_reason");
    }

    static Object outputTokens(ResumableRequest.Api api, Object body) {
        Map<String, Object> m = Json.object(body);
        return api == ResumableRequest.Api.OLLAMA_CHAT ? m.get("eval_count")
                : Json.object(m.get("usage")).get("completion_tokens");
    }
}
