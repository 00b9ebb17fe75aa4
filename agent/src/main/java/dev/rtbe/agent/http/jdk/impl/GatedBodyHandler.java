package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.PreemptionHandle;
import java.net.http.HttpResponse;

/**
 * Wraps the application's handler so the call sees the response start and its body end. For a
 * preemptible exchange, the response's arrival ends the offer; if the call was preempted first,
 * the application's handler never sees this response (its body is discarded, the exchange is
 * being aborted and the request goes out again).
 */
final class GatedBodyHandler<T> implements HttpResponse.BodyHandler<T> {
    private final HttpResponse.BodyHandler<T> delegate;
    private final GatedCall call;
    /** The attempt this response belongs to, when it may be preempted; else null. */
    private final PreemptionHandle<?> attempt;

    GatedBodyHandler(HttpResponse.BodyHandler<T> delegate, GatedCall call) {
        this(delegate, call, null);
    }

    GatedBodyHandler(HttpResponse.BodyHandler<T> delegate, GatedCall call, PreemptionHandle<?> attempt) {
        this.delegate = delegate;
        this.call = call;
        this.attempt = attempt;
    }

    @Override
    public HttpResponse.BodySubscriber<T> apply(HttpResponse.ResponseInfo info) {
        if (attempt != null && !attempt.responseArrived()) {
            return HttpResponse.BodySubscribers.replacing(null);
        }
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
