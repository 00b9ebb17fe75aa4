package dev.rtbe.agent.wire;

/** Immutable facts about one outgoing LLM request, as far as path and body reveal them. */
public final class LlmRequest {
    private final ApiStyle apiStyle;
    private final String operation;
    private final String model;
    private final boolean stream;
    private final boolean bodyParsed;
    private final String inputContent;

    LlmRequest(ApiStyle apiStyle, String operation, String model, boolean stream, boolean bodyParsed) {
        this(apiStyle, operation, model, stream, bodyParsed, null);
    }

    LlmRequest(ApiStyle apiStyle, String operation, String model, boolean stream, boolean bodyParsed,
               String inputContent) {
        this.apiStyle = apiStyle;
        this.operation = operation;
        this.model = model;
        this.stream = stream;
        this.bodyParsed = bodyParsed;
        this.inputContent = inputContent;
    }

    /**
     * The JSON text of the body's {@code messages} (chat) or {@code prompt}, bounded; null unless
     * content capture is on ({@code rtbe.telemetry.capture-content}) and the body had one.
     */
    public String inputContent() {
        return inputContent;
    }

    public ApiStyle apiStyle() {
        return apiStyle;
    }

    /** GenAI semconv operation: {@code chat}, {@code text_completion}, {@code embeddings}, or null. */
    public String operation() {
        return operation;
    }

    /** The top-level {@code model} string, or null when absent or the body was not parsed. */
    public String model() {
        return model;
    }

    /**
     * Whether the response will stream. Uses the body's top-level {@code stream} boolean where the
     * route supports streaming, otherwise the route's default (Ollama: true; OpenAI: false).
     */
    public boolean stream() {
        return stream;
    }

    /** False when the body was missing, too large or not a valid JSON object. */
    public boolean bodyParsed() {
        return bodyParsed;
    }

    @Override
    public String toString() {
        return "LlmRequest{" + apiStyle + ", operation=" + operation + ", model=" + model
                + ", stream=" + stream + ", bodyParsed=" + bodyParsed + '}';
    }
}
