package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.reactornetty.ReactorNettyBridge;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.ByteBufMono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * Called from the advice on {@code HttpClientFinalizer}'s terminal methods, on the application's
 * thread as it finishes building the request. A request to a configured endpoint is classified
 * here by the rules that need this thread and answered with a gated publisher of the same type,
 * which subscribes to the original (built by calling the same method again under the
 * {@link ReentryGuard}) with the request held on its connection until the body was seen, the call
 * decided and its slot granted. Returning null runs the original untouched: other hosts, the agent's
 * own re-invocation, the agent off, or any fault of the agent's (fail open).
 */
public final class ReactorNettyHooks implements ReactorNettyBridge.Hooks {
    public ReactorNettyHooks() {}

    @Override
    public Object receive(Object receiver, String method, Object function) {
        if (ReentryGuard.isActive() || !(receiver instanceof HttpClient)) {
            return null;
        }
        try {
            PreparedRequest request = PreparedRequest.of((HttpClient) receiver);
            return request == null ? null : gate(request, method, function);
        } catch (RuntimeException | LinkageError agentFault) {
            return null;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object gate(PreparedRequest request, String method, Object function) {
        switch (method) {
            case "responseContent":
                return Responses.content(request);
            case "response":
                return function == null ? Responses.headersOnly(request)
                        : Responses.withBody(request, (BiFunction) function);
            case "responseSingle":
                return Responses.single(request, (BiFunction) function);
            case "responseConnection":
                return Responses.connection(request, (BiFunction) function);
            default:
                return null;
        }
    }

    /** One gated publisher per terminal method, each watching the body bytes the application gets. */
    static final class Responses {
        private Responses() {}

        static ByteBufFlux content(PreparedRequest request) {
            return ByteBufFlux.fromInbound(GatedExchange.flux(request, a -> receiver(request, a).responseContent()
                    .doOnNext(bytes -> BodyWatch.onBytes(a.end().call(), bytes))), request.alloc);
        }

        static Mono<HttpClientResponse> headersOnly(PreparedRequest request) {
            return GatedExchange.mono(request, a -> receiver(request, a).response());
        }

        static <V> Object withBody(PreparedRequest request,
                                   BiFunction<? super HttpClientResponse, ? super ByteBufFlux, ? extends Publisher<V>> fn) {
            return GatedExchange.flux(request, a -> receiver(request, a).response((response, body) ->
                    fn.apply(response, ByteBufFlux.fromInbound(body.doOnNext(bytes -> BodyWatch.onBytes(a.end().call(), bytes)),
                            request.alloc))));
        }

        static <V> Object single(PreparedRequest request,
                                 BiFunction<? super HttpClientResponse, ? super ByteBufMono, ? extends Mono<V>> fn) {
            return GatedExchange.mono(request, a -> receiver(request, a).responseSingle((response, body) ->
                    fn.apply(response, ByteBufFlux.fromInbound(body.doOnNext(bytes -> BodyWatch.onBytes(a.end().call(), bytes)),
                            request.alloc).aggregate())));
        }

        static <V> Object connection(PreparedRequest request,
                                     BiFunction<? super HttpClientResponse, ? super Connection, ? extends Publisher<V>> fn) {
            return GatedExchange.flux(request, a -> receiver(request, a).responseConnection((response, connection) -> {
                a.end().handOver(connection);
                BodyWatch.watchInbound(connection, a.end().call()); // the application reads the body off the connection
                return fn.apply(response, connection);
            }));
        }

        /**
         * The prepared client, holding each request of this attempt on its connection until the
         * call has a slot, and reporting each response's head to the call. An attempt after a
         * preemption sends the kept request instead of running the application's send again.
         */
        private static HttpClient.ResponseReceiver<?> receiver(PreparedRequest request, Attempt attempt) {
            HttpClient client = request.client
                    .doOnRequest((sent, connection) -> HoldUntilGranted.install(connection, attempt, request.maxBodyBytes,
                            request.headerName))
                    .doOnResponse((response, connection) -> BodyWatch.onResponse(attempt.end().call(), response));
            return attempt.isFirst() ? (HttpClient.ResponseReceiver<?>) client
                    : Resend.of((HttpClient.RequestSender) client, attempt.end().kept(), attempt.body());
        }
    }
}
