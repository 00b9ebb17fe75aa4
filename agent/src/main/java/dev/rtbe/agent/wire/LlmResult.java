package dev.rtbe.agent.wire;

/**
 * Immutable summary of a completed response. Counts and durations are -1 when the server did not
 * report them. Ollama omits zero-valued metrics on its final chunk, so there a missing metric is 0.
 */
public final class LlmResult {
    public static final long UNKNOWN = -1;

    private final String responseModel;
    private final long inputTokens;
    private final long outputTokens;
    private final String finishReason;
    private final long totalDurationNanos;
    private final long loadDurationNanos;
    private final long promptEvalDurationNanos;
    private final long evalDurationNanos;
    private final String outputText;

    LlmResult(String responseModel, long inputTokens, long outputTokens, String finishReason,
              long totalDurationNanos, long loadDurationNanos, long promptEvalDurationNanos,
              long evalDurationNanos) {
        this(responseModel, inputTokens, outputTokens, finishReason, totalDurationNanos, loadDurationNanos,
                promptEvalDurationNanos, evalDurationNanos, null);
    }

    LlmResult(String responseModel, long inputTokens, long outputTokens, String finishReason,
              long totalDurationNanos, long loadDurationNanos, long promptEvalDurationNanos,
              long evalDurationNanos, String outputText) {
        this.outputText = outputText;
        this.responseModel = responseModel;
        this.inputTokens = inputTokens;
        this.outputTokens = outputTokens;
        this.finishReason = finishReason;
        this.totalDurationNanos = totalDurationNanos;
        this.loadDurationNanos = loadDurationNanos;
        this.promptEvalDurationNanos = promptEvalDurationNanos;
        this.evalDurationNanos = evalDurationNanos;
    }

    /** {@code model} as the server echoed it, or null. */
    public String responseModel() {
        return responseModel;
    }

    /** {@code prompt_eval_count} / {@code usage.prompt_tokens}. */
    public long inputTokens() {
        return inputTokens;
    }

    /** {@code eval_count} / {@code usage.completion_tokens}. */
    public long outputTokens() {
        return outputTokens;
    }

    /** {@code done_reason} / {@code choices[].finish_reason}, or null. */
    public String finishReason() {
        return finishReason;
    }

    /** Ollama {@code total_duration}: handler start to final chunk. */
    public long totalDurationNanos() {
        return totalDurationNanos;
    }

    /** Ollama {@code load_duration}: getting a runner, i.e. scheduling plus model load. */
    public long loadDurationNanos() {
        return loadDurationNanos;
    }

    /** Ollama {@code prompt_eval_duration}. */
    public long promptEvalDurationNanos() {
        return promptEvalDurationNanos;
    }

    /** Ollama {@code eval_duration}: decoding. */
    public long evalDurationNanos() {
        return evalDurationNanos;
    }

    /**
     * The generated text (answer content only, no thinking), bounded; null unless the watcher was
     * asked to collect it (content capture).
     */
    public String outputText() {
        return outputText;
    }

    @Override
    public String toString() {
        return "LlmResult{model=" + responseModel + ", in=" + inputTokens + ", out=" + outputTokens
                + ", finish=" + finishReason + ", total=" + totalDurationNanos + ", load=" + loadDurationNanos
                + ", promptEval=" + promptEvalDurationNanos + ", eval=" + evalDurationNanos + '}';
    }
}
