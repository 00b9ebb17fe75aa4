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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

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
        if (prepared.resend != JdkRequests.Resend.NO && call.preemptionEnabled() && CANCEL_ABORTS_EXCHANGE) {
            ResumableRequest resumable = prepared.runtime.settings().preemptionResume() == ResumeMode.CONTINUE
                    ? ResumingSend.resumable(prepared) : null;
            if (resumable != null) {
                return ResumingSend.send(client, prepared, handler, call, resumable);
            }
            return sendPreemptible(client, prepared, handler, call,
                    prepared.runtime.settings().preemptionMaxBodyBytes());
        }
        HttpRequest toSend = prepared.request;
        try {
            return AdviceOutcome.of(Gate.send(call, () -> client.send(toSend, wrap(handler, call))));
        } catch (InterruptedException e) {
            call.finish(Outcome.CANCELLED, e);
            return AdviceOutcome.failed(e);
        } catch (Throwable e) {
            call.finish(Outcome.FAILED, e);
            return AdviceOutcome.failed(e);
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
     * Since JDK 16, cancelling the future of {@code sendAsync} with {@code cancel(true)} aborts the
     * exchange on the wire (CSR JDK-8251312); before that a preempted call would keep the server busy.
     */
    static final boolean CANCEL_ABORTS_EXCHANGE = Runtime.version().feature() >= 16;

    /**
     * A blocking send that may lose its slot to an RT call: sent as {@code sendAsync} so the
     * exchange can be aborted, and sent again (same request, same handler) after a new grant,
     * until an attempt is not preempted. The application sees one call, just a slower one. A
     * one-shot body is copied as it goes out the first time and sent from the copy afterwards; the
     * attempt is offered only once that copy exists.
     */
    private static AdviceOutcome sendPreemptible(HttpClient client, JdkRequests.Prepared prepared,
                                                 HttpResponse.BodyHandler<?> handler, GatedCall call, int maxBodyBytes) {
        HttpRequest request = prepared.request;
        AtomicReference<byte[]> bodyCopy = new AtomicReference<>();
        while (true) {
            PreemptibleAttempt attempt = new PreemptibleAttempt(call);
            HttpRequest toSend = request;
            byte[] copy = bodyCopy.get();
            if (prepared.resend == JdkRequests.Resend.AS_IS) {
                attempt.offer(); // before the send, so a response never outruns the offer
            } else if (copy != null) {
                toSend = JdkRequests.withBody(request, HttpRequest.BodyPublishers.ofByteArray(copy));
                attempt.offer();
            } else {
                toSend = JdkRequests.withBody(request, new RecordingBodyPublisher(request.bodyPublisher().orElseThrow(),
                        maxBodyBytes, bytes -> {
                            bodyCopy.set(bytes);
                            attempt.offer(); // the whole body is out: from here it could go again
                        }));
            }
            CompletableFuture<? extends HttpResponse<?>> exchange;
            try {
                HttpRequest attemptRequest = toSend;
                exchange = Gate.send(call, () -> client.sendAsync(attemptRequest,
                        new GatedBodyHandler<>(handler, call, attempt)));
            } catch (Throwable e) {
                call.finish(Outcome.FAILED, e);
                return AdviceOutcome.failed(e);
            }
            attempt.started(exchange);
            try {
                HttpResponse<?> response = exchange.get();
                if (!call.wasPreempted()) {
                    return AdviceOutcome.of(response);
                }
            } catch (InterruptedException e) {
                exchange.cancel(true); // as the JDK's own send does when interrupted
                call.finish(Outcome.CANCELLED, e);
                return AdviceOutcome.failed(e);
            } catch (ExecutionException | CancellationException e) {
                if (!call.wasPreempted()) {
                    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                    call.finish(Outcome.FAILED, cause);
                    return AdviceOutcome.failed(cause);
                }
            }
            AdviceOutcome refused = PreemptibleAttempt.reacquire(call, prepared.view);
            if (refused != null) {
                return refused;
            }
        }
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
