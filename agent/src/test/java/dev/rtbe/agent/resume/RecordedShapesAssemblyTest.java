package dev.rtbe.agent.resume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The non-streaming body assembled from a recorded real stream has the field set and order of the
 * recorded real non-streaming answer (simulator/src/test/resources/ollama-shapes), and keeps every
 * value it does not join byte for byte.
 */
class RecordedShapesAssemblyTest {
    static final Path SHAPES = Path.of("..", "simulator", "src", "test", "resources", "ollama-shapes");

    static String shape(String file) throws IOException {
        return Files.readString(SHAPES.resolve(file), StandardCharsets.UTF_8);
    }

    /** Every field path in document order, e.g. "message.content", "choices[].index". */
    static List<String> fieldPaths(Object json) {
        List<String> out = new ArrayList<>();
        walk("", json, out);
        return out;
    }

    private static void walk(String prefix, Object v, List<String> out) {
        Map<String, Object> m = Json.object(v);
        if (m != null) {
            for (Map.Entry<String, Object> e : m.entrySet()) {
                String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                out.add(path);
                walk(path, e.getValue(), out);
            }
        } else if (v instanceof List && !((List<?>) v).isEmpty()) {
            walk(prefix + "[]", ((List<?>) v).get(0), out);
        }
    }

    static Object parse(String s) throws Json.ParseException {
        return Json.parse(s);
    }

    @Test
    void anOllamaChatStreamBecomesTheNonStreamingAnswer() throws Exception {
        String stream = shape("api-chat-stream.ndjson");
        ChatStream parsed = new OllamaChatStream();
        parsed.onBytes(stream.getBytes(StandardCharsets.UTF_8));
        assertTrue(parsed.finished());
        assertTrue(parsed.plainText());
        assertEquals(1, parsed.tokens());
        String body = new String(parsed.assemble(new KeptOutput()), StandardCharsets.UTF_8);
        assertEquals(fieldPaths(parse(shape("api-chat.json"))), fieldPaths(parse(body)));
        // The final chunk, its content replaced by the text: every other byte as the server wrote it.
        String finalLine = stream.trim().split("\n")[1];
        assertEquals(finalLine.replace("\"content\":\"\"", "\"content\":\"The\""), body);
    }

    @Test
    void keptOutputIsJoinedInFrontAndItsTokensAndTimesAreAdded() throws Exception {
        String[] lines = shape("api-chat-stream.ndjson").trim().split("\n");
        ChatStream cut = new OllamaChatStream();
        cut.onBytes((lines[0] + "\n").getBytes(StandardCharsets.UTF_8));
        assertFalse(cut.finished());
        KeptOutput kept = new KeptOutput();
        kept.keep(cut, cut.firstNanos() - 1_000_000);
        ChatStream rest = new OllamaChatStream();
        rest.onBytes((lines[0] + "\n" + lines[1]).getBytes(StandardCharsets.UTF_8)); // no final newline
        assertFalse(rest.finished());
        rest.onEnd(); // the body's end: its last line counts
        Map<String, Object> body = Json.object(parse(new String(rest.assemble(kept), StandardCharsets.UTF_8)));
        assertEquals("TheThe", Json.object(body.get("message")).get("content"));
        assertEquals(Json.Num.of(283), body.get("eval_count"), "282 + the kept token");
        assertEquals(Json.Num.of(26), body.get("prompt_eval_count"), "the last attempt's");
        assertEquals(Json.Num.of(1334875), body.get("load_duration"));
        assertEquals(Json.Num.of(342546000 + 1_000_000), body.get("prompt_eval_duration"), "the kept attempt's wait added");
        assertTrue(((Json.Num) body.get("total_duration")).asLong(0) >= 4883583458L + 1_000_000);
    }

    @Test
    void anOpenAiStreamBecomesTheChatCompletion() throws Exception {
        ChatStream parsed = new OpenAiChatStream();
        parsed.onBytes(shape("v1-chat-stream.sse").getBytes(StandardCharsets.UTF_8));
        assertTrue(parsed.finished());
        assertEquals(2, parsed.tokens(), "the role chunk's empty content is no token");
        String body = new String(parsed.assemble(new KeptOutput()), StandardCharsets.UTF_8);
        assertEquals(fieldPaths(parse(shape("v1-chat.json"))), fieldPaths(parse(body)));
        assertEquals("{\"id\":\"chatcmpl-412\",\"object\":\"chat.completion\",\"created\":1736935200,\"model\":\"llama3.2\","
                + "\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"Hello there\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":8,\"total_tokens\":20}}", body);
    }

    @Test
    void thinkingOrToolCallsMakeAnAnswerNotPlainText() {
        ChatStream thinking = new OllamaChatStream();
        thinking.onBytes("{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\"Hmm\"},\"done\":false}\n"
                .getBytes(StandardCharsets.UTF_8));
        assertFalse(thinking.plainText());
        ChatStream tools = new OpenAiChatStream();
        tools.onBytes(("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"c\"}]},\"finish_reason\":null}]}\n\n")
                .getBytes(StandardCharsets.UTF_8));
        assertFalse(tools.plainText());
        ChatStream error = new OllamaChatStream();
        error.onBytes("{\"error\":\"model runner has unexpectedly stopped\"}\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"error\":\"model runner has unexpectedly stopped\"}",
                new String(error.errorBody(), StandardCharsets.UTF_8));
    }

    @Test
    void stringsAreWrittenAsGoWritesThem() throws Exception {
        String s = "a<b>&c\u2028\"\\\n\t\u0001é😀";
        assertEquals("\"a\\u003cb\\u003e\\u0026c\\u2028\\\"\\\\\\n\\t\\u0001é😀\"", Json.write(s));
        assertEquals(s, Json.parse(Json.write(s)));
        assertEquals("{\"a\":1.50,\"b\":[true,null,-0]}", Json.write(Json.parse("{ \"a\" : 1.50 , \"b\" : [ true , null , -0 ] }")));
    }
}
