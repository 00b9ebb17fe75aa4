package dev.rtbe.simulator;

/**
 * Per-request override headers, so a trace replay can dictate exact durations. Values are UNSCALED milliseconds
 * (model time, like the trace's seconds x 1000); the server still divides them by the time scale.
 */
public final class SimHeaders {
    /** Prefill time: slot acquired to first token. Replaces the prompt-rate model. */
    public static final String PREFILL_MS = "X-Sim-Prefill-Ms";
    /** Generation time: first token to the end, split evenly over the output tokens; no concurrency slowdown. */
    public static final String GEN_MS = "X-Sim-Gen-Ms";
    /** Output token count; takes precedence over options.num_predict / max_tokens and the configured default. */
    public static final String OUTPUT_TOKENS = "X-Sim-Output-Tokens";
    /**
     * A gate's name: the request, once it has its slot, keeps it and waits until the test calls
     * {@link OllamaSimulator#openGate(String)} with that name (or the client goes away); then its prefill and
     * generation run as usual. Lets a test keep slots taken for exactly as long as it needs, on any machine.
     */
    public static final String HOLD = "X-Sim-Hold";
    /**
     * {@code <gate>:<tokens>}: once the answer's first {@code tokens} output tokens are out (a continuation counts the
     * part it continues), the generation pauses, keeping its slot, until the test calls
     * {@link OllamaSimulator#openGate(String)} with that name (or the client goes away); the later steps keep their
     * durations. Lets a test act while a request is part-way through its answer, on any machine.
     */
    public static final String PAUSE = "X-Sim-Pause";

    private SimHeaders() {}
}
