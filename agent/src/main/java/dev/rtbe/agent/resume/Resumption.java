package dev.rtbe.agent.resume;

/**
 * One resumable call across its attempts: what each attempt sends, what it keeps when it is
 * preempted, and the one non-streaming body the application gets at the end. An attempt cut by a
 * preemption is continued from the output so far when its answer is plain text so far and the
 * output limit leaves something to generate; otherwise the call starts again from zero (the
 * request as a stream, nothing kept). Client-neutral: an HTTP adapter sends {@link #body()}, feeds
 * the response to {@link #startAttempt()}'s stream, and calls {@link #preempted()} or
 * {@link #assemble()}. Used by one thread at a time.
 */
public final class Resumption {
    private final ResumableRequest request;
    private final KeptOutput kept = new KeptOutput();
    private byte[] next;
    private ChatStream current;
    private long sentNanos;
    private int continued;
    private int restarted;
    private long lastKeptNanos;

    public Resumption(ResumableRequest request) {
        this.request = request;
        this.next = request.streaming();
    }

    /** The body of the next attempt: the request as a stream, or its continuation. */
    public byte[] body() {
        return next;
    }

    /** An attempt goes out now: the parser its response is fed to. */
    public ChatStream startAttempt() {
        current = request.newStream();
        sentNanos = System.nanoTime();
        return current;
    }

    /**
     * The current attempt lost its slot: keeps its output and makes the next attempt continue it,
     * or forgets everything so the next one starts from zero. Returns true when it continues.
     */
    public boolean preempted() {
        lastKeptNanos = 0;
        ChatStream cut = current;
        if (cut == null || cut.tokens() == 0) {
            return kept.attempts() > 0; // nothing new: the next attempt is the same as this one
        }
        byte[] continuation = cut.plainText()
                ? request.continuation(kept.text() + cut.text(), kept.tokens() + cut.tokens()) : null;
        if (continuation == null) {
            kept.clear();
            next = request.streaming();
            restarted++;
            return false;
        }
        long before = kept.evalNanos();
        kept.keep(cut, sentNanos);
        lastKeptNanos = kept.evalNanos() - before;
        next = continuation;
        continued++;
        return true;
    }

    /** The whole answer as the non-streaming body; only once the current attempt's stream is finished. */
    public byte[] assemble() {
        return current.assemble(kept);
    }

    /** The generation time of the output the last {@link #preempted()} kept; 0 when it kept none. */
    public long lastKeptNanos() {
        return lastKeptNanos;
    }

    /** Tokens the call's kept attempts generated (what the next attempt need not generate again). */
    public long keptTokens() {
        return kept.tokens();
    }

    /** Preemptions after which the call was continued, and after which it started again. */
    public int continued() {
        return continued;
    }

    public int restarted() {
        return restarted;
    }
}
