package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpEntity;

/** One attempt of a preemptible classic call: its request, whose cancel closes its connection. */
final class ClassicAttempt extends Attempt {
    private final AbortableRequest cancellable;
    private final ClassicHttpRequest request;

    ClassicAttempt(GatedCall call, ClassicHttpRequest original, HttpEntity entity) {
        super(call);
        this.cancellable = AbortableRequest.of(original, entity);
        this.request = cancellable.request();
    }

    /** What the client is given to execute. */
    ClassicHttpRequest request() {
        return request;
    }

    @Override
    void abortExchange() {
        cancellable.cancel();
    }
}
