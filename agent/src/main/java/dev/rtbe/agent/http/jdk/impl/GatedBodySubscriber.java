package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.stream.BaseStream;

/**
 * Passes every signal to the application's subscriber unchanged, and ends the call at the body's
 * end: complete, error, or cancellation of the subscription (which is what closing an
 * {@code ofInputStream} body or abandoning a {@code ofPublisher} body does; the call then ends
 * cancelled by the application).
 */
final class GatedBodySubscriber<T> implements HttpResponse.BodySubscriber<T> {
    private final HttpResponse.BodySubscriber<T> delegate;
    private final GatedCall call;

    GatedBodySubscriber(HttpResponse.BodySubscriber<T> delegate, GatedCall call) {
        this.delegate = delegate;
        this.call = call;
    }

    @Override
    public CompletionStage<T> getBody() {
        return delegate.getBody().thenApply(body -> {
            // A lazily read body the application may drop without closing: reclaim it on GC.
            if (body instanceof InputStream || body instanceof BaseStream || body instanceof Flow.Publisher) {
                call.reclaimWhenUnreachable(body);
            }
            return body;
        });
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        delegate.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                subscription.request(n);
            }

            /**
             * The application gave the body up before its end (closed its stream, cancelled its
             * publisher): the JDK's cancel closes the connection, then the call ends cancelled.
             */
            @Override
            public void cancel() {
                try {
                    subscription.cancel();
                } finally {
                    call.finish(Outcome.CANCELLED, null);
                }
            }
        });
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        for (ByteBuffer buffer : item) {
            call.onBytes(buffer);
        }
        delegate.onNext(item);
    }

    @Override
    public void onError(Throwable throwable) {
        call.finish(Outcome.FAILED, throwable);
        delegate.onError(throwable);
    }

    @Override
    public void onComplete() {
        call.finish(Outcome.COMPLETED, null);
        delegate.onComplete();
    }
}
