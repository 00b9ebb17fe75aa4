package dev.rtbe.agent.wire;

/**
 * Receives what a {@link ResponseWatcher} learns from a response.
 *
 * <p>Callbacks run synchronously on the thread that feeds the watcher (usually the application's
 * reading thread), so they must be quick. Order: {@code onFirstToken} at most once, then at most
 * one terminal callback ({@code onFinal} or {@code onError}); nothing follows a terminal callback.
 * A watcher that cannot parse its input (unknown encoding, bad gzip, oversized body) may end with
 * no terminal callback at all, so callers must also close their spans on their own end signal.
 * An exception thrown by a callback disables the watcher; it never reaches the application.
 */
public interface StreamListener {
    /** The first chunk carrying generated output (text, thinking or tool calls) has arrived. */
    void onFirstToken();

    /** The response completed normally; unknown figures in {@code result} are -1 or null. */
    void onFinal(LlmResult result);

    /** The server reported an error (in-stream, or an error status), or the stream was cut short. */
    void onError(String message);
}
