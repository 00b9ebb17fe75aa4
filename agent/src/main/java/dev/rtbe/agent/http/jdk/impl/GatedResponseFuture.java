package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.scheduler.Permit;
import java.util.concurrent.CompletableFuture;

/**
 * The future {@code sendAsync} returns to the application: it completes with the real response,
 * and cancelling it leaves the queue or cancels the exchange, whichever is under way.
 */
final class GatedResponseFuture<T> extends CompletableFuture<T> {
    private final GatedCall call;
    private final CompletableFuture<Permit> permit;
    private volatile CompletableFuture<?> exchange;

    GatedResponseFuture(GatedCall call, CompletableFuture<Permit> permit) {
        this.call = call;
        this.permit = permit;
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
            permit.cancel(false);
            CompletableFuture<?> running = exchange;
            if (running != null) {
                running.cancel(mayInterruptIfRunning);
            }
            call.finish(Outcome.CANCELLED, null);
        }
        return cancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>(); // dependents are plain futures, as the JDK's are
    }
}
