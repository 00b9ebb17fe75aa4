package dev.rtbe.sample.news;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The search index: every article is embedded (Ollama {@code /api/embed} through langchain4j's
 * {@code OllamaEmbeddingModel}) as it is filed, so readers can find related stories. An embedding
 * model runs beside the chat model on the same server; nothing here knows about scheduling.
 */
public final class DocumentIndex {
    private final EmbeddingModel model;
    private final Map<String, float[]> vectors = new ConcurrentHashMap<>();

    public DocumentIndex(NewsModels models, String embeddingModelName) {
        this.model = models.embeddingModel(embeddingModelName);
    }

    /** Embeds {@code article} on the calling thread and keeps its vector; returns the vector's dimension. */
    public int add(Article article) {
        Embedding e = model.embed(article.title() + "\n\n" + article.body()).content();
        vectors.put(article.id(), e.vector());
        return e.dimension();
    }

    public int size() {
        return vectors.size();
    }
}
