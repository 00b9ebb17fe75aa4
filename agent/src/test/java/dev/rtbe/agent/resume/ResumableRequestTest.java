package dev.rtbe.agent.resume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which requests go out as streams and are continued, and how they are rewritten. */
class ResumableRequestTest {
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi <you> & me\"}]";

    private static ResumableRequest chat(String extra) {
        return ResumableRequest.of("/api/chat", bytes("{\"model\":\"m\"," + MESSAGES + ",\"stream\":false" + extra + "}"));
    }

    private static ResumableRequest openAi(String extra) {
        return ResumableRequest.of("/v1/chat/completions", bytes("{\"model\":\"m\"," + MESSAGES + extra + "}"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void plainNonStreamingChatCallsQualify() {
        assertNotNull(chat(""));
        assertNotNull(chat(",\"options\":{\"temperature\":0,\"num_predict\":100},\"think\":false,\"format\":\"\""));
        assertNotNull(openAi(""));
        assertNotNull(openAi(",\"stream\":false,\"max_tokens\":50,\"n\":1,\"tools\":[]"));
        assertNotNull(ResumableRequest.of("/ollama/api/chat/?x=1", bytes("{\"model\":\"m\"," + MESSAGES + ",\"stream\":false}")));
    }

    @Test
    void whatCannotBeContinuedExactlyGoesOutAsItIs() {
        assertNull(ResumableRequest.of("/api/chat", bytes("{\"model\":\"m\"," + MESSAGES + "}")), "Ollama streams by default");
        assertNull(chat(",\"format\":\"json\""), "structured output");
        assertNull(chat(",\"format\":{\"type\":\"object\"}"));
        assertNull(openAi(",\"response_format\":{\"type\":\"json_object\"}"));
        assertNull(chat(",\"tools\":[{\"type\":\"function\"}]"), "tools");
        assertNull(chat(",\"think\":true"), "thinking");
        assertNull(chat(",\"think\":\"high\""));
        assertNull(openAi(",\"reasoning_effort\":\"low\""));
        assertNull(chat(",\"options\":{\"stop\":[\"\\n\\n\"]}"), "a stop sequence could straddle the join");
        assertNull(openAi(",\"stop\":\"END\""));
        assertNull(chat(",\"options\":{\"seed\":42}"), "a seeded answer must come out the same");
        assertNull(openAi(",\"logprobs\":true"));
        assertNull(openAi(",\"n\":2"), "several choices");
        assertNull(openAi(",\"stream\":true"), "streams already");
        assertNull(ResumableRequest.of("/api/chat", bytes("{\"model\":\"m\",\"stream\":false,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}]}")), "own prefill");
        assertNull(ResumableRequest.of("/api/generate", bytes("{\"model\":\"m\",\"prompt\":\"p\",\"stream\":false}")));
        assertNull(ResumableRequest.of("/api/chat", bytes("{not json")));
        assertNull(ResumableRequest.of("/api/chat", null));
    }

    @Test
    void theRequestGoesOutAsAStreamWithItsFieldsInOrder() {
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi \\u003cyou\\u003e \\u0026 me\"}],"
                + "\"stream\":true,\"options\":{\"num_predict\":1.0e2}}",
                text(chat(",\"options\":{\"num_predict\":1.0e2}").streaming()));
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi \\u003cyou\\u003e \\u0026 me\"}],"
                + "\"max_tokens\":9,\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                text(openAi(",\"max_tokens\":9").streaming()));
    }

    @Test
    void aContinuationAddsTheAssistantMessageAndReducesTheLimit() {
        String chat = text(chat(",\"options\":{\"temperature\":0,\"num_predict\":10}").continuation("Once \"upon\"", 3));
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi \\u003cyou\\u003e \\u0026 me\"},"
                + "{\"role\":\"assistant\",\"content\":\"Once \\\"upon\\\"\"}],\"stream\":true,"
                + "\"options\":{\"temperature\":0,\"num_predict\":7}}", chat);
        String openAi = text(openAi(",\"max_tokens\":10").continuation("Once", 4));
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi \\u003cyou\\u003e \\u0026 me\"},"
                + "{\"role\":\"assistant\",\"content\":\"Once\"}],\"max_tokens\":6,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}", openAi);
        assertEquals(text(chat("").continuation("x", 1000)).contains("num_predict"), false, "no limit: none added");
        assertNotNull(chat(",\"options\":{\"num_predict\":-1}").continuation("x", 1000), "-1: no limit");
        assertNull(chat(",\"options\":{\"num_predict\":10}").continuation("x", 10), "the limit is used up");
        assertNull(openAi(",\"max_tokens\":4").continuation("x", 5));
        assertEquals(true, text(openAi(",\"max_completion_tokens\":10").continuation("x", 4))
                .contains("\"max_completion_tokens\":6"), "a limit other servers honour is reduced too");
        assertNull(openAi(",\"max_tokens\":40,\"max_completion_tokens\":10").continuation("x", 10));
        assertNull(openAi(",\"max_completion_tokens\":\"ten\""), "a limit the agent cannot read");
    }
}
