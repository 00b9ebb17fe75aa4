package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.http.apache5.Apache5Bridge;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.nio.AsyncPushConsumer;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.HandlerFactory;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The adapter behind {@link Apache5Bridge}, loaded beside the application's copy of the library.
 * Returning null lets the original method run untouched: other hosts, nested calls, unknown
 * shapes, or the agent off.
 */
public final class Apache5Hooks implements Apache5Bridge.Hooks {
    public Apache5Hooks() {}

    @Override
    public Object beforeClassic(Object client, Object target, Object request, Object context) {
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime == null || !(request instanceof ClassicHttpRequest) || (target != null && !(target instanceof HttpHost))) {
            return null;
        }
        return ClassicCall.open(runtime, client, target, (ClassicHttpRequest) request, context);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object executeAsync(Object client, Object target, Object producer, Object consumer, Object pushHandlerFactory,
                               Object context, Object callback) {
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime == null || !(client instanceof CloseableHttpAsyncClient) || !(producer instanceof AsyncRequestProducer)
                || !(consumer instanceof AsyncResponseConsumer) || (target != null && !(target instanceof HttpHost))
                || (context != null && !(context instanceof HttpContext))) {
            return null;
        }
        return AsyncCall.start(runtime, (CloseableHttpAsyncClient) client, (HttpHost) target,
                (AsyncRequestProducer) producer, (AsyncResponseConsumer<Object>) consumer,
                (HandlerFactory<AsyncPushConsumer>) pushHandlerFactory, (HttpContext) context,
                (FutureCallback<Object>) callback);
    }
}
