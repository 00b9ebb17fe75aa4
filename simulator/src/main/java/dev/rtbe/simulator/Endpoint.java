package dev.rtbe.simulator;

/** The generation endpoints and their defaults. */
enum Endpoint {
    GENERATE("/api/generate", true),
    CHAT("/api/chat", true),
    OPENAI_CHAT("/v1/chat/completions", false);

    final String path;
    /** Ollama's native API streams when "stream" is absent; the OpenAI one does not. */
    final boolean streamByDefault;

    Endpoint(String path, boolean streamByDefault) {
        this.path = path;
        this.streamByDefault = streamByDefault;
    }

    static Endpoint of(String path) {
        for (Endpoint e : values()) if (e.path.equals(path)) return e;
        return null;
    }

    WireFormat format(String model, boolean includeUsage, boolean omitZeroMetrics) {
        switch (this) {
            case GENERATE: return OllamaFormats.generate(model, omitZeroMetrics);
            case CHAT: return OllamaFormats.chat(model, omitZeroMetrics);
            default: return new OpenAiChatFormat(model, includeUsage);
        }
    }

    byte[] errorBody(int status, String message) {
        return this == OPENAI_CHAT ? OpenAiChatFormat.error(status, message) : OllamaFormats.error(message);
    }
}
