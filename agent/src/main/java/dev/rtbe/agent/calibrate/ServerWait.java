package dev.rtbe.agent.calibrate;

import dev.rtbe.agent.wire.LlmResult;

/**
 * The wait inside the server that the agent cannot see: Ollama's final chunk says how long the
 * handler ran ({@code total_duration}) and how much of it went to loading, prompt and decoding;
 * the rest is time the call spent queued for one of the server's slots.
 */
public final class ServerWait {
    private ServerWait() {}

    /** {@code total - load - prompt_eval - eval} (never below 0), or -1 when the server did not say. */
    public static long hiddenWaitNanos(LlmResult result) {
        if (result == null || result.totalDurationNanos() < 0 || result.evalDurationNanos() < 0) {
            return -1;
        }
        long load = Math.max(0, result.loadDurationNanos());
        long prompt = Math.max(0, result.promptEvalDurationNanos());
        return Math.max(0, result.totalDurationNanos() - load - prompt - result.evalDurationNanos());
    }
}
