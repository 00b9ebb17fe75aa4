package dev.rtbe.agent.resume;

/**
 * The output of a call's preempted attempts that its next attempt continues: the text, its tokens,
 * and the time the server spent on it (measured by the agent, as a cut stream never gets the
 * server's own timings). Used by one call's sending thread at a time.
 */
public final class KeptOutput {
    private final StringBuilder text = new StringBuilder();
    private long tokens;
    private long totalNanos;
    private long promptEvalNanos;
    private long evalNanos;
    private int attempts;

    /**
     * Keeps what the cut attempt {@code cut} generated; {@code sentNanos} is when it was sent
     * ({@link System#nanoTime()}): until its first token is prompt evaluation, then generation up
     * to its last token.
     */
    public void keep(ChatStream cut, long sentNanos) {
        if (cut.tokens() == 0) {
            return;
        }
        text.append(cut.text());
        tokens += cut.tokens();
        promptEvalNanos += Math.max(0, cut.firstNanos() - sentNanos);
        evalNanos += Math.max(0, cut.lastNanos() - cut.firstNanos());
        totalNanos += Math.max(0, cut.lastNanos() - sentNanos);
        attempts++;
    }

    /** Forgets everything: the call starts again from zero. */
    public void clear() {
        text.setLength(0);
        tokens = 0;
        totalNanos = 0;
        promptEvalNanos = 0;
        evalNanos = 0;
        attempts = 0;
    }

    public String text() {
        return text.toString();
    }

    public long tokens() {
        return tokens;
    }

    long totalNanos() {
        return totalNanos;
    }

    long promptEvalNanos() {
        return promptEvalNanos;
    }

    long evalNanos() {
        return evalNanos;
    }

    /** Cut attempts whose output is kept. */
    public int attempts() {
        return attempts;
    }
}
