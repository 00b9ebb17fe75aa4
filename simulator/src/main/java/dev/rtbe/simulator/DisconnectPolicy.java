package dev.rtbe.simulator;

/** What a NON-streaming request does once its slot is acquired and the client goes away. Streams always abort. */
public enum DisconnectPolicy {
    /** Stop generating and free the slot at once (what Ollama does for streams). */
    ABORT,
    /**
     * Keep the slot busy until the modelled generation would have finished, then drop the response. Real Ollama has
     * been reported to behave like this for {@code "stream": false}. A request still waiting in the queue leaves it
     * on disconnect in both modes, as Ollama's semaphore waiters do.
     */
    KEEP_COMPUTING
}
