package dev.rtbe.simulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The embedding endpoints and their response and error shapes. */
enum EmbeddingEndpoint {
    /** {@code {model, input: string|[string]}} to {@code {model, embeddings, total_duration, load_duration, prompt_eval_count}}. */
    EMBED("/api/embed"),
    /** Legacy: {@code {model, prompt}} to {@code {embedding}}. */
    EMBEDDINGS("/api/embeddings"),
    /** OpenAI: {@code {model, input, encoding_format?}} to {@code {object: list, data[].embedding, model, usage}}. */
    OPENAI("/v1/embeddings");

    final String path;

    EmbeddingEndpoint(String path) {
        this.path = path;
    }

    static EmbeddingEndpoint of(String path) {
        for (EmbeddingEndpoint e : values()) if (e.path.equals(path)) return e;
        return null;
    }

    byte[] errorBody(int status, String message) {
        return this == OPENAI ? OpenAiChatFormat.error(status, message) : OllamaFormats.error(message);
    }

    /** The success body for these vectors (one per input; none for a load-only request). */
    byte[] body(EmbeddingRequest req, List<float[]> vectors, long totalNanos, long loadNanos, int promptTokens,
                boolean omitZeroMetrics) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (this) {
            case EMBED:
                m.put("model", req.model());
                List<Object> all = new ArrayList<>();
                for (float[] v : vectors) all.add(Embeddings.asList(v));
                m.put("embeddings", all);
                if (vectors.isEmpty()) break; // a load-only answer carries no durations
                metric(m, "total_duration", totalNanos, omitZeroMetrics);
                metric(m, "load_duration", loadNanos, omitZeroMetrics);
                metric(m, "prompt_eval_count", promptTokens, omitZeroMetrics);
                break;
            case EMBEDDINGS:
                m.put("embedding", vectors.isEmpty() ? List.of() : Embeddings.asList(vectors.get(0)));
                break;
            default:
                List<Object> data = new ArrayList<>();
                for (int i = 0; i < vectors.size(); i++) {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("object", "embedding");
                    d.put("embedding", req.base64() ? Embeddings.base64(vectors.get(i)) : Embeddings.asList(vectors.get(i)));
                    d.put("index", i);
                    data.add(d);
                }
                m.put("object", "list");
                m.put("data", data);
                m.put("model", req.model());
                Map<String, Object> usage = new LinkedHashMap<>();
                usage.put("prompt_tokens", promptTokens);
                usage.put("total_tokens", promptTokens);
                m.put("usage", usage);
        }
        return Frames.json(m);
    }

    private static void metric(Map<String, Object> m, String name, long value, boolean omitZero) {
        if (value != 0 || !omitZero) m.put(name, value);
    }
}
