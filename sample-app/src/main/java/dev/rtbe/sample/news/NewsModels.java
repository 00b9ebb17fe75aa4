package dev.rtbe.sample.news;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaEmbeddingModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where the news service's models come from: one Ollama server, one model name. Plain langchain4j
 * (which talks to Ollama through the JDK HttpClient); nothing here knows about scheduling.
 *
 * @param baseUrl      the Ollama server, e.g. http://localhost:11434
 * @param modelName    e.g. llama3.2
 * @param timeout      per-call timeout (long: batch calls may queue a while)
 * @param numPredict   output token cap, or null for the model's default
 * @param extraHeaders headers added to every request (evaluated per request, on the calling thread)
 */
public record NewsModels(String baseUrl, String modelName, Duration timeout, Integer numPredict,
                         Supplier<Map<String, String>> extraHeaders) {

    public NewsModels {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(modelName, "modelName");
        timeout = timeout == null ? Duration.ofMinutes(30) : timeout;
        extraHeaders = extraHeaders == null ? Map::of : extraHeaders;
    }

    public static NewsModels of(String baseUrl, String modelName) {
        return new NewsModels(baseUrl, modelName, null, null, null);
    }

    /** A blocking chat model (non-streaming requests). */
    public ChatModel chatModel() {
        return chatModel(Map.of());
    }

    /** A blocking chat model that also sends {@code fixedHeaders} with every request. */
    public ChatModel chatModel(Map<String, String> fixedHeaders) {
        return OllamaChatModel.builder()
                .baseUrl(baseUrl)
                .modelName(modelName)
                .timeout(timeout)
                .numPredict(numPredict)
                .customHeaders(headers(fixedHeaders))
                .build();
    }

    /** A streaming chat model (Ollama NDJSON stream). */
    public StreamingChatModel streamingModel() {
        return OllamaStreamingChatModel.builder()
                .baseUrl(baseUrl)
                .modelName(modelName)
                .timeout(timeout)
                .numPredict(numPredict)
                .customHeaders(headers(Map.of()))
                .build();
    }

    /** An embedding model on the same server ({@code /api/embed}), e.g. nomic-embed-text. */
    public EmbeddingModel embeddingModel(String embeddingModelName) {
        return OllamaEmbeddingModel.builder()
                .baseUrl(baseUrl)
                .modelName(embeddingModelName)
                .timeout(timeout)
                .maxRetries(0)
                .customHeaders(headers(Map.of()))
                .build();
    }

    private Supplier<Map<String, String>> headers(Map<String, String> fixed) {
        Supplier<Map<String, String>> extra = extraHeaders;
        return () -> {
            Map<String, String> h = new HashMap<>(extra.get());
            h.putAll(fixed);
            return h;
        };
    }
}
