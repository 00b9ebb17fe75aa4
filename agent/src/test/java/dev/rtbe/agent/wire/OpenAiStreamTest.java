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

/** OpenAI-compatible SSE streams as Ollama's /v1 routes send them. */
class OpenAiStreamTest {
    static final String SSE = "text/event-stream";
    static final String HEAD = "{\"id\":\"chatcmpl-412\",\"object\":\"chat.completion.chunk\",\"created\":1736935200,"
            + "\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",";

    static final String CHAT_WITH_USAGE = "data: " + HEAD
            + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
            + "data: " + HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n"
            + "data: " + HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\" there\"},\"finish_reason\":null}]}\n\n"
            + "data: " + HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: " + HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":8,\"total_tokens\":20}}\n\n"
            + "data: [DONE]\n\n";

    static Function<StreamListener, ResponseWatcher> chat() {
        return watcher("/v1/chat/completions", "{\"model\":\"llama3.2\",\"stream\":true,\"messages\":[]}", 200, SSE, null);
    }

    @Test
    void chatStreamWithUsageChunk() {
        byte[] data = utf8(CHAT_WITH_USAGE);
        assertEquals(List.of("first", "final LlmResult{model=llama3.2, in=12, out=8, finish=stop, total=-1, load=-1, "
                + "promptEval=-1, eval=-1}"), assertSplitInvariant(chat(), data));
        assertEquals(endOf(data, "Hello\"},\"finish_reason\":null}]}\n\n"), firstTokenAfter(chat(), data));
    }

    @Test
    void chatStreamWithoutUsage() {
        String stream = CHAT_WITH_USAGE.replaceAll("data: [^\\n]*\"usage\"[^\\n]*\\n\\n", "");
        assertEquals(List.of("first", "final LlmResult{model=llama3.2, in=-1, out=-1, finish=stop, total=-1, load=-1, "
                + "promptEval=-1, eval=-1}"), assertSplitInvariant(chat(), utf8(stream)));
    }

    @Test
    void olderServersPutFinishReasonOnTheLastContentChunk() {
        String stream = "data: " + HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                + "\"finish_reason\":\"length\"}]}\n\ndata: [DONE]\n\n";
        assertEquals(List.of("first", "final LlmResult{model=llama3.2, in=-1, out=-1, finish=length, total=-1, "
                + "load=-1, promptEval=-1, eval=-1}"), feed(chat(), utf8(stream)));
    }

    @Test
    void reasoningAndToolCallDeltasCountAsOutput() {
        for (String delta : new String[] {"\"reasoning\":\"Let me think\"", "\"reasoning_content\":\"Hmm\"",
                "\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]"}) {
            String stream = "data: " + HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
                    + delta + "},\"finish_reason\":null}]}\n\ndata: [DONE]\n\n";
            assertEquals("first", feed(chat(), utf8(stream)).get(0), delta);
        }
        String empty = "data: " + HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\",\"reasoning\":\"\","
                + "\"tool_calls\":[]},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        assertEquals(1, feed(chat(), utf8(empty)).size(), "empty deltas are not output");
    }

    @Test
    void completionsStreamWithZeroedUsageOnEveryChunk() {
        String head = "{\"id\":\"cmpl-7\",\"object\":\"text_completion\",\"created\":1,\"model\":\"llama3.2\",";
        String stream = "data: " + head + "\"choices\":[{\"text\":\"\",\"index\":0,\"finish_reason\":null}],"
                + "\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":0}}\n\n"
                + "data: " + head + "\"choices\":[{\"text\":\"Once\",\"index\":0,\"finish_reason\":null}],"
                + "\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":0}}\n\n"
                + "data: " + head + "\"choices\":[{\"text\":\"\",\"index\":0,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":0}}\n\n"
                + "data: " + head + "\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n"
                + "data: [DONE]\n\n";
        Function<StreamListener, ResponseWatcher> w =
                watcher("/v1/completions", "{\"model\":\"llama3.2\",\"prompt\":\"x\",\"stream\":true}", 200, SSE, null);
        assertEquals(List.of("first", "final LlmResult{model=llama3.2, in=5, out=1, finish=stop, total=-1, load=-1, "
                + "promptEval=-1, eval=-1}"), assertSplitInvariant(w, utf8(stream)));
    }

    @Test
    void sseSyntaxCommentsCrlfMultiLineDataAndOtherFields() {
        String stream = ": keep-alive\r\n\r\n"
                + "event: message\r\nid: 1\r\nretry: 100\r\n"
                + "data: {\"model\":\"llama3.2\",\r\ndata:\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\r\n\r\n"
                + ":another comment\r\n"
                + "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\n"
                + "data: [DONE]\r\n\r\n";
        assertEquals(List.of("first", "final LlmResult{model=llama3.2, in=-1, out=-1, finish=stop, total=-1, load=-1, "
                + "promptEval=-1, eval=-1}"), assertSplitInvariant(chat(), utf8(stream)));
    }

    @Test
    void errorEventInStream() {
        String stream = "data: " + HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n"
                + "data: {\"error\":{\"message\":\"model runner has unexpectedly stopped\",\"type\":\"api_error\","
                + "\"param\":null,\"code\":null}}\n\n";
        assertEquals(List.of("first", "error model runner has unexpectedly stopped"),
                assertSplitInvariant(chat(), utf8(stream)));
    }

    @Test
    void streamWithoutDoneIsAnError() {
        String stream = CHAT_WITH_USAGE.replace("data: [DONE]\n\n", "");
        assertEquals(List.of("first", "error stream ended before its final chunk"), feed(chat(), utf8(stream)));
    }

    @Test
    void malformedEventIsIgnored() {
        String stream = "data: {\"choices\":[{\"delta\":{\"content\":\"lost\"}}\n\n"
                + "data: {\"error\":null,\"choices\":[]}\n\n"
                + "data: not json\n\n"
                + "data: " + HEAD + "\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n"
                + "data: [DONE]\n\n";
        byte[] data = utf8(stream);
        assertEquals(2, assertSplitInvariant(chat(), data).size());
        assertEquals(endOf(data, "\"ok\"}}]}\n\n"), firstTokenAfter(chat(), data));
    }

    @Test
    void multiByteContentSplitAcrossChunks() {
        String stream = "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"\"}}]}\n\n"
                + "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"🚀\"}}]}\n\n"
                + "data: [DONE]\n\n";
        byte[] data = utf8(stream);
        assertEquals("first", assertSplitInvariant(chat(), data).get(0));
        assertEquals(endOf(data, "🚀\"}}]}\n\n"), firstTokenAfter(chat(), data));
    }
}
