package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.scheduler.Permit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.AsyncPushConsumer;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.HandlerFactory;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * One gated async {@code execute}: classified on the caller's thread, queued without blocking
 * anyone, and sent - by invoking the client's {@code execute} again under the reentry guard, with
 * the consumer and callback wrapped - once its slot is granted. A batch call that can be sent
 * again is preemptible ({@link PreemptibleAsync}).
 */
final class AsyncCall<T> {
    private final CloseableHttpAsyncClient client;
    private final HttpHost target;
    private final AsyncRequestProducer producer;
    private final AsyncResponseConsumer<T> consumer;
    private final HandlerFactory<AsyncPushConsumer> pushHandlerFactory;
    private final HttpContext context;
    private final GatedCall call;
    private final Apache5RequestView view;
    private final CompletableFuture<Permit> permit;
    private final GatedFuture<T> result;
    /** Null: the call is sent once (it is not preemptible). */
    private PreemptibleAsync<T> preemptible;

    private AsyncCall(CloseableHttpAsyncClient client, HttpHost target, AsyncRequestProducer producer,
                      AsyncResponseConsumer<T> consumer, HandlerFactory<AsyncPushConsumer> pushHandlerFactory,
                      HttpContext context, FutureCallback<T> callback, GatedCall call, Apache5RequestView view) {
        this.client = client;
        this.target = target;
        this.producer = producer;
        this.consumer = consumer;
        this.pushHandlerFactory = pushHandlerFactory;
        this.context = context;
        this.call = call;
        this.view = view;
        this.permit = Gate.acquire(call, view);
        this.result = new GatedFuture<>(callback, call, permit);
    }

    /** Null: not ours, run the original. Otherwise the future to hand to the application. */
    static <T> Future<T> start(AgentRuntime runtime, CloseableHttpAsyncClient client, HttpHost target,
                               AsyncRequestProducer producer, AsyncResponseConsumer<T> consumer,
                               HandlerFactory<AsyncPushConsumer> pushHandlerFactory, HttpContext context,
                               FutureCallback<T> callback) {
        RequestProbe.Seen seen;
        try {
            seen = producer == null || consumer == null ? null : RequestProbe.peek(producer, context);
        } catch (RuntimeException | LinkageError agentFault) {
            return null;
        }
        if (seen == null) {
            return null;
        }
        HttpRequest request = seen.request;
        Apache5RequestView view = new Apache5RequestView(target, request, seen.hasBody ? producer : null);
        GatedCall call = Gate.begin(view);
        AsyncRequestProducer toSend = view.producerToSend(producer);
        if (call == null) {
            // Not ours, or fail open: ungated, with what was read of the body if it was.
            return toSend == producer ? null : ungated(client, target, toSend, consumer, pushHandlerFactory, context,
                    callback);
        }
        try {
            // The producer hands this very object to the client when the exchange starts.
            Apache5Requests.strip(runtime, request);
        } catch (RuntimeException agentFault) {
            // the header goes out; the call is gated all the same
        }
        AsyncCall<T> gated = new AsyncCall<>(client, target, toSend, consumer, pushHandlerFactory, context, callback,
                call, view);
        try {
            gated.preemptible = PreemptibleAsync.of(runtime, client, target, seen, toSend, consumer, pushHandlerFactory,
                    context, call, view, gated.result);
        } catch (RuntimeException | LinkageError agentFault) {
            gated.preemptible = null; // sent once, immune
        }
        Gate.whenDecided(gated.permit, null, gated::send);
        return gated.result;
    }

    private static <T> Future<T> ungated(CloseableHttpAsyncClient client, HttpHost target, AsyncRequestProducer producer,
                                         AsyncResponseConsumer<T> consumer,
                                         HandlerFactory<AsyncPushConsumer> pushHandlerFactory, HttpContext context,
                                         FutureCallback<T> callback) {
        ReentryGuard.enter();
        try {
            return client.execute(target, producer, consumer, pushHandlerFactory, context, callback);
        } finally {
            ReentryGuard.exit();
        }
    }

    private void send() {
        if (permit.isCompletedExceptionally()) {
            if (!permit.isCancelled()) {
                result.failed(Gate.failureOf(permit, view));
            }
            return; // the call ended as rejected, or was cancelled while it waited
        }
        if (result.isDone()) {
            call.finish(Outcome.CANCELLED, null);
            return;
        }
        if (preemptible != null) {
            preemptible.send();
            return;
        }
        Future<T> exchange;
        try {
            exchange = Gate.send(call, () -> client.execute(target, producer, new GatedResponseConsumer<>(consumer, call),
                    pushHandlerFactory, context, new GatedCallback<>(call, result)));
        } catch (RuntimeException | Error e) {
            call.finish(Outcome.FAILED, e);
            result.failed(asException(e));
            return;
        }
        result.exchangeStarted(exchange);
    }

    private static Exception asException(Throwable t) {
        return t instanceof Exception ? (Exception) t : new RuntimeException(t);
    }
}
