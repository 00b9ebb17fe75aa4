package dev.rtbe.agent.resume;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@code /api/chat} NDJSON stream. Ollama builds its non-streaming answer from the same
 * stream: the final chunk ({@code "done": true}, with the statistics) with the message's content
 * (and thinking) replaced by all the chunks' text. The assembled body is exactly that, with the
 * kept output in front and each statistic summed over the attempts.
 */
final class OllamaChatStream extends ChatStream {
    private final StringBuilder thinking = new StringBuilder();
    private Map<String, Object> last;

    @Override
    void onLine(String line) {
        Map<String, Object> chunk = object(line);
        if (chunk == null) {
            return;
        }
        if (chunk.containsKey("error")) {
            error(line.getBytes(StandardCharsets.UTF_8));
            return;
        }
        Map<String, Object> message = Json.object(chunk.get("message"));
        if (message != null) {
            Object think = message.get("thinking");
            if (think instanceof String && !((String) think).isEmpty()) {
                thinking.append((String) think);
                notPlainText();
            }
            if (message.get("tool_calls") instanceof List) {
                notPlainText();
            }
            Object text = message.get("content");
            content(text instanceof String ? (String) text : null);
        }
        if (Boolean.TRUE.equals(chunk.get("done"))) {
            last = chunk;
        }
    }

    @Override
    public boolean finished() {
        return last != null;
    }

    @Override
    public byte[] assemble(KeptOutput kept) {
        Map<String, Object> body = new LinkedHashMap<>(last);
        Map<String, Object> message = Json.object(last.get("message"));
        body.put("message", message(message == null ? new LinkedHashMap<>() : message, kept.text() + text()));
        if (kept.attempts() > 0) { // summed; prompt_eval_count stays the last attempt's (it read the kept text)
            add(body, "total_duration", kept.totalNanos());
            add(body, "prompt_eval_duration", kept.promptEvalNanos());
            add(body, "eval_count", kept.tokens());
            add(body, "eval_duration", kept.evalNanos());
        }
        return Json.bytes(body);
    }

    /** The final chunk's message with the whole text, fields in Go's order (role, content, thinking, ...). */
    private Map<String, Object> message(Map<String, Object> finalMessage, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", finalMessage.getOrDefault("role", "assistant"));
        m.put("content", content);
        if (thinking.length() > 0) {
            m.put("thinking", thinking.toString());
        }
        for (Map.Entry<String, Object> e : finalMessage.entrySet()) {
            m.putIfAbsent(e.getKey(), e.getValue());
        }
        return m;
    }

    private static void add(Map<String, Object> body, String field, long more) {
        Object v = body.get(field);
        if (v instanceof Json.Num) {
            body.put(field, Json.Num.of(((Json.Num) v).asLong(0) + more));
        }
    }
}
