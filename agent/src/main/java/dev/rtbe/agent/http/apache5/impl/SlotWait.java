package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.scheduler.Permit;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.HttpRequest;

/**
 * A classic call's blocking wait for its slot, on the caller's thread, through the {@link Gate}.
 * While it waits, the request's own abort ({@code HttpUriRequestBase.cancel()}, which the client
 * would honour while leasing a connection) also takes it out of the queue.
 */
final class SlotWait {
    private SlotWait() {}

    /** Null once the slot is held; otherwise the I/O failure the caller should see. */
    static Exception await(GatedCall call, HttpRequest request, RequestView view) {
        CompletableFuture<Permit> permit = Gate.acquire(call, view);
        if (request instanceof CancellableDependency) {
            ((CancellableDependency) request).setDependency(() -> leave(call, permit));
        }
        Exception refused = Gate.await(call, view, permit);
        if (refused == null && request instanceof CancellableDependency) {
            // Granted: from here an abort is the client's business (it aborts a cancelled request).
            ((CancellableDependency) request).setDependency(() -> false);
        }
        return refused;
    }

    /**
     * The caller gave up: the call ends as cancelled first, so a slot granted at the same moment is
     * handed straight back, then the waiter leaves the queue.
     */
    private static boolean leave(GatedCall call, CompletableFuture<Permit> permit) {
        call.finish(Outcome.CANCELLED, null);
        return permit.cancel(false);
    }
}
