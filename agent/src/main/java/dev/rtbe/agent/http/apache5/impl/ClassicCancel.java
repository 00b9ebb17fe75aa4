package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.scheduler.Permit;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.ClassicHttpRequest;

/**
 * The application's own cancel of a preemptible classic call ({@code HttpUriRequestBase.cancel()}),
 * which the client would honour at any point: it aborts the attempt under way, or leaves the queue
 * while the call waits to get a slot again. Unlike a preemption, the call then ends.
 */
final class ClassicCancel implements Cancellable {
    private final GatedCall call;
    private volatile boolean cancelled;
    private volatile ClassicAttempt attempt;
    private volatile CompletableFuture<Permit> waiting;

    private ClassicCancel(GatedCall call) {
        this.call = call;
    }

    /** Makes the application's request, when it can be cancelled, depend on the call. */
    static ClassicCancel hook(ClassicHttpRequest request, GatedCall call) {
        ClassicCancel c = new ClassicCancel(call);
        if (request instanceof CancellableDependency) {
            ((CancellableDependency) request).setDependency(c);
        }
        return c;
    }

    boolean cancelled() {
        return cancelled;
    }

    void sending(ClassicAttempt a) {
        waiting = null;
        attempt = a;
        if (cancelled) {
            a.abortExchange();
        }
    }

    void waiting(CompletableFuture<Permit> permit) {
        waiting = permit;
        if (cancelled) {
            leave(permit);
        }
    }

    @Override
    public boolean cancel() {
        cancelled = true;
        ClassicAttempt a = attempt;
        if (a != null) {
            a.abortExchange(); // not a preemption: the attempt fails and the call with it
        }
        CompletableFuture<Permit> w = waiting;
        if (w != null) {
            leave(w);
        }
        return true;
    }

    /** As a call cancelled in its first wait: ended first, so a slot granted meanwhile goes straight back. */
    private void leave(CompletableFuture<Permit> permit) {
        call.finish(Outcome.CANCELLED, null);
        permit.cancel(false);
    }
}
