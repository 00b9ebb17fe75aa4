package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.scheduler.Permit;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Response;

/**
 * {@code Call.execute()}: waits for a slot on the calling thread, then runs the real
 * {@code execute()} under the {@link ReentryGuard} (OkHttp's retries, redirects and whatever the
 * interceptors call are inside this one logical call) and hands back the response with a body
 * that releases the slot at its end. The wait is a future, so {@code call.cancel()} from another
 * thread can end it. A batch call that may be preempted goes out as a {@link PreemptibleCall}.
 */
final class BlockingGate {
    private BlockingGate() {}

    /** Null: not ours, the original runs; otherwise an {@link AdviceOutcome}. */
    static Object execute(Call call) {
        if (call.isExecuted() || call.isCanceled()) {
            return null; // OkHttp's own checks and messages apply
        }
        OkHttpRequestView view = new OkHttpRequestView(call);
        GatedCall gated = Gate.begin(view);
        if (gated == null) {
            return null;
        }
        CompletableFuture<Permit> permit = Gate.acquire(gated, view);
        Cancellations.register(call, () -> {
            gated.finish(Outcome.CANCELLED, null);
            permit.cancel(false);
        });
        if (call.isCanceled()) {
            Cancellations.cancelled(call); // cancelled before the action was registered
        }
        Exception refused = Gate.await(gated, view, permit);
        if (refused != null) {
            // Cancelled while queued: OkHttp reports it as it always does.
            return call.isCanceled() ? runOriginal(call) : AdviceOutcome.failed(refused);
        }
        long waited = permit.join().queueWaitNanos();
        PreemptibleCall preemptible = PreemptibleCall.of(call, gated, view, waited);
        if (preemptible != null) {
            return PreemptibleExecute.run(preemptible);
        }
        CallTimeouts.deductWait(call, view.timeoutNanos, waited);
        try {
            Response response = Gate.send(gated, call::execute);
            return AdviceOutcome.of(GatedResponses.gate(response, gated, call));
        } catch (Throwable e) {
            gated.finish(Outcome.FAILED, e);
            return AdviceOutcome.failed(e);
        }
    }

    private static AdviceOutcome runOriginal(Call call) {
        ReentryGuard.enter();
        try {
            return AdviceOutcome.of(call.execute());
        } catch (Throwable e) {
            return AdviceOutcome.failed(e);
        } finally {
            ReentryGuard.exit();
        }
    }
}
