package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.scheduler.Permit;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;

/**
 * {@code Call.enqueue(Callback)}: classifies on the caller's thread and returns at once. The call
 * reaches OkHttp's dispatcher only when it has a slot, with a callback that ends the gated call
 * on failure and a response whose body releases the slot. Nothing here blocks a thread. A batch
 * call that may be preempted goes out as a {@link PreemptibleCall}.
 */
final class AsyncGate {
    private AsyncGate() {}

    /** False: not ours, the original runs; true: the call is taken over. */
    static boolean enqueue(Call call, Callback callback) {
        if (callback == null || call.isExecuted() || call.isCanceled()) {
            return false;
        }
        OkHttpRequestView view = new OkHttpRequestView(call);
        GatedCall gated = Gate.begin(view);
        if (gated == null) {
            return false;
        }
        CompletableFuture<Permit> permit = Gate.acquire(gated, view);
        Cancellations.register(call, () -> {
            gated.finish(Outcome.CANCELLED, null);
            permit.cancel(false);
        });
        if (!permit.isDone() && call.isCanceled()) {
            Cancellations.cancelled(call);
        }
        Gate.whenDecided(permit, null, () -> proceed(call, callback, gated, permit, view));
        return true;
    }

    private static void proceed(Call call, Callback callback, GatedCall gated, CompletableFuture<Permit> permit,
                                OkHttpRequestView view) {
        if (permit.isCancelled()) {
            enqueueOriginal(call, callback); // cancelled while queued: OkHttp reports it as it always does
            return;
        }
        Exception refused = Gate.failureOf(permit, view);
        if (refused != null) {
            IOException failure = RequestView.asIoFailure(refused);
            Gate.dispatch().execute(() -> fail(callback, call, failure)); // OkHttp never calls back on the caller's thread
            return;
        }
        if (gated.isFinished()) {
            enqueueOriginal(call, callback); // cancelled as the slot arrived
            return;
        }
        long waited = permit.join().queueWaitNanos();
        PreemptibleCall preemptible = PreemptibleCall.of(call, gated, view, waited);
        if (preemptible != null) {
            new PreemptibleEnqueue(preemptible, callback).send();
            return;
        }
        CallTimeouts.deductWait(call, view.timeoutNanos, waited);
        try {
            Gate.send(gated, () -> {
                call.enqueue(new GatedCallback(callback, gated));
                return null;
            });
        } catch (RuntimeException | Error e) {
            gated.finish(Outcome.FAILED, e);
            throw e;
        }
    }

    /** The real {@code enqueue}; the guard tells the advice to let it through. */
    private static void enqueueOriginal(Call call, Callback callback) {
        ReentryGuard.enter();
        try {
            call.enqueue(callback);
        } finally {
            ReentryGuard.exit();
        }
    }

    private static void fail(Callback callback, Call call, IOException failure) {
        try {
            callback.onFailure(call, failure);
        } catch (RuntimeException e) {
            Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
        }
    }
}
