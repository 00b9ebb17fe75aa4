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

    /** Collected output text (content capture), or null when not collecting. */
    private final StringBuilder text;
    private final int maxTextChars;

    Reporter(StreamListener listener) {
        this(listener, 0);
    }

    Reporter(StreamListener listener, int maxTextChars) {
        this.listener = listener;
        this.maxTextChars = Math.max(0, maxTextChars);
        this.text = maxTextChars > 0 ? new StringBuilder() : null;
    }

    /** True when parsers should decode output text and pass it to {@link #appendText}. */
    boolean collectsText() {
        return text != null;
    }

    /** Appends output text up to the bound; the rest is dropped. */
    void appendText(String s) {
        if (text == null || s == null || s.isEmpty()) {
            return;
        }
        int room = maxTextChars - text.length();
        if (room > 0) {
            text.append(s, 0, Math.min(room, s.length()));
        }
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
                    totalDuration, loadDuration, promptEvalDuration, evalDuration,
                    text == null ? null : text.toString()));
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
