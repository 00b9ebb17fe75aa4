package dev.rtbe.agent.http.reactornetty.impl;

import io.netty.buffer.Unpooled;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * The request of an attempt after a preemption: the same head as first written (its headers,
 * including those a layer above set inside the exchange) and the kept body, or its continuation,
 * in place of the application's send, which may not be repeatable.
 */
final class Resend {
    private Resend() {}

    static HttpClient.ResponseReceiver<?> of(HttpClient.RequestSender client, KeptRequest kept, byte[] body) {
        return client.send((request, outbound) -> {
            request.headers(kept.headers(body.length));
            return outbound.send(Mono.just(Unpooled.wrappedBuffer(body)));
        });
    }
}
