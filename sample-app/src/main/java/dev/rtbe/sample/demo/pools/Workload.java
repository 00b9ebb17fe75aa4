package dev.rtbe.sample.demo.pools;

/**
 * The pools scenario's call shapes, in MODEL seconds (the simulator divides them by the time scale).
 * Both JVMs read the same constants: the app sends them as X-Sim headers, the demo uses them to judge.
 *
 * @param bePrefillS  batch summary prefill
 * @param beGenS      batch summary generation
 * @param rtPrefillS  interactive stream prefill (its first token comes after this on an idle server)
 * @param rtGenS      interactive stream generation
 * @param rtThinkS    a reader's pause between two streams
 * @param embedS      one document embedding (prefill only)
 * @param embedThinkS the indexer's pause between two documents
 */
public record Workload(double bePrefillS, double beGenS, double rtPrefillS, double rtGenS, double rtThinkS,
                       double embedS, double embedThinkS) {

    /** The mixed service: batch summaries saturating the chat model, a reader, and the indexer. */
    public static final Workload MIXED = new Workload(2, 8, 0.4, 2, 3, 0.5, 1);

    /** The learning runs: shorter calls, so 20 calls of a 1-slot model take seconds. */
    public static final Workload LEARN = new Workload(0.5, 2.5, 0.4, 1.5, 1, 0.5, 1);
}
