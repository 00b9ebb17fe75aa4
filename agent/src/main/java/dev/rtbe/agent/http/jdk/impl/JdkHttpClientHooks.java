package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.jdk.JdkClientBridge;
import dev.rtbe.agent.http.jdk.SendOutcome;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Executors;

/**
 * Called from the advice on {@code HttpClientImpl.send} and {@code sendAsync}. A call to a
 * configured endpoint is classified on the calling thread, waits for a slot, and is then sent by
 * invoking the same client method again under the {@link ReentryGuard} (so the advice lets it
 * through) with the application's handler wrapped. Returning null lets the original method run
 * untouched: for other hosts, nested calls, or when the agent is off.
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

    /** Runs the continuation of a call that had to wait, off the thread that released the slot. */
    private static final ExecutorService DISPATCH = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rtbe-dispatch");
        t.setDaemon(true);
        return t;
    });

    /** Returns null (not ours: run the original) or a {@link SendOutcome}. */
    static Object send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<?> handler) {
        AgentRuntime runtime = applicableRuntime(request);
        if (runtime == null) {
            return null;
        }
        JdkRequests.Prepared prepared;
        GatedCall call;
        try {
            prepared = JdkRequests.prepare(runtime, request);
            call = GatedCall.begin(runtime, request.method(), request.uri(), prepared.llmRequest, prepared.headerValue);
        } catch (RuntimeException agentFault) {
            return null; // fail open: the call goes out ungated
        }
        try {
            call.acquire(request.timeout().orElse(null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the waiter left; the interrupt stays visible
            return SendOutcome.failed(e);
        } catch (QueueTimeoutException e) {
            return SendOutcome.failed(e.isCallTimeout() ? asHttpTimeout(e) : e);
        } catch (Exception e) {
            return SendOutcome.failed(e);
        }
        if (prepared.resend != JdkRequests.Resend.NO && call.preemptionEnabled() && CANCEL_ABORTS_EXCHANGE) {
            return sendPreemptible(client, prepared, handler, call, request.timeout().orElse(null),
                    runtime.settings().preemptionMaxBodyBytes());
        }
        ReentryGuard.enter();
        try {
            call.onSent();
            return SendOutcome.of(client.send(prepared.request, wrap(handler, call)));
        } catch (InterruptedException e) {
            call.finish(Outcome.CANCELLED, e);
            return SendOutcome.failed(e);
        } catch (Throwable e) {
            call.finish(Outcome.FAILED, e);
            return SendOutcome.failed(e);
        } finally {
            ReentryGuard.exit();
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
    private static SendOutcome sendPreemptible(HttpClient client, JdkRequests.Prepared prepared,
                                               HttpResponse.BodyHandler<?> handler, GatedCall call,
                                               java.time.Duration timeout, int maxBodyBytes) {
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
            ReentryGuard.enter();
            try {
                call.onSent();
                exchange = client.sendAsync(toSend, new GatedBodyHandler<>(handler, call, attempt));
            } catch (Throwable e) {
                call.finish(Outcome.FAILED, e);
                return SendOutcome.failed(e);
            } finally {
                ReentryGuard.exit();
            }
            attempt.started(exchange);
            try {
                HttpResponse<?> response = exchange.get();
                if (!call.wasPreempted()) {
                    return SendOutcome.of(response);
                }
            } catch (InterruptedException e) {
                exchange.cancel(true); // as the JDK's own send does when interrupted
                call.finish(Outcome.CANCELLED, e);
                return SendOutcome.failed(e);
            } catch (ExecutionException | CancellationException e) {
                if (!call.wasPreempted()) {
                    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                    call.finish(Outcome.FAILED, cause);
                    return SendOutcome.failed(cause);
                }
            }
            try {
                call.reacquireAfterPreemption(timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return SendOutcome.failed(e);
            } catch (QueueTimeoutException e) {
                return SendOutcome.failed(e.isCallTimeout() ? asHttpTimeout(e) : e);
            } catch (Exception e) {
                return SendOutcome.failed(e);
            }
        }
    }

    /** Returns null (not ours: run the original) or the future to hand to the application. */
    static Object sendAsync(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<?> handler,
                                   HttpResponse.PushPromiseHandler<?> pushHandler) {
        AgentRuntime runtime = applicableRuntime(request);
        if (runtime == null) {
            return null;
        }
        JdkRequests.Prepared prepared;
        GatedCall call;
        try {
            prepared = JdkRequests.prepare(runtime, request);
            call = GatedCall.begin(runtime, request.method(), request.uri(), prepared.llmRequest, prepared.headerValue);
        } catch (RuntimeException agentFault) {
            return null;
        }
        CompletableFuture<dev.rtbe.agent.scheduler.Permit> permit = call.acquireAsync(request.timeout().orElse(null));
        GatedResponseFuture<Object> result = new GatedResponseFuture<>(call, permit);
        if (permit.isDone()) {
            startExchange(client, prepared.request, handler, pushHandler, call, permit, result);
        } else {
            // Granted later, on the thread that released a slot: continue elsewhere.
            Executor executor = client.executor().orElse(DISPATCH);
            permit.whenCompleteAsync((p, e) -> startExchange(client, prepared.request, handler, pushHandler,
                    call, permit, result), executor);
        }
        return result;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void startExchange(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<?> handler,
                                      HttpResponse.PushPromiseHandler<?> pushHandler, GatedCall call,
                                      CompletableFuture<dev.rtbe.agent.scheduler.Permit> permit,
                                      GatedResponseFuture<Object> result) {
        if (permit.isCompletedExceptionally()) {
            result.completeExceptionally(translate(unwrap(permit)));
            return;
        }
        if (result.isDone()) {
            call.finish(Outcome.CANCELLED, null); // cancelled while it waited
            return;
        }
        CompletableFuture<? extends HttpResponse<?>> exchange;
        ReentryGuard.enter();
        try {
            call.onSent();
            exchange = client.sendAsync(request, (HttpResponse.BodyHandler) wrap(handler, call),
                    (HttpResponse.PushPromiseHandler) pushHandler);
        } catch (Throwable e) {
            call.finish(Outcome.FAILED, e);
            result.completeExceptionally(e);
            return;
        } finally {
            ReentryGuard.exit();
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

    private static Throwable unwrap(CompletableFuture<?> failed) {
        try {
            failed.join();
            return new IllegalStateException("not failed");
        } catch (CompletionException e) {
            return e.getCause() != null ? e.getCause() : e;
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private static Throwable translate(Throwable error) {
        if (error instanceof QueueTimeoutException && ((QueueTimeoutException) error).isCallTimeout()) {
            return asHttpTimeout((QueueTimeoutException) error);
        }
        return error;
    }

    /** The JDK reports its request timeout as HttpTimeoutException; so does a wait it cut short. */
    private static HttpTimeoutException asHttpTimeout(QueueTimeoutException e) {
        HttpTimeoutException timeout = new HttpTimeoutException("request timed out: " + e.getMessage());
        timeout.initCause(e);
        return timeout;
    }

    private static <T> HttpResponse.BodyHandler<T> wrap(HttpResponse.BodyHandler<T> handler, GatedCall call) {
        return new GatedBodyHandler<>(handler, call);
    }

    private static AgentRuntime applicableRuntime(HttpRequest request) {
        if (ReentryGuard.isActive()) {
            return null;
        }
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime == null || request == null || !runtime.endpoints().matches(request.uri())) {
            return null;
        }
        return runtime;
    }
}
