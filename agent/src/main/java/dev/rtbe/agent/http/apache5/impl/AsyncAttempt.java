package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import java.util.concurrent.Future;

/** One attempt of a preemptible async call: cancelling its exchange's future ends it on the wire. */
final class AsyncAttempt extends Attempt {
    private volatile Future<?> exchange;

    AsyncAttempt(GatedCall call) {
        super(call);
    }

    void started(Future<?> f) {
        exchange = f;
        if (aborted()) {
            f.cancel(true);
        }
    }

    @Override
    void abortExchange() {
        Future<?> f = exchange;
        if (f != null) {
            f.cancel(true);
        }
    }
}
