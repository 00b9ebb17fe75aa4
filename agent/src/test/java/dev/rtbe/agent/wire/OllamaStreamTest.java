package dev.rtbe.agent.wire;

import static dev.rtbe.agent.wire.WireTestSupport.assertSplitInvariant;
import static dev.rtbe.agent.wire.WireTestSupport.endOf;
import static dev.rtbe.agent.wire.WireTestSupport.feed;
import static dev.rtbe.agent.wire.WireTestSupport.firstTokenAfter;
import static dev.rtbe.agent.wire.WireTestSupport.utf8;
import static dev.rtbe.agent.wire.WireTestSupport.watcher;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Native Ollama NDJSON streams, as real servers send them. */
class OllamaStreamTest {
    static final String NDJSON = "application/x-ndjson";

    static final String GENERATE = """
            {"model":"llama3.2","created_at":"2025-01-15T10:00:00.123456789Z","response":"The","done":false}
            {"model":"llama3.2","created_at":"2025-01-15T10:00:00.143456789Z","response":" sky","done":false}
            {"model":"llama3.2","created_at":"2025-01-15T10:00:00.163456789Z","response":" is blue.","done":false}
            {"model":"llama3.2","created_at":"2025-01-15T10:00:00.183456789Z","response":"","done":true,"done_reason":"stop","context":[128006,9125,128007,271,38766,1303,33025,2696],"total_duration":4935886791,"load_duration":534986708,"prompt_eval_count":26,"prompt_eval_duration":107345000,"eval_count":237,"eval_duration":4289432000}
            """;

    static final String GENERATE_FINAL = "final LlmResult{model=llama3.2, in=26, out=237, finish=stop, "
            + "total=4935886791, load=534986708, promptEval=107345000, eval=4289432000}";

    static final String CHAT_THINKING = """
            {"model":"qwen3:8b","created_at":"2025-06-01T08:00:00.1Z","message":{"role":"assistant","content":""},"done":false}
            {"model":"qwen3:8b","created_at":"2025-06-01T08:00:00.2Z","message":{"role":"assistant","content":"","thinking":"Okay, the"},"done":false}
            {"model":"qwen3:8b","created_at":"2025-06-01T08:00:00.3Z","message":{"role":"assistant","content":"","thinking":" user says hi"},"done":false}
            {"model":"qwen3:8b","created_at":"2025-06-01T08:00:00.4Z","message":{"role":"assistant","content":"Hello! 👋 Ça va?"},"done":false}
            {"model":"qwen3:8b","created_at":"2025-06-01T08:00:00.5Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":2000000000,"load_duration":60000000,"prompt_eval_count":11,"prompt_eval_duration":40000000,"eval_count":31,"eval_duration":1800000000}
            """;

    static final String CHAT_FINAL = "final LlmResult{model=qwen3:8b, in=11, out=31, finish=stop, "
            + "total=2000000000, load=60000000, promptEval=40000000, eval=1800000000}";

    static Function<StreamListener, ResponseWatcher> generate() {
        return watcher("/api/generate", "{\"model\":\"llama3.2\",\"prompt\":\"Why is the sky blue?\"}", 200, NDJSON, null);
    }

    static Function<StreamListener, ResponseWatcher> chat() {
        return watcher("/api/chat", "{\"model\":\"qwen3:8b\",\"think\":true,\"messages\":[]}", 200,
                "application/x-ndjson; charset=utf-8", null);
    }

    @Test
    void generateStream() {
        List<String> events = assertSplitInvariant(generate(), utf8(GENERATE));
        assertEquals(List.of("first", GENERATE_FINAL), events);
    }

    @Test
    void generateFirstTokenFiresAtTheEndOfTheFirstOutputLine() {
        byte[] data = utf8(GENERATE);
        assertEquals(endOf(data, "\"done\":false}\n"), firstTokenAfter(generate(), data));
    }

    @Test
    void chatWithThinkingModel() {
        byte[] data = utf8(CHAT_THINKING);
        assertEquals(List.of("first", CHAT_FINAL), assertSplitInvariant(chat(), data));
        // The empty first message is not output; the first thinking delta is.
        assertEquals(endOf(data, "Okay, the\"},\"done\":false}\n"), firstTokenAfter(chat(), data));
    }

    @Test
    void thinkingOnGenerateCountsAsOutput() {
        String stream = """
                {"model":"deepseek-r1:7b","created_at":"t","response":"","thinking":"Hmm","done":false}
                {"model":"deepseek-r1:7b","created_at":"t","response":"","done":true,"done_reason":"stop","eval_count":1}
                """;
        byte[] data = utf8(stream);
        assertEquals(endOf(data, "\n"), firstTokenAfter(generate(), data));
        assertEquals("first", feed(generate(), data).get(0));
    }

    @Test
    void toolCallsCountAsOutput() {
        String stream = """
                {"model":"llama3.1","created_at":"t","message":{"role":"assistant","content":"","tool_calls":[]},"done":false}
                {"model":"llama3.1","created_at":"t","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},"done":false}
                {"model":"llama3.1","created_at":"t","message":{"role":"assistant","content":""},"done_reason":"stop","done":true}
                """;
        byte[] data = utf8(stream);
        int secondLineEnd = endOf(data, "Paris\"}}}]},\"done\":false}\n");
        assertEquals(secondLineEnd, firstTokenAfter(chat(), data));
        assertEquals(List.of("first",
                        "final LlmResult{model=llama3.1, in=0, out=0, finish=stop, total=0, load=0, promptEval=0, eval=0}"),
                assertSplitInvariant(chat(), data));
    }

    @Test
    void loadOnlyCallHasNoFirstToken() {
        String body = "{\"model\":\"llama3.2\",\"created_at\":\"t\",\"response\":\"\",\"done\":true,\"done_reason\":\"load\"}\n";
        assertEquals(List.of("final LlmResult{model=llama3.2, in=0, out=0, finish=load, total=0, load=0, promptEval=0, eval=0}"),
                feed(generate(), utf8(body)));
    }

    @Test
    void crlfLineEndings() {
        byte[] data = utf8(GENERATE.replace("\n", "\r\n"));
        assertEquals(List.of("first", GENERATE_FINAL), assertSplitInvariant(generate(), data));
    }

    @Test
    void lastLineWithoutNewlineStillCounts() {
        byte[] data = utf8(GENERATE.substring(0, GENERATE.length() - 1));
        assertEquals(List.of("first", GENERATE_FINAL), feed(generate(), data));
    }

    @Test
    void inStreamErrorLine() {
        String stream = """
                {"model":"llama3.2","created_at":"t","response":"Hel","done":false}
                {"error":"an error was encountered while running the model: unexpected EOF"}
                """;
        List<String> events = assertSplitInvariant(generate(), utf8(stream));
        assertEquals(List.of("first", "error an error was encountered while running the model: unexpected EOF"), events);
    }

    @Test
    void streamCutShortIsAnError() {
        String cut = GENERATE.substring(0, GENERATE.indexOf("{\"model\":\"llama3.2\",\"created_at\":\"2025-01-15T10:00:00.183"));
        assertEquals(List.of("first", "error stream ended before its final chunk"), feed(generate(), utf8(cut)));
        assertEquals(List.of("error stream ended before its final chunk"), feed(generate(), new byte[0]));
    }

    @Test
    void malformedLinesInTheMiddleAreIgnored() {
        String[] lines = GENERATE.split("\n");
        String stream = "{\"model\":\"llama3.2\",\"response\":\"\",\"done\":false}\n"
                + "{\"model\":\"llama3.2\",\"response\":\"not closed\"\n"   // malformed: output must not count
                + "garbage ][\n"
                + "\n"
                + lines[1] + "\n"
                + "{\"response\":\"x\",\"done\":true,}\n"                     // trailing comma: ignored entirely
                + lines[2] + "\n" + lines[3] + "\n";
        byte[] data = utf8(stream);
        assertEquals(List.of("first", GENERATE_FINAL), assertSplitInvariant(generate(), data));
        assertEquals(endOf(data, lines[1] + "\n"), firstTokenAfter(generate(), data));
    }

    @Test
    void multiByteCharactersSplitAcrossChunksDoNotHideTheFirstToken() {
        String stream = """
                {"model":"m","created_at":"t","response":"","done":false}
                {"model":"m","created_at":"t","response":"😀","done":false}
                {"model":"m","created_at":"t","response":"日本","done":false}
                {"model":"m","created_at":"t","response":"","done":true,"done_reason":"length","eval_count":2}
                """;
        byte[] data = utf8(stream);
        List<String> events = assertSplitInvariant(generate(), data);
        assertEquals("first", events.get(0));
        assertEquals(endOf(data, "😀\",\"done\":false}\n"), firstTokenAfter(generate(), data));
    }

    @Test
    void nonNumericOrFractionalMetricsBecomeZero() {
        String line = "{\"model\":\"m\",\"response\":\"\",\"done\":true,\"eval_count\":\"many\",\"eval_duration\":1.5,"
                + "\"total_duration\":9007199254740993}\n";
        assertEquals(List.of("final LlmResult{model=m, in=0, out=0, finish=null, total=9007199254740993, load=0, "
                + "promptEval=0, eval=0}"), feed(generate(), utf8(line)));
    }
}
