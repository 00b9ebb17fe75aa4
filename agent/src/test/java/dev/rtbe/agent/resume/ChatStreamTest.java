package dev.rtbe.agent.resume;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which responses the agent reads as the stream it asked for, whatever the client. */
class ChatStreamTest {
    @Test
    void anUncompressedNdjsonOrSseAnswerIsReadAsAStream() {
        assertTrue(ChatStream.isReadableStream(200, "application/x-ndjson", null));
        assertTrue(ChatStream.isReadableStream(200, "Text/Event-Stream; charset=utf-8", "identity"));
        assertTrue(ChatStream.isReadableStream(200, "application/x-ndjson", "IDENTITY"));
    }

    @Test
    void anErrorACompressedBodyOrAnotherTypeIsNot() {
        assertFalse(ChatStream.isReadableStream(500, "application/x-ndjson", null));
        assertFalse(ChatStream.isReadableStream(200, "application/x-ndjson", "gzip"));
        assertFalse(ChatStream.isReadableStream(200, "application/json", null));
        assertFalse(ChatStream.isReadableStream(200, null, null));
        assertFalse(ChatStream.isReadableStream(200, "", null));
    }
}
