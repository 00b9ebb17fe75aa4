package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.scheduler.Permit;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import okhttp3.Call;
import okhttp3.Callback;

/**
 * {@code Call.enqueue(Callback)}: classifies on the caller's thread and returns at once. The call
 * reaches OkHttp's dispatcher only when it has a slot, with a callback that ends the gated call
 * on failure and a response whose body releases the slot. Nothing here blocks a thread.
 */
final class AsyncGate {
    /** Continues a call that had to wait, off the thread that released the slot. */
    private static final ExecutorService DISPATCH = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rtbe-okhttp-dispatch");
        t.setDaemon(true);
        return t;
    });

    private AsyncGate() {}

    /** False: not ours, the original runs; true: the call is taken over. */
    static boolean enqueue(Call call, Callback callback) {
        AgentRuntime runtime = OkHttpRequests.applicableRuntime(call.request());
        if (runtime == null || callback == null || call.isExecuted() || call.isCanceled()) {
            return false;
        }
        GatedCall gated;
        try {
            gated = OkHttpRequests.begin(runtime, call.request());
        } catch (RuntimeException agentFault) {
            return false;
        }
        long timeoutNanos = CallTimeouts.of(call);
        CompletableFuture<Permit> permit = gated.acquireAsync(CallTimeouts.asWaitLimit(timeoutNanos));
        Cancellations.register(call, () -> {
            gated.finish(Outcome.CANCELLED, null);
            permit.cancel(false);
        });
        if (permit.isDone()) {
            proceed(call, callback, gated, permit, timeoutNanos); // the usual case: a free slot
        } else {
            if (call.isCanceled()) {
                Cancellations.cancelled(call);
            }
            permit.whenCompleteAsync((p, e) -> proceed(call, callback, gated, permit, timeoutNanos), DISPATCH);
        }
        return true;
    }

    private static void proceed(Call call, Callback callback, GatedCall gated, CompletableFuture<Permit> permit,
                                long timeoutNanos) {
        Permit granted;
        try {
            granted = permit.join();
        } catch (CancellationException e) {
            enqueueOriginal(call, callback); // cancelled while queued: OkHttp reports it as it always does
            return;
        } catch (CompletionException e) {
            IOException failure = CallTimeouts.asIoFailure(e.getCause());
            DISPATCH.execute(() -> fail(callback, call, failure)); // OkHttp never calls back on the caller's thread
            return;
        }
        if (gated.isFinished()) {
            enqueueOriginal(call, callback); // cancelled as the slot arrived
            return;
        }
        CallTimeouts.deductWait(call, timeoutNanos, granted.queueWaitNanos());
        try {
            enqueueOriginal(call, new GatedCallback(callback, gated));
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
