package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.PreemptionHandle;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpEntity;

/** One attempt of a preemptible classic call: its request, whose cancel closes its connection. */
final class ClassicAttempt {
    private final AbortableRequest cancellable;
    private final ClassicHttpRequest request;
    private final PreemptionHandle<AbortableRequest> preemption;

    ClassicAttempt(GatedCall call, ClassicHttpRequest original, HttpEntity entity) {
        this.cancellable = AbortableRequest.of(original, entity);
        this.request = cancellable.request();
        this.preemption = new PreemptionHandle<>(call, AbortableRequest::cancel);
        preemption.started(cancellable);
    }

    /** What the client is given to execute. */
    ClassicHttpRequest request() {
        return request;
    }

    /** Its offer for preemption, ended when its response reaches the application. */
    PreemptionHandle<AbortableRequest> preemption() {
        return preemption;
    }

    /** Ends the exchange on the wire without reading the rest; may run on any thread, more than once. */
    void abortExchange() {
        cancellable.cancel();
    }
}
