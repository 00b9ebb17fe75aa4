package dev.rtbe.agent.http.reactornetty.impl;

import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.http.reactornetty.ExchangeHeaders;
import java.net.URI;
import reactor.netty.http.client.HttpClientConfig;

/**
 * A Reactor Netty request as the gate sees it when the application finishes building it: target,
 * method and its headers (configured, or applied later inside the exchange by Spring's WebClient).
 * Failures reach the application as the publisher's error (the scheduler's own IOException).
 */
final class ReactorRequestView implements RequestView {
    private final HttpClientConfig config;

    ReactorRequestView(HttpClientConfig config) {
        this.config = config;
    }

    @Override
    public URI uri() {
        return PreparedRequest.target(config);
    }

    @Override
    public String method() {
        return config.method().name();
    }

    /** Configured on the client, or set by Spring's WebClient inside the exchange (its filters included). */
    @Override
    public String header(String name) {
        String configured = config.headers().get(name);
        return configured != null ? configured : ExchangeHeaders.current(name);
    }

    /** The body is a publisher that may be one-shot: it is read as it is written ({@link HoldUntilGranted}). */
    @Override
    public byte[] body(int maxBytes) {
        return null;
    }
}
