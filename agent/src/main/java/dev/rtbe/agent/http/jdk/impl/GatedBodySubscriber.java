package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;
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
    private volatile Flow.Subscription upstream;
    /** Aborted through {@link #abort} before the subscription came. */
    private volatile boolean abandoned;

    GatedBodySubscriber(HttpResponse.BodySubscriber<T> delegate, GatedCall call) {
        this.delegate = delegate;
        this.call = call;
    }

    @Override
    public CompletionStage<T> getBody() {
        return delegate.getBody().thenApply(new Watched());
    }

    /** The body as handed over (a class, not a lambda: none is spun on a call's path). */
    private final class Watched implements Function<T, T> {
        @Override
        public T apply(T body) {
            // A lazily read body the application may drop without closing: reclaim it on GC; and
            // one a library may close by reading it to its end: let it abort instead (OpenBodies).
            if (body instanceof InputStream || body instanceof BaseStream || body instanceof Flow.Publisher) {
                call.reclaimWhenUnreachable(body);
                OpenBodies.add(body, GatedBodySubscriber.this);
            }
            return body;
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        upstream = subscription;
        delegate.onSubscribe(new CancelAware(subscription));
        if (abandoned) {
            subscription.cancel(); // aborted before the exchange handed its body over
        }
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

    boolean isFinished() {
        return call.isFinished();
    }

    /**
     * Ends the exchange before its end, as the application closing {@code body} itself would: a
     * stream is closed (the JDK then cancels, wakes any reader and closes the connection), any
     * other body's subscription is cancelled. Returns false if the call had ended already.
     */
    boolean abort(Object body) {
        if (call.isFinished()) {
            return false;
        }
        if (body instanceof InputStream) {
            try {
                ((InputStream) body).close();
            } catch (IOException closingAnAbortedExchange) {
                // the exchange is over either way
            }
        } else {
            abandoned = true;
            Flow.Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
        }
        call.finish(Outcome.CANCELLED, null); // when the close above did not end it already
        return true;
    }

    /**
     * The application gave the body up before its end (closed its stream, cancelled its
     * publisher): the JDK's cancel closes the connection, then the call ends cancelled.
     */
    private final class CancelAware implements Flow.Subscription {
        private final Flow.Subscription subscription;

        CancelAware(Flow.Subscription subscription) {
            this.subscription = subscription;
        }

        @Override
        public void request(long n) {
            subscription.request(n);
        }

        @Override
        public void cancel() {
            try {
                subscription.cancel();
            } finally {
                call.finish(Outcome.CANCELLED, null);
            }
        }
    }
}
