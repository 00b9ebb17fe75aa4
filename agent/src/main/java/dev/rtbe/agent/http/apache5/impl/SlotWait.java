package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.HttpRequest;

/**
 * A classic call's blocking wait for its slot, on the caller's thread. It waits on the async
 * acquisition so that the request's own abort ({@code HttpUriRequestBase.cancel()}, which the
 * client would honour while leasing a connection) also takes it out of the queue.
 */
final class SlotWait {
    private SlotWait() {}

    /** Null once the slot is held; otherwise the I/O failure the caller should see. */
    static Throwable await(GatedCall call, HttpRequest request, Duration timeout) {
        CompletableFuture<Permit> permit = call.acquireAsync(timeout);
        if (request instanceof CancellableDependency) {
            // While it waits, the request's own abort takes it out of the queue.
            ((CancellableDependency) request).setDependency(() -> leave(call, permit, null));
        }
        try {
            permit.get();
        } catch (InterruptedException e) {
            leave(call, permit, e);
            Thread.currentThread().interrupt(); // the waiter left; the interrupt stays visible
            return failure(new InterruptedIOException("rtbe: interrupted while waiting for a slot"), e);
        } catch (CancellationException e) {
            return aborted(e);
        } catch (ExecutionException e) {
            return translate(e.getCause() == null ? e : e.getCause());
        }
        if (request instanceof CancellableDependency) {
            // Granted: from here an abort is the client's business (it aborts a cancelled request).
            ((CancellableDependency) request).setDependency(() -> false);
        }
        if (call.isFinished()) {
            return aborted(null); // aborted as the slot came: the call already gave it back
        }
        return null;
    }

    private static Throwable aborted(Throwable cause) {
        return failure(new InterruptedIOException("Request aborted while waiting for a slot"), cause);
    }

    /**
     * The caller gave up: the call ends as cancelled first, so a slot granted at the same moment is
     * handed straight back, then the waiter leaves the queue.
     */
    private static boolean leave(GatedCall call, CompletableFuture<Permit> permit, Throwable why) {
        call.finish(Outcome.CANCELLED, why);
        return permit.cancel(false);
    }

    /** The request's own timeout ending the wait reads as the pool's lease timeout; other limits as they are. */
    static Throwable translate(Throwable error) {
        if (error instanceof QueueTimeoutException && ((QueueTimeoutException) error).isCallTimeout()) {
            return failure(new ConnectionRequestTimeoutException(error.getMessage()), error);
        }
        return error;
    }

    private static Throwable failure(Throwable shown, Throwable cause) {
        shown.initCause(cause);
        return shown;
    }
}
