package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import java.net.http.HttpResponse;

/** Wraps the application's handler so the call sees the response start and its body end. */
final class GatedBodyHandler<T> implements HttpResponse.BodyHandler<T> {
    private final HttpResponse.BodyHandler<T> delegate;
    private final GatedCall call;

    GatedBodyHandler(HttpResponse.BodyHandler<T> delegate, GatedCall call) {
        this.delegate = delegate;
        this.call = call;
    }

    @Override
    public HttpResponse.BodySubscriber<T> apply(HttpResponse.ResponseInfo info) {
        call.onResponse(info.statusCode(), info.headers().firstValue("Content-Type").orElse(null),
                info.headers().firstValue("Content-Encoding").orElse(null));
        HttpResponse.BodySubscriber<T> subscriber;
        try {
            subscriber = delegate.apply(info);
        } catch (RuntimeException | Error e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        return new GatedBodySubscriber<>(subscriber, call);
    }
}
