package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import org.apache.hc.core5.concurrent.FutureCallback;

/**
 * Given to the real async exchange in place of the application's callback: the exchange is over
 * (the consumer has seen the whole body, or it failed or was cancelled), so the slot is released
 * first, then the application's future and callback hear of it.
 */
final class GatedCallback<T> implements FutureCallback<T> {
    private final GatedCall call;
    private final GatedFuture<T> result;

    GatedCallback(GatedCall call, GatedFuture<T> result) {
        this.call = call;
        this.result = result;
    }

    @Override
    public void completed(T value) {
        call.finish(Outcome.COMPLETED, null);
        result.completed(value);
    }

    @Override
    public void failed(Exception error) {
        call.finish(Outcome.FAILED, error);
        result.failed(error);
    }

    @Override
    public void cancelled() {
        call.finish(Outcome.CANCELLED, null);
        result.cancel();
    }
}
