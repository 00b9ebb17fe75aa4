package dev.rtbe.simulator;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * OpenAI-compatible /v1/chat/completions bodies as Ollama writes them: SSE chunks with {@code choices[0].delta},
 * a separate finish chunk, an optional usage chunk ({@code choices: []}), then {@code data: [DONE]}.
 */
final class OpenAiChatFormat implements WireFormat {
    // Ollama's ids are "chatcmpl-" plus a random number below 1000: deliberately not unique.
    private final String id = "chatcmpl-" + ThreadLocalRandom.current().nextInt(1000);
    private final long created = System.currentTimeMillis() / 1000;
    private final boolean includeUsage;
    private String model;

    OpenAiChatFormat(String model, boolean includeUsage) {
        this.model = model;
        this.includeUsage = includeUsage;
    }

    static byte[] error(int status, String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("message", message);
        err.put("type", status == 400 ? "invalid_request_error" : status == 404 ? "not_found_error" : "api_error");
        err.put("param", null);
        err.put("code", null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", err);
        return Frames.json(m);
    }

    @Override
    public String streamContentType() {
        return Frames.SSE;
    }

    @Override
    public byte[] tokenFrame(String delta, int index) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("role", "assistant");
        d.put("content", delta);
        return Frames.sse(chunk(choice(d, null)));
    }

    @Override
    public byte[] finalFrames(GenerationStats s) {
        model = s.model();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Frames.sse(chunk(choice(new LinkedHashMap<>(), finishReason(s)))));
        if (includeUsage) {
            Map<String, Object> usage = chunkBase("chat.completion.chunk");
            usage.put("choices", List.of());
            usage.put("usage", usage(s));
            out.writeBytes(Frames.sse(usage));
        }
        out.writeBytes(Frames.sseData("[DONE]"));
        return out.toByteArray();
    }

    @Override
    public byte[] singleBody(String text, GenerationStats s) {
        model = s.model();
        Map<String, Object> m = chunkBase("chat.completion");
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("role", "assistant");
        msg.put("content", text);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("index", 0);
        c.put("message", msg);
        c.put("finish_reason", finishReason(s));
        m.put("choices", List.of(c));
        m.put("usage", usage(s));
        return Frames.json(m);
    }

    @Override
    public byte[] loadBody(String model) {
        return singleBody("", new GenerationStats(model, "stop", 0, 0, 0, 0, 0, 0));
    }

    @Override
    public byte[] errorBody(int status, String message) {
        return error(status, message);
    }

    private static String finishReason(GenerationStats s) {
        return "length".equals(s.doneReason()) ? "length" : "stop";
    }

    private Map<String, Object> chunk(Map<String, Object> choice) {
        Map<String, Object> m = chunkBase("chat.completion.chunk");
        m.put("choices", List.of(choice));
        return m;
    }

    private Map<String, Object> chunkBase(String object) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("object", object);
        m.put("created", created);
        m.put("model", model);
        m.put("system_fingerprint", "fp_ollama");
        return m;
    }

    private static Map<String, Object> choice(Map<String, Object> delta, String finishReason) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("index", 0);
        c.put("delta", delta);
        c.put("finish_reason", finishReason);
        return c;
    }

    private static Map<String, Object> usage(GenerationStats s) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", s.promptTokens());
        u.put("completion_tokens", s.evalCount());
        u.put("total_tokens", s.promptTokens() + s.evalCount());
        return u;
    }
}
