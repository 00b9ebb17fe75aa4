package dev.rtbe.agent.wire;

import static dev.rtbe.agent.wire.WireTestSupport.assertSplitInvariant;
import static dev.rtbe.agent.wire.WireTestSupport.feed;
import static dev.rtbe.agent.wire.WireTestSupport.firstTokenAfter;
import static dev.rtbe.agent.wire.WireTestSupport.utf8;
import static dev.rtbe.agent.wire.WireTestSupport.watcher;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Single JSON bodies (stream:false) and error-status bodies. */
class NonStreamingAndErrorTest {
    static final String JSON = "application/json; charset=utf-8";

    @Test
    void ollamaGenerateStreamFalse() {
        String body = "{\"model\":\"llama3.2\",\"created_at\":\"2025-01-15T10:00:05.1Z\",\"response\":\"The sky is blue "
                + "because of Rayleigh scattering.\",\"done\":true,\"done_reason\":\"stop\",\"context\":[1,2,3],"
                + "\"total_duration\":5043500667,\"load_duration\":5025959,\"prompt_eval_count\":26,"
                + "\"prompt_eval_duration\":325953000,\"eval_count\":290,\"eval_duration\":4709213000}";
        Function<StreamListener, ResponseWatcher> w =
                watcher("/api/generate", "{\"model\":\"llama3.2\",\"stream\":false}", 200, JSON, null);
        byte[] data = utf8(body);
        assertEquals(List.of("first", "final LlmResult{model=llama3.2, in=26, out=290, finish=stop, total=5043500667, "
                + "load=5025959, promptEval=325953000, eval=4709213000}"), assertSplitInvariant(w, data));
        assertEquals(1, firstTokenAfter(w, data), "non-streaming: first token = first body byte");
    }

    @Test
    void ollamaChatStreamFalse() {
        String body = "{\"model\":\"qwen3:8b\",\"created_at\":\"t\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi!\","
                + "\"thinking\":\"greet\"},\"done_reason\":\"stop\",\"done\":true,\"total_duration\":1,\"eval_count\":3}";
        Function<StreamListener, ResponseWatcher> w =
                watcher("/api/chat", "{\"model\":\"qwen3:8b\",\"stream\":false}", 200, "application/json", null);
        assertEquals(List.of("first", "final LlmResult{model=qwen3:8b, in=0, out=3, finish=stop, total=1, load=0, "
                + "promptEval=0, eval=0}"), feed(w, utf8(body)));
    }

    @Test
    void openAiChatCompletion() {
        String body = """
                {"id":"chatcmpl-636","object":"chat.completion","created":1736935200,"model":"llama3.2",
                 "system_fingerprint":"fp_ollama","choices":[{"index":0,"message":{"role":"assistant",
                 "content":"Hello! How can I help?"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":10,"completion_tokens":7,"total_tokens":17}}
                """;
        Function<StreamListener, ResponseWatcher> w =
                watcher("/v1/chat/completions", "{\"model\":\"llama3.2\",\"messages\":[]}", 200, "application/json", null);
        byte[] data = utf8(body);
        assertEquals(List.of("first", "final LlmResult{model=llama3.2, in=10, out=7, finish=stop, total=-1, load=-1, "
                + "promptEval=-1, eval=-1}"), assertSplitInvariant(w, data));
        assertEquals(1, firstTokenAfter(w, data));
    }

    @Test
    void embedResponse() {
        String body = "{\"model\":\"all-minilm\",\"embeddings\":[[0.010071029,-0.0017594862,0.05007221],"
                + "[-0.0098027075,0.06042469,0.025350768]],\"total_duration\":14143917,\"load_duration\":1019500,"
                + "\"prompt_eval_count\":8}";
        Function<StreamListener, ResponseWatcher> w =
                watcher("/api/embed", "{\"model\":\"all-minilm\",\"input\":[\"a\",\"b\"]}", 200, "application/json", null);
        assertEquals(List.of("first", "final LlmResult{model=all-minilm, in=8, out=0, finish=null, total=14143917, "
                + "load=1019500, promptEval=0, eval=0}"), feed(w, utf8(body)));
    }

    @Test
    void noContentTypeFallsBackToTheStreamFlag() {
        Function<StreamListener, ResponseWatcher> streaming = watcher("/api/generate", "{\"model\":\"m\"}", 200, null, null);
        assertEquals(List.of("first", OllamaStreamTest.GENERATE_FINAL), feed(streaming, utf8(OllamaStreamTest.GENERATE)));
        Function<StreamListener, ResponseWatcher> sse =
                watcher("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true}", 200, "", null);
        assertEquals(2, feed(sse, utf8(OpenAiStreamTest.CHAT_WITH_USAGE)).size());
    }

    @Test
    void malformedOrOversizeBodyReportsNothingFurther() {
        Function<StreamListener, ResponseWatcher> w =
                watcher("/api/generate", "{\"model\":\"m\",\"stream\":false}", 200, JSON, null);
        assertEquals(List.of("first"), feed(w, utf8("{\"model\":\"m\",\"response\":\"x\",\"done\":tru")));
        LlmRequest req = new RequestInspector().inspect("/api/generate", utf8("{\"stream\":false}"));
        Function<StreamListener, ResponseWatcher> small = l -> ResponseWatchers.create(req, 200, JSON, null, l, 64, 32);
        assertEquals(List.of("first"), feed(small, utf8("{\"model\":\"m\",\"response\":\"a longer answer\",\"done\":true}")));
    }

    @Test
    void ollamaJsonErrorStatus() {
        Function<StreamListener, ResponseWatcher> w = watcher("/api/chat", "{\"model\":\"llama9\"}", 404, JSON, null);
        assertEquals(List.of("error model \"llama9\" not found, try pulling it first"),
                assertSplitInvariant(w, utf8("{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}")));
    }

    @Test
    void openAiJsonErrorStatus() {
        Function<StreamListener, ResponseWatcher> w =
                watcher("/v1/chat/completions", "{\"model\":\"x\",\"stream\":true}", 503, JSON, null);
        assertEquals(List.of("error server busy, please try again.  maximum pending requests exceeded"),
                feed(w, utf8("{\"error\":{\"message\":\"server busy, please try again.  maximum pending requests "
                        + "exceeded\",\"type\":\"api_error\",\"param\":null,\"code\":null}}")));
    }

    @Test
    void plainTextErrorBody() {
        Function<StreamListener, ResponseWatcher> w =
                watcher("/api/generate", "{\"model\":\"m\"}", 500, "text/plain; charset=utf-8", null);
        assertEquals(List.of("error Internal Server Error"), assertSplitInvariant(w, utf8("Internal Server Error\n")));
        assertEquals(List.of("error HTTP 500"), feed(w, new byte[0]));
        assertEquals(List.of("error HTTP 400"),
                feed(watcher("/api/generate", null, 400, JSON, null), utf8("{\"detail\":\"nope\"}")));
        String longText = "x".repeat(5000);
        String message = feed(w, utf8(longText)).get(0);
        assertEquals("error " + "x".repeat(ErrorBody.MAX_MESSAGE_CHARS), message);
    }

    @Test
    void errorBodyLargerThanTheCapKeepsItsHead() {
        LlmRequest req = new RequestInspector().inspect("/api/generate", null);
        Function<StreamListener, ResponseWatcher> w = l -> ResponseWatchers.create(req, 500, "text/plain", null, l, 64, 16);
        assertEquals(List.of("error upstream failed:"), feed(w, utf8("upstream failed: a very long explanation follows")), "16-byte head");
    }
}
