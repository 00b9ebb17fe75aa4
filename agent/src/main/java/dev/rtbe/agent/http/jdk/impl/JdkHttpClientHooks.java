package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.config.ResumeMode;
import dev.rtbe.agent.http.jdk.JdkClientBridge;
import dev.rtbe.agent.resume.ResumableRequest;
import dev.rtbe.agent.scheduler.Permit;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Called from the advice on {@code HttpClientImpl.send} and {@code sendAsync}. A call to a
 * configured endpoint starts at the {@link Gate} through a {@link JdkRequestView}, waits for a
 * slot, and is then sent by invoking the same client method again under the {@link ReentryGuard}
 * (so the advice lets it through) with the application's handler wrapped. Returning null lets the
 * original method run untouched: for other hosts, nested calls, or when the agent is off.
 */
public final class JdkHttpClientHooks implements JdkClientBridge.Hooks {
    public JdkHttpClientHooks() {}

    @Override
    public Object send(Object client, Object request, Object handler) {
        return send((HttpClient) client, (HttpRequest) request, (HttpResponse.BodyHandler<?>) handler);
    }

    @Override
    public Object sendAsync(Object client, Object request, Object handler, Object pushHandler) {
        return sendAsync((HttpClient) client, (HttpRequest) request, (HttpResponse.BodyHandler<?>) handler,
                (HttpResponse.PushPromiseHandler<?>) pushHandler);
    }

    @Override
    public boolean isRunning(Object response) {
        return response instanceof HttpResponse && OpenBodies.running(((HttpResponse<?>) response).body()) != null;
    }

    @Override
    public boolean abortIfRunning(Object response) {
        if (!(response instanceof HttpResponse)) {
            return false;
        }
        Object body = ((HttpResponse<?>) response).body();
        GatedBodySubscriber<?> subscriber = OpenBodies.running(body);
        return subscriber != null && subscriber.abort(body);
    }

    /** Returns null (not ours: run the original) or an {@link AdviceOutcome}. */
    static Object send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<?> handler) {
        JdkRequests.Prepared prepared = prepare(request);
        if (prepared == null) {
            return null; // not ours, or fail open: the call goes out ungated
        }
        boolean bodyRead = prepared.toCollect != null;
        if (bodyRead) {
            BodyCollector body;
            try {
                body = prepared.collect();
            } catch (RuntimeException | LinkageError agentFault) {
                return null;
            }
            try {
                body.collected().get(); // the caller's own thread, which send blocks anyway
            } catch (InterruptedException e) {
                body.cancel();
                Thread.currentThread().interrupt();
                return AdviceOutcome.failed(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e); // never: the collection always completes normally
            }
            prepared = prepared.collected(body);
        }
        GatedCall call = Gate.begin(prepared.view);
        if (call == null) {
            // The one-shot body was read already: it goes out from what was read, ungated.
            return bodyRead ? sendUngated(client, prepared.request, handler) : null;
        }
        Exception refused = Gate.await(call, prepared.view);
        if (refused != null) {
            return AdviceOutcome.failed(refused);
        }
        if (preemptible(prepared, call)) {
            return BlockingAttempts.send(client, plan(prepared, handler, call), call, prepared.view);
        }
        try {
            return AdviceOutcome.of(sendGranted(client, prepared.request, handler, call));
        } catch (InterruptedException e) {
            call.finish(Outcome.CANCELLED, e);
            return AdviceOutcome.failed(e);
        } catch (Throwable e) {
            call.finish(Outcome.FAILED, e);
            return AdviceOutcome.failed(e);
        }
    }

    /** As {@link Gate#send}, without the lambda it takes (none is spun on a call's path). */
    private static Object sendGranted(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<?> handler,
                                      GatedCall call) throws IOException, InterruptedException {
        ReentryGuard.enter();
        try {
            call.onSent();
            return client.send(request, wrap(handler, call));
        } finally {
            ReentryGuard.exit();
        }
    }

    private static AdviceOutcome sendUngated(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<?> handler) {
        ReentryGuard.enter();
        try {
            return AdviceOutcome.of(client.send(request, handler));
        } catch (Throwable e) {
            return AdviceOutcome.failed(e);
        } finally {
            ReentryGuard.exit();
        }
    }

    /** The request to send and its view, when it goes to an endpoint; null otherwise or on a fault. */
    private static JdkRequests.Prepared prepare(HttpRequest request) {
        try {
            AgentRuntime runtime = request == null ? null : Gate.runtimeFor(request.uri());
            return runtime == null ? null : JdkRequests.prepare(runtime, request);
        } catch (RuntimeException | LinkageError agentFault) {
            return null;
        }
    }

    /**
     * Since JDK 16, cancelling the future of an exchange with {@code cancel(true)} aborts it on the
     * wire (CSR JDK-8251312); before that a preempted call would keep the server busy.
     */
    static final boolean CANCEL_ABORTS_EXCHANGE = Runtime.version().feature() >= 16;

    /**
     * Whether the call may lose its slot to an RT call: a batch call with transparent preemption on,
     * whose request can go out again, on a JDK that aborts a cancelled exchange.
     */
    private static boolean preemptible(JdkRequests.Prepared prepared, GatedCall call) {
        return prepared.resend != JdkRequests.Resend.NO && call.preemptionEnabled() && CANCEL_ABORTS_EXCHANGE;
    }

    /**
     * How a preemptible call goes out: a qualifying non-streaming chat call as a stream, continued
     * after a preemption (with {@code rtbe.preemption.resume=continue}); any other sent again as it is.
     */
    private static AttemptPlan plan(JdkRequests.Prepared prepared, HttpResponse.BodyHandler<?> handler, GatedCall call) {
        ResumableRequest resumable = prepared.runtime.settings().preemptionResume() == ResumeMode.CONTINUE
                ? ResumingSend.resumable(prepared) : null;
        return resumable != null ? new ResumingSend(prepared, handler, call, resumable)
                : new RepeatPlan(prepared, handler, call, prepared.runtime.settings().preemptionMaxBodyBytes());
    }

    /** Returns null (not ours: run the original) or the future to hand to the application. */
    static Object sendAsync(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<?> handler,
                            HttpResponse.PushPromiseHandler<?> pushHandler) {
        JdkRequests.Prepared prepared = prepare(request);
        if (prepared == null) {
            return null;
        }
        if (prepared.toCollect != null) {
            return sendAsyncOnceRead(client, prepared, handler, pushHandler);
        }
        GatedCall call = Gate.begin(prepared.view);
        if (call == null) {
            return null;
        }
        CompletableFuture<Permit> permit = Gate.acquire(call, prepared.view);
        GatedResponseFuture<Object> result = new GatedResponseFuture<>(call, permit);
        // Granted later, on the thread that released a slot: continue on the client's executor.
        Gate.whenDecided(permit, client.executor().orElse(null),
                () -> startExchange(client, prepared, handler, pushHandler, call, permit, result));
        return result;
    }

    /**
     * A one-shot body is read first, without blocking the caller (Spring writes it on another
     * thread): the caller's thread decides what it can now (header, stack, thread rules), the
     * body decides the rest when it is read, then the call waits and goes out as usual.
     */
    private static Object sendAsyncOnceRead(HttpClient client, JdkRequests.Prepared prepared,
                                            HttpResponse.BodyHandler<?> handler,
                                            HttpResponse.PushPromiseHandler<?> pushHandler) {
        Gate.Pending pending = Gate.beginLater(prepared.view);
        if (pending == null) {
            return null;
        }
        BodyCollector body;
        try {
            body = prepared.collect();
        } catch (RuntimeException | LinkageError agentFault) {
            return null;
        }
        GatedResponseFuture<Object> result = new GatedResponseFuture<>(body::cancel);
        body.collected().thenRun(() -> {
            JdkRequests.Prepared read = prepared.collected(body);
            GatedCall call;
            CompletableFuture<Permit> permit;
            try {
                call = pending.start(body.bytes());
                permit = Gate.acquire(call, read.view);
            } catch (RuntimeException | LinkageError agentFault) {
                sendAsyncUngated(client, read.request, handler, pushHandler, result); // fail open
                return;
            }
            result.started(call, permit);
            Gate.whenDecided(permit, client.executor().orElse(null),
                    () -> startExchange(client, read, handler, pushHandler, call, permit, result));
        });
        return result;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void sendAsyncUngated(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<?> handler,
                                         HttpResponse.PushPromiseHandler<?> pushHandler,
                                         GatedResponseFuture<Object> result) {
        ReentryGuard.enter();
        try {
            CompletableFuture<? extends HttpResponse<?>> exchange = client.sendAsync(request,
                    (HttpResponse.BodyHandler) handler, (HttpResponse.PushPromiseHandler) pushHandler);
            result.exchangeStarted(exchange);
            exchange.whenComplete((response, error) -> {
                if (error != null) {
                    result.completeExceptionally(error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error);
                } else {
                    result.complete(response);
                }
            });
        } catch (Throwable e) {
            result.completeExceptionally(e);
        } finally {
            ReentryGuard.exit();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void startExchange(HttpClient client, JdkRequests.Prepared prepared,
                                      HttpResponse.BodyHandler<?> handler,
                                      HttpResponse.PushPromiseHandler<?> pushHandler, GatedCall call,
                                      CompletableFuture<Permit> permit, GatedResponseFuture<Object> result) {
        Exception refused = Gate.failureOf(permit, prepared.view);
        if (refused != null) {
            result.completeExceptionally(refused);
            return;
        }
        if (result.isDone()) {
            call.finish(Outcome.CANCELLED, null); // cancelled while it waited
            return;
        }
        if (pushHandler == null && preemptible(prepared, call)) {
            AsyncAttempts.start(client, plan(prepared, handler, call), call, prepared.view, result);
            return;
        }
        CompletableFuture<? extends HttpResponse<?>> exchange;
        try {
            exchange = Gate.send(call, () -> client.sendAsync(prepared.request,
                    (HttpResponse.BodyHandler) wrap(handler, call), (HttpResponse.PushPromiseHandler) pushHandler));
        } catch (Throwable e) {
            call.finish(Outcome.FAILED, e);
            result.completeExceptionally(e);
            return;
        }
        result.exchangeStarted(exchange);
        exchange.whenComplete((response, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                call.finish(Outcome.FAILED, cause);
                result.completeExceptionally(cause);
            } else {
                result.complete(response);
            }
        });
    }

    private static <T> HttpResponse.BodyHandler<T> wrap(HttpResponse.BodyHandler<T> handler, GatedCall call) {
        return new GatedBodyHandler<>(handler, call);
    }
}
