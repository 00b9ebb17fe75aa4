package dev.rtbe.simulator;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Stream framings: NDJSON (one object and "\n" per line) and SSE ("data: ...\n\n" per event). */
final class Frames {
    static final String NDJSON = "application/x-ndjson";
    static final String SSE = "text/event-stream";
    static final String JSON = "application/json; charset=utf-8";

    private Frames() {}

    static byte[] ndjson(Object value) {
        return (Json.write(value) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] sse(Object value) {
        return sseData(Json.write(value));
    }

    static byte[] sseData(String data) {
        return ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] json(Object value) {
        return Json.write(value).getBytes(StandardCharsets.UTF_8);
    }

    /** Ollama's created_at: RFC 3339 with fractional seconds, UTC. */
    static String createdAt() {
        return Instant.now().toString();
    }
}
