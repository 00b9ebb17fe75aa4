package dev.rtbe.agent.calibrate;

import dev.rtbe.agent.wire.LlmResult;

/**
 * How long a call waited inside the LLM server, from the server's own final chunk.
 *
 * <p>Ollama stamps {@code total_duration} from the moment its handler starts to the final chunk,
 * and {@code load_duration} from that start to the moment it holds a runner
 * ({@code checkpointStart}, {@code checkpointLoaded} in server/routes.go). The runner's parallel
 * slots are a semaphore acquired after that ({@code s.sem.Acquire} in llm/server.go, since v0.30
 * llm/llama_server.go); {@code prompt_eval_duration} and {@code eval_duration} are timed by the
 * runner once the call holds a slot. So
 * {@code total - load - prompt_eval - eval} is the wait for a slot, plus small untimed work
 * (prompt templating and truncation, the runner's HTTP hop, sampling in the Go runners before
 * v0.30). docs/ollama-timings.md has the code read and where the identity does not hold.
 */
public final class ServerWait {
    /** The wait is not known: the server sent no usable timings. */
    public static final long UNKNOWN = -1;

    private ServerWait() {
    }

    /**
     * The time {@code result}'s call waited inside the server, clamped at 0, or {@link #UNKNOWN}
     * when the result carries no timings for a generation: an OpenAI-compatible response (no
     * durations), a load-only answer ({@code total_duration} 0 or absent), a body whose model work
     * was not timed ({@code prompt_eval_duration} and {@code eval_duration} both 0, as on
     * {@code /api/embed}), or any negative duration.
     */
    public static long hiddenWaitNanos(LlmResult result) {
        if (result == null) {
            return UNKNOWN;
        }
        return hiddenWaitNanos(result.totalDurationNanos(), result.loadDurationNanos(),
                result.promptEvalDurationNanos(), result.evalDurationNanos());
    }

    /** As {@link #hiddenWaitNanos(LlmResult)}, from the four Ollama durations (-1 = not reported). */
    public static long hiddenWaitNanos(long total, long load, long promptEval, long eval) {
        if (total <= 0 || load < 0 || promptEval < 0 || eval < 0 || (promptEval == 0 && eval == 0)) {
            return UNKNOWN;
        }
        long timed = load + promptEval + eval;
        if (timed < 0) {
            return UNKNOWN; // overflow: values no server sends
        }
        return Math.max(0, total - timed);
    }
}
