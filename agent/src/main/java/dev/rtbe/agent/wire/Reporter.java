package dev.rtbe.agent.wire;

/**
 * Per-call accumulator that enforces the listener contract: first token once, then one terminal
 * callback. Parsers write the result fields directly; only the watcher's thread touches it.
 */
final class Reporter {
    private final StreamListener listener;
    private boolean firstToken;
    private boolean terminal;
    private boolean inputSkipped;

    String model;
    String finishReason;
    long inputTokens = LlmResult.UNKNOWN;
    long outputTokens = LlmResult.UNKNOWN;
    long totalDuration = LlmResult.UNKNOWN;
    long loadDuration = LlmResult.UNKNOWN;
    long promptEvalDuration = LlmResult.UNKNOWN;
    long evalDuration = LlmResult.UNKNOWN;

    Reporter(StreamListener listener) {
        this.listener = listener;
    }

    void firstToken() {
        if (!firstToken && !terminal) {
            firstToken = true;
            listener.onFirstToken();
        }
    }

    void complete() {
        if (!terminal) {
            terminal = true;
            listener.onFinal(new LlmResult(model, inputTokens, outputTokens, finishReason,
                    totalDuration, loadDuration, promptEvalDuration, evalDuration));
        }
    }

    void fail(String message) {
        if (!terminal) {
            terminal = true;
            listener.onError(message);
        }
    }

    /** A framer dropped an over-long line, which may have been the final one. */
    void inputSkipped() {
        inputSkipped = true;
    }

    /** Called at end of stream: a stream that stopped before its final chunk failed. */
    void failIfIncomplete() {
        // If a line was dropped it may have been the final chunk, so we cannot call it a failure.
        if (!terminal && !inputSkipped) {
            fail("stream ended before its final chunk");
        }
    }

    boolean terminal() {
        return terminal;
    }
}
