package dev.rtbe.agent.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestInspectorTest {
    private final RequestInspector inspector = new RequestInspector();

    private LlmRequest inspect(String path, String body) {
        return inspector.inspect(path, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
            "/api/chat, OLLAMA, chat",
            "/api/generate, OLLAMA, text_completion",
            "/v1/chat/completions, OPENAI, chat",
            "/v1/completions, OPENAI, text_completion",
            "/api/embed, OLLAMA, embeddings",
            "/api/embeddings, OLLAMA, embeddings",
            "/v1/embeddings, OPENAI, embeddings",
            "/api/tags, OLLAMA, NULL",
            "/v1/models, OPENAI, NULL",
            "/, UNKNOWN, NULL",
            "/api/chat?x=1, OLLAMA, chat",
            "/api/chat/, OLLAMA, chat",
            "NULL, UNKNOWN, NULL"})
    void classifiesPaths(String path, ApiStyle style, String operation) {
        LlmRequest r = inspect(path, "{\"model\":\"m\"}");
        assertEquals(style, r.apiStyle());
        assertEquals(operation, r.operation());
    }

    @Test
    void ollamaStreamsUnlessToldNot() {
        String messages = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        LlmRequest absent = inspect("/api/chat", "{\"model\":\"llama3.2\"" + messages + "}");
        assertTrue(absent.stream(), "absent means true, the API default");
        assertTrue(absent.bodyParsed());
        assertEquals("llama3.2", absent.model());
        assertTrue(inspect("/api/generate", "{\"model\":\"m\",\"prompt\":\"p\",\"stream\":true}").stream());
        assertFalse(inspect("/api/generate", "{\"model\":\"m\",\"prompt\":\"p\",\"stream\":false}").stream());
        assertFalse(inspect("/api/chat", "{\"stream\":false" + messages + ",\"model\":\"m\"}").stream());
    }

    @Test
    void openAiStreamsOnlyWhenAsked() {
        assertFalse(inspect("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}").stream());
        assertTrue(inspect("/v1/chat/completions",
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}").stream());
        assertFalse(inspect("/v1/completions", "{\"model\":\"m\",\"stream\":false}").stream());
        assertTrue(inspect("/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\",\"stream\":true}").stream());
    }

    @Test
    void nestedKeysDoNotCount() {
        LlmRequest r = inspect("/api/chat", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"stream\":false,"
                + "\"model\":\"evil\"}],\"options\":{\"stream\":false},\"model\":\"qwen3:8b\"}");
        assertTrue(r.stream());
        assertEquals("qwen3:8b", r.model());
        LlmRequest o = inspect("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"stream\":true}]}");
        assertFalse(o.stream());
    }

    @Test
    void duplicateKeysLastWinsAndWrongTypesAreIgnored() {
        LlmRequest r = inspect("/api/generate", "{\"model\":\"a\",\"stream\":false,\"stream\":true,\"model\":\"b\"}");
        assertTrue(r.stream());
        assertEquals("b", r.model());
        LlmRequest weird = inspect("/api/generate", "{\"model\":42,\"stream\":\"false\"}");
        assertTrue(weird.bodyParsed());
        assertNull(weird.model());
        assertTrue(weird.stream(), "a non-boolean stream is treated as absent");
    }

    @Test
    void badJsonIsUnknown() {
        for (String bad : new String[] {"{\"model\":\"m\",\"stream\":false", "not json", "", "[1,2]",
                "{\"model\":\"m\"} trailing", "{\"model\":\"m\",}", "\"just a string\""}) {
            LlmRequest r = inspect("/api/chat", bad);
            assertFalse(r.bodyParsed(), bad);
            assertNull(r.model(), bad);
            assertTrue(r.stream(), "falls back to the API default: " + bad);
            assertEquals("chat", r.operation());
        }
        LlmRequest nullBody = inspect("/v1/chat/completions", null);
        assertFalse(nullBody.bodyParsed());
        assertFalse(nullBody.stream());
    }

    @Test
    void oversizeBodyIsUnknown() {
        String pad = "x".repeat(RequestInspector.DEFAULT_MAX_BODY_BYTES);
        LlmRequest r = inspect("/api/generate", "{\"model\":\"m\",\"stream\":false,\"prompt\":\"" + pad + "\"}");
        assertFalse(r.bodyParsed());
        assertNull(r.model());
        assertTrue(r.stream());

        RequestInspector small = new RequestInspector(16);
        assertFalse(small.inspect("/api/chat", "{\"model\":\"abcdefghijk\"}".getBytes(StandardCharsets.UTF_8)).bodyParsed());
        assertTrue(small.inspect("/api/chat", "{\"model\":\"ab\"}".getBytes(StandardCharsets.UTF_8)).bodyParsed());
    }

    @Test
    void readsOnlyTheGivenRangeAndToleratesBadRanges() {
        byte[] b = "garbage{\"model\":\"m\",\"stream\":false}garbage".getBytes(StandardCharsets.UTF_8);
        LlmRequest r = inspector.inspect("/api/generate", b, 7, b.length - 14);
        assertTrue(r.bodyParsed());
        assertFalse(r.stream());
        assertFalse(inspector.inspect("/api/generate", b, -1, 3).bodyParsed());
        assertFalse(inspector.inspect("/api/generate", b, 5, b.length).bodyParsed());
    }

    @Test
    void streamFlagOnlyWhereTheRouteStreams() {
        assertFalse(inspect("/api/embed", "{\"model\":\"m\",\"input\":\"x\",\"stream\":true}").stream());
        assertFalse(inspect("/v1/embeddings", "{\"model\":\"m\",\"input\":\"x\"}").stream());
        assertEquals("m", inspect("/api/embed", "{\"model\":\"m\",\"input\":[\"a\",\"b\"]}").model());
    }
}
