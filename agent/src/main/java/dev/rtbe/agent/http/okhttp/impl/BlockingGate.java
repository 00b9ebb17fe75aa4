package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.okhttp.ExecuteOutcome;
import dev.rtbe.agent.scheduler.Permit;
import java.io.InterruptedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import okhttp3.Call;
import okhttp3.Response;

/**
 * {@code Call.execute()}: waits for a slot on the calling thread, then runs the real
 * {@code execute()} under the {@link ReentryGuard} (OkHttp's retries, redirects and whatever the
 * interceptors call are inside this one logical call) and hands back the response with a body
 * that releases the slot at its end. The wait is a future, so {@code call.cancel()} from another
 * thread can end it.
 */
final class BlockingGate {
    private BlockingGate() {}

    /** Null: not ours, the original runs; otherwise an {@link ExecuteOutcome}. */
    static Object execute(Call call) {
        AgentRuntime runtime = OkHttpRequests.applicableRuntime(call.request());
        if (runtime == null || call.isExecuted() || call.isCanceled()) {
            return null; // OkHttp's own checks and messages apply
        }
        GatedCall gated;
        try {
            gated = OkHttpRequests.begin(runtime, call.request());
        } catch (RuntimeException agentFault) {
            return null; // fail open: the call goes out ungated
        }
        long timeoutNanos = CallTimeouts.of(call);
        CompletableFuture<Permit> permit = gated.acquireAsync(CallTimeouts.asWaitLimit(timeoutNanos));
        Cancellations.register(call, () -> {
            gated.finish(Outcome.CANCELLED, null);
            permit.cancel(false);
        });
        if (call.isCanceled()) {
            Cancellations.cancelled(call); // cancelled before the action was registered
        }
        try {
            Permit granted = permit.get();
            CallTimeouts.deductWait(call, timeoutNanos, granted.queueWaitNanos());
        } catch (InterruptedException e) {
            permit.cancel(false);
            gated.finish(Outcome.REJECTED, e);
            Thread.currentThread().interrupt(); // the waiter left; the interrupt stays visible
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while waiting for a slot");
            interrupted.initCause(e);
            return ExecuteOutcome.failed(interrupted);
        } catch (CancellationException e) {
            return runOriginal(call); // cancelled while queued: OkHttp reports it as it always does
        } catch (ExecutionException e) {
            return ExecuteOutcome.failed(CallTimeouts.asIoFailure(e.getCause()));
        }
        ReentryGuard.enter();
        try {
            Response response = call.execute();
            return ExecuteOutcome.of(GatedResponses.gate(response, gated));
        } catch (Throwable e) {
            gated.finish(Outcome.FAILED, e);
            return ExecuteOutcome.failed(e);
        } finally {
            ReentryGuard.exit();
        }
    }

    private static ExecuteOutcome runOriginal(Call call) {
        ReentryGuard.enter();
        try {
            return ExecuteOutcome.of(call.execute());
        } catch (Throwable e) {
            return ExecuteOutcome.failed(e);
        } finally {
            ReentryGuard.exit();
        }
    }
}
