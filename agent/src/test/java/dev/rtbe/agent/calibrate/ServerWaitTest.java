package dev.rtbe.agent.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.rtbe.agent.wire.LlmRequest;
import dev.rtbe.agent.wire.LlmResult;
import dev.rtbe.agent.wire.RequestInspector;
import dev.rtbe.agent.wire.ResponseWatcher;
import dev.rtbe.agent.wire.ResponseWatchers;
import dev.rtbe.agent.wire.StreamListener;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The hidden wait from final chunks as Ollama sends them, read by the agent's own response watcher
 * (so the test covers what production sees: omitted zero metrics, OpenAI bodies without timings).
 */
class ServerWaitTest {
    private static final String NDJSON = "application/x-ndjson";

    /** Runs a whole response body through the agent's watcher and returns what it reported. */
    private static LlmResult result(String path, String requestBody, String contentType, String body) {
        LlmRequest request = new RequestInspector().inspect(path, requestBody.getBytes(StandardCharsets.UTF_8));
        LlmResult[] out = new LlmResult[1];
        ResponseWatcher w = ResponseWatchers.create(request, 200, contentType, null, new StreamListener() {
            @Override
            public void onFirstToken() {
            }

            @Override
            public void onFinal(LlmResult r) {
                out[0] = r;
            }

            @Override
            public void onError(String message) {
                throw new AssertionError("unexpected error: " + message);
            }
        });
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        w.onBytes(bytes, 0, bytes.length);
        w.onEnd();
        assertNotNull(out[0], "the watcher reported no result");
        return out[0];
    }

    @Test
    void generateStreamFinalChunkFromOllamasApiDocs() {
        // docs/api.md, /api/generate streaming, final response (model loaded cold: load 6.3 s).
        String body = "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"response\":\"The\",\"done\":false}\n"
                + "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"response\":\"\",\"done\":true,"
                + "\"context\":[1,2,3],\"total_duration\":10706818083,\"load_duration\":6338219291,"
                + "\"prompt_eval_count\":26,\"prompt_eval_duration\":130079000,\"eval_count\":259,"
                + "\"eval_duration\":4232710000}\n";
        LlmResult r = result("/api/generate", "{\"model\":\"llama3.2\"}", NDJSON, body);
        assertEquals(10706818083L - 6338219291L - 130079000L - 4232710000L, ServerWait.hiddenWaitNanos(r));
        assertEquals(5_809_792L, ServerWait.hiddenWaitNanos(r), "an idle server: a few ms of untimed work");
    }

    @Test
    void chatStreamFinalChunkFromOllamasApiDocs() {
        // docs/api.md, /api/chat streaming, final response.
        String body = "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"message\":{\"role\":"
                + "\"assistant\",\"content\":\"Hi\"},\"done\":false}\n"
                + "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"message\":{\"role\":"
                + "\"assistant\",\"content\":\"\"},\"done\":true,\"total_duration\":4883583458,\"load_duration\":1334875,"
                + "\"prompt_eval_count\":26,\"prompt_eval_duration\":342546000,\"eval_count\":282,"
                + "\"eval_duration\":4535599000}\n";
        LlmResult r = result("/api/chat", "{\"model\":\"llama3.2\"}", NDJSON, body);
        assertEquals(4_103_583L, ServerWait.hiddenWaitNanos(r));
    }

    @Test
    void generateNonStreamingFromOllamasApiDocs() {
        String body = "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"response\":\"The sky is blue "
                + "because it is the color of the sky.\",\"done\":true,\"context\":[1,2,3],\"total_duration\":5043500667,"
                + "\"load_duration\":5025959,\"prompt_eval_count\":26,\"prompt_eval_duration\":325953000,"
                + "\"eval_count\":290,\"eval_duration\":4709213000}";
        LlmResult r = result("/api/generate", "{\"model\":\"llama3.2\",\"stream\":false}", "application/json", body);
        assertEquals(3_308_708L, ServerWait.hiddenWaitNanos(r));
    }

    @Test
    void aCallThatWaitedForASlotShowsTheWait() {
        // The docs' chat chunk as a contended server reports it: the same work, 2.5 s longer in total
        // because the call waited for the runner's slot semaphore (inside total, outside the others).
        long wait = 2_500_000_000L;
        String body = "{\"model\":\"llama3.2\",\"created_at\":\"t\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"done\":true,\"done_reason\":\"stop\",\"total_duration\":" + (4883583458L + wait)
                + ",\"load_duration\":1334875,\"prompt_eval_count\":26,\"prompt_eval_duration\":342546000,"
                + "\"eval_count\":282,\"eval_duration\":4535599000}\n";
        LlmResult r = result("/api/chat", "{\"model\":\"llama3.2\"}", NDJSON, body);
        assertEquals(wait + 4_103_583L, ServerWait.hiddenWaitNanos(r));
    }

    @Test
    void loadOnlyAnswerHasNoWait() {
        // An empty prompt only loads the model: done_reason "load" and no durations at all.
        String body = "{\"model\":\"llama3.2\",\"created_at\":\"2023-12-18T19:52:07.071755Z\",\"response\":\"\","
                + "\"done\":true,\"done_reason\":\"load\"}";
        LlmResult r = result("/api/generate", "{\"model\":\"llama3.2\",\"stream\":false}", "application/json", body);
        assertEquals(ServerWait.UNKNOWN, ServerWait.hiddenWaitNanos(r));
    }

    @Test
    void embeddingsTimeNoModelWorkSoTheWaitIsUnknown() {
        // docs/api.md /api/embed: total and load only; the embedding itself is untimed.
        String body = "{\"model\":\"all-minilm\",\"embeddings\":[[0.010071029,-0.0017594862,0.05007221]],"
                + "\"total_duration\":14143917,\"load_duration\":1019500,\"prompt_eval_count\":8}";
        LlmResult r = result("/api/embed", "{\"model\":\"all-minilm\",\"input\":\"a\"}", "application/json", body);
        assertEquals(ServerWait.UNKNOWN, ServerWait.hiddenWaitNanos(r));
    }

    @Test
    void openAiCompatibleResponsesCarryNoTimings() {
        String body = "{\"id\":\"chatcmpl-636\",\"object\":\"chat.completion\",\"created\":1736935200,\"model\":\"llama3.2\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello!\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":7,\"total_tokens\":17}}";
        LlmResult r = result("/v1/chat/completions", "{\"model\":\"llama3.2\",\"messages\":[]}", "application/json", body);
        assertEquals(ServerWait.UNKNOWN, ServerWait.hiddenWaitNanos(r));
    }

    @Test
    void theArithmeticClampsAndRejects() {
        assertEquals(0, ServerWait.hiddenWaitNanos(100, 10, 50, 60), "rounding in the runner's timings: clamped at 0");
        assertEquals(30, ServerWait.hiddenWaitNanos(150, 10, 50, 60));
        assertEquals(40, ServerWait.hiddenWaitNanos(100, 0, 0, 60), "a fully cached prompt may report no prompt time");
        assertEquals(ServerWait.UNKNOWN, ServerWait.hiddenWaitNanos(-1, -1, -1, -1), "nothing reported");
        assertEquals(ServerWait.UNKNOWN, ServerWait.hiddenWaitNanos(100, 10, -5, 60), "negative: the Go runner's "
                + "eval minus sampling can go below 0 for one token");
        assertEquals(ServerWait.UNKNOWN, ServerWait.hiddenWaitNanos(0, 0, 0, 0));
        assertEquals(ServerWait.UNKNOWN, ServerWait.hiddenWaitNanos(Long.MAX_VALUE, Long.MAX_VALUE, 1, 1));
        assertEquals(ServerWait.UNKNOWN, ServerWait.hiddenWaitNanos(null));
    }
}
