package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.scheduler.Permit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.hc.core5.concurrent.BasicFuture;
import org.apache.hc.core5.concurrent.FutureCallback;

/**
 * The future a gated async {@code execute} returns at once. It completes (and calls the
 * application's callback) with the real exchange's outcome; cancelling it leaves the queue or
 * cancels the exchange, whichever is under way.
 */
final class GatedFuture<T> extends BasicFuture<T> {
    private final GatedCall call;
    private volatile CompletableFuture<Permit> permit;
    private volatile Future<?> exchange;

    GatedFuture(FutureCallback<T> callback, GatedCall call, CompletableFuture<Permit> permit) {
        super(callback);
        this.call = call;
        this.permit = permit;
    }

    void exchangeStarted(Future<?> started) {
        exchange = started;
        if (isCancelled()) {
            started.cancel(true);
        }
    }

    /** A preempted call waits for a slot again: a cancel now leaves that wait. */
    void waiting(CompletableFuture<Permit> again) {
        permit = again;
        if (isCancelled()) {
            again.cancel(false);
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            call.finish(Outcome.CANCELLED, null); // first: a slot granted meanwhile is handed straight back
            permit.cancel(false);
            Future<?> running = exchange;
            if (running != null) {
                running.cancel(mayInterruptIfRunning);
            }
        }
        return cancelled;
    }
}
