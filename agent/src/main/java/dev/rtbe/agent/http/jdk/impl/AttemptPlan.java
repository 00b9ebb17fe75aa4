package dev.rtbe.agent.http.jdk.impl;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What a preemptible call sends on each attempt and what it makes of each attempt's end, whoever
 * drives the attempts: {@link BlockingAttempts} for {@code send}, {@link AsyncAttempts} for
 * {@code sendAsync}. Attempts run one after the other, never two at once.
 */
abstract class AttemptPlan {
    /**
     * Prepares the next attempt and returns its request. The attempt is offered for preemption here,
     * or once its body has gone out and could go again.
     */
    abstract HttpRequest next(PreemptibleAttempt attempt);

    /** The body handler of the attempt prepared last. */
    abstract HttpResponse.BodyHandler<?> handler();

    /**
     * The exchange of the attempt prepared last ended with {@code response} or {@code failure} (as
     * the client reports it, unwrapped). Returns the application's response (or its failure; the call
     * is then over, or ends with the response's body), or null when the attempt lost its slot to a
     * preemption: the call then goes again after a new grant.
     */
    abstract CompletableFuture<Object> ended(HttpResponse<?> response, Throwable failure);

    /** The call ends on the caller's side (interrupt, cancel) while an attempt runs: stop taking its bytes. */
    void abandon() {}

    /** The failure itself, without the wrappers of a future. */
    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
