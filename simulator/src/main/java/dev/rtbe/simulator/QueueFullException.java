package dev.rtbe.simulator;

/** The slot queue already holds maxQueue waiters: the request is rejected with Ollama's 503. */
final class QueueFullException extends Exception {
    private static final long serialVersionUID = 1L;

    static final String MESSAGE = "server busy, please try again.  maximum pending requests exceeded";

    QueueFullException() {
        super(MESSAGE, null, false, false);
    }
}
