package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.scheduler.Permit;
import java.util.concurrent.CompletableFuture;

/**
 * The future {@code sendAsync} returns to the application: it completes with the real response,
 * and cancelling it stops reading the request body, leaves the queue or cancels the exchange,
 * whichever is under way (for a preempted call: the wait for its slot again, or its next attempt).
 */
final class GatedResponseFuture<T> extends CompletableFuture<T> {
    private volatile GatedCall call;
    private volatile CompletableFuture<Permit> permit;
    /** Stops reading a one-shot request body while the call is not started yet; or null. */
    private final Runnable stopReading;
    private volatile CompletableFuture<?> exchange;

    GatedResponseFuture(GatedCall call, CompletableFuture<Permit> permit) {
        this.call = call;
        this.permit = permit;
        this.stopReading = null;
    }

    /** For a call that starts once its request body is read. */
    GatedResponseFuture(Runnable stopReading) {
        this.stopReading = stopReading;
    }

    /** The call started after its body was read; if the application cancelled meanwhile, it ends now. */
    void started(GatedCall started, CompletableFuture<Permit> startedPermit) {
        call = started;
        permit = startedPermit;
        if (isCancelled()) {
            started.finish(Outcome.CANCELLED, null);
            startedPermit.cancel(false);
        }
    }

    /** A preempted call waits for its slot again; if the application cancelled meanwhile, it leaves the queue now. */
    void waiting(CompletableFuture<Permit> again) {
        permit = again;
        if (isCancelled()) {
            again.cancel(false);
        }
    }

    void exchangeStarted(CompletableFuture<?> exchange) {
        this.exchange = exchange;
        if (isCancelled()) {
            exchange.cancel(true);
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            if (stopReading != null) {
                stopReading.run();
            }
            CompletableFuture<?> running = exchange;
            if (running != null) {
                running.cancel(mayInterruptIfRunning);
            }
            GatedCall c = call;
            if (c != null) {
                c.finish(Outcome.CANCELLED, null); // first, so a wait refused by the cancel below does not end it as rejected
            }
            CompletableFuture<Permit> waiting = permit;
            if (waiting != null) {
                waiting.cancel(false);
            }
        }
        return cancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>(); // dependents are plain futures, as the JDK's are
    }
}
