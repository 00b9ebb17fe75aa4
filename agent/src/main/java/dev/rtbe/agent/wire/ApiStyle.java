package dev.rtbe.agent.wire;

/** Which wire dialect a request speaks, decided from its path. */
public enum ApiStyle {
    /** Native Ollama routes under {@code /api/}. */
    OLLAMA,
    /** OpenAI-compatible routes under {@code /v1/}. */
    OPENAI,
    UNKNOWN
}
