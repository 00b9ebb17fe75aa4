package dev.rtbe.agent.http.jdk.impl;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * Passes a one-shot request body through unchanged and keeps a copy of it, up to a limit, so a
 * preempted call can be sent again. When the whole body went out within the limit, the copy is
 * handed to {@code whenRecorded} (on the client's thread); a larger body is not kept at all.
 */
final class RecordingBodyPublisher implements HttpRequest.BodyPublisher {
    private final HttpRequest.BodyPublisher delegate;
    private final int maxBytes;
    private final Consumer<byte[]> whenRecorded;

    RecordingBodyPublisher(HttpRequest.BodyPublisher delegate, int maxBytes, Consumer<byte[]> whenRecorded) {
        this.delegate = delegate;
        this.maxBytes = maxBytes;
        this.whenRecorded = whenRecorded;
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        delegate.subscribe(new Flow.Subscriber<ByteBuffer>() {
            // One copy per subscription; a subscription's signals are serial.
            private ByteArrayOutputStream copy = new ByteArrayOutputStream();

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(ByteBuffer item) {
                if (copy != null) {
                    if (copy.size() + item.remaining() > maxBytes) {
                        copy = null; // too large to keep: the call stays immune
                    } else {
                        ByteBuffer view = item.duplicate();
                        byte[] bytes = new byte[view.remaining()];
                        view.get(bytes);
                        copy.write(bytes, 0, bytes.length);
                    }
                }
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable throwable) {
                copy = null;
                subscriber.onError(throwable);
            }

            @Override
            public void onComplete() {
                if (copy != null) {
                    try {
                        whenRecorded.accept(copy.toByteArray());
                    } catch (RuntimeException e) {
                        // keeping a copy is best-effort: the exchange goes on either way
                    }
                }
                subscriber.onComplete();
            }
        });
    }
}
