package dev.rtbe.agent.resume;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code /v1/chat/completions} SSE stream (with {@code stream_options.include_usage}). Ollama's
 * non-streaming answer is a {@code chat.completion}: the chunks' {@code id}, {@code created},
 * {@code model} and {@code system_fingerprint}, one choice with the whole message and the finish
 * reason, and the usage. The assembled body has those fields in that order (Ollama's
 * {@code openai.ChatCompletion}), the kept output in front and the completion tokens summed.
 */
final class OpenAiChatStream extends ChatStream {
    private final StringBuilder reasoning = new StringBuilder();
    private Map<String, Object> finish;
    private Map<String, Object> usage;
    private boolean done;

    @Override
    void onLine(String line) {
        if (!line.startsWith("data:")) {
            return; // event names, ids and comments carry nothing here
        }
        String data = line.substring(5).trim();
        if (data.equals("[DONE]")) {
            done = true;
            return;
        }
        Map<String, Object> chunk = object(data);
        if (chunk == null) {
            return;
        }
        if (chunk.containsKey("error")) {
            error(data.getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (Json.object(chunk.get("usage")) != null) {
            usage = Json.object(chunk.get("usage"));
        }
        Object choices = chunk.get("choices");
        if (!(choices instanceof List) || ((List<?>) choices).isEmpty()) {
            return;
        }
        Map<String, Object> choice = Json.object(((List<?>) choices).get(0));
        if (choice == null) {
            return;
        }
        Map<String, Object> delta = Json.object(choice.get("delta"));
        if (delta != null) {
            Object r = delta.get("reasoning");
            if (r instanceof String && !((String) r).isEmpty()) {
                reasoning.append((String) r);
                notPlainText();
            }
            if (delta.get("tool_calls") instanceof List) {
                notPlainText();
            }
            Object text = delta.get("content");
            content(text instanceof String ? (String) text : null);
        }
        if (choice.get("finish_reason") != null) {
            finish = chunk;
        }
    }

    @Override
    public boolean finished() {
        return finish != null && done;
    }

    @Override
    public byte[] assemble(KeptOutput kept) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (String field : new String[] {"id", "object", "created", "model", "system_fingerprint"}) {
            if (finish.containsKey(field)) {
                body.put(field, finish.get(field));
            }
        }
        body.put("object", "chat.completion");
        Map<String, Object> finishChoice = Json.object(((List<?>) finish.get("choices")).get(0));
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", kept.text() + text());
        if (reasoning.length() > 0) {
            message.put("reasoning", reasoning.toString());
        }
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", finishChoice.getOrDefault("index", Json.Num.of(0)));
        choice.put("message", message);
        choice.put("finish_reason", finishChoice.get("finish_reason"));
        List<Object> choices = new ArrayList<>(Collections.singletonList(choice));
        body.put("choices", choices);
        body.put("usage", usage(kept));
        return Json.bytes(body);
    }

    private Map<String, Object> usage(KeptOutput kept) {
        long prompt = usage == null ? 0 : number(usage.get("prompt_tokens"));
        long completion = (usage == null ? tokens() : number(usage.get("completion_tokens"))) + kept.tokens();
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", Json.Num.of(prompt));
        u.put("completion_tokens", Json.Num.of(completion));
        u.put("total_tokens", Json.Num.of(prompt + completion));
        return u;
    }

    private static long number(Object v) {
        return v instanceof Json.Num ? ((Json.Num) v).asLong(0) : 0;
    }
}
