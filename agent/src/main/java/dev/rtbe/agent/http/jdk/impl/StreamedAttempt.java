package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.PreemptionHandle;
import dev.rtbe.agent.resume.ChatStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The handler of one attempt of a call sent as a stream under the hood. A streamed answer is read
 * here, never by the application: its bytes go to the call's watcher (time to first token,
 * statistics) and to the attempt's {@link ChatStream}, and the attempt stays preemptible to its
 * last byte. Any other response (an error status, a body that is not a stream) is the answer the
 * application would have got: it goes to the application's handler as usual, once the offer ends.
 * The exchange's body is {@link #STREAMED} for a stream read here.
 */
final class StreamedAttempt implements HttpResponse.BodyHandler<Object> {
    /** The body of an exchange whose stream was read here. */
    static final Object STREAMED = new Object();

    private final HttpResponse.BodyHandler<?> application;
    private final GatedCall call;
    private final PreemptionHandle<?> attempt;
    private final ChatStream stream;
    private volatile Reader reader;
    private volatile HttpResponse.ResponseInfo info;

    StreamedAttempt(HttpResponse.BodyHandler<?> application, GatedCall call, PreemptionHandle<?> attempt,
                    ChatStream stream) {
        this.application = application;
        this.call = call;
        this.attempt = attempt;
        this.stream = stream;
    }

    @Override
    @SuppressWarnings("unchecked")
    public HttpResponse.BodySubscriber<Object> apply(HttpResponse.ResponseInfo info) {
        String type = info.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        String encoding = info.headers().firstValue("Content-Encoding").orElse(null);
        if (!ChatStream.isReadableStream(info.statusCode(), type, encoding)) {
            return (HttpResponse.BodySubscriber<Object>) new GatedBodyHandler<>(application, call, attempt).apply(info);
        }
        call.onResponse(info.statusCode(), type, null);
        this.info = info;
        Reader r = new Reader();
        reader = r;
        return r;
    }

    /** The status line and headers of the stream read here, or null. */
    HttpResponse.ResponseInfo info() {
        return info;
    }

    /**
     * Stops taking bytes (the attempt was cut, or its stream ended) and says whether the stream
     * was read here. After it, the stream's state is safe to read on the calling thread.
     */
    boolean close() {
        Reader r = reader;
        if (r == null) {
            return false;
        }
        r.close();
        return true;
    }

    /** Reads the stream; the monitor only orders its updates with {@link #close()}, nothing waits under it. */
    private final class Reader implements HttpResponse.BodySubscriber<Object> {
        private final CompletableFuture<Object> body = new CompletableFuture<>();
        private boolean closed;

        @Override
        public CompletionStage<Object> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                for (ByteBuffer buffer : item) {
                    stream.onBytes(buffer);
                    call.onBytes(buffer);
                }
            }
            call.reportProgress(stream.tokens());
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error); // a cut or a failure: the sending thread tells which
        }

        @Override
        public void onComplete() {
            synchronized (this) {
                if (!closed) {
                    stream.onEnd();
                }
            }
            body.complete(STREAMED);
        }

        synchronized void close() {
            closed = true;
        }
    }
}
