package dev.rtbe.agent.http.jdk.impl;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLSession;

/**
 * The response the application gets for a call that went out as a stream: the last attempt's
 * status line and headers with the non-streaming body's type and length, and its body handler fed
 * the assembled body, as if the server had sent it.
 */
final class AssembledResponse<T> implements HttpResponse<T> {
    /** The streamed response, when its exchange completed (a preemption at its very end may cancel it after); or null. */
    private final HttpResponse<?> streamed;
    private final HttpRequest request;
    private final HttpClient.Version version;
    private final int status;
    private final HttpHeaders headers;
    private final T body;

    private AssembledResponse(HttpResponse<?> streamed, HttpRequest request, HttpClient.Version version, int status,
                              HttpHeaders headers, T body) {
        this.streamed = streamed;
        this.request = request;
        this.version = version;
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /**
     * Hands {@code bytes} to the application's handler as a response with {@code status}, on the
     * calling thread. The future completes with the response once the handler's body is ready (at
     * once for the JDK's own handlers), or with what the body failed with.
     */
    static <T> CompletableFuture<HttpResponse<T>> deliver(HttpResponse.ResponseInfo stream, HttpResponse<?> streamed,
                                                          HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                          int status, String contentType, byte[] bytes) {
        HttpHeaders headers = headers(stream.headers(), contentType, bytes.length);
        HttpResponse.ResponseInfo info = new Info(status, headers, stream.version());
        HttpResponse.BodySubscriber<T> subscriber = handler.apply(info);
        subscriber.onSubscribe(new OneBuffer(subscriber, bytes));
        return subscriber.getBody().toCompletableFuture().thenApply(
                body -> new AssembledResponse<>(streamed, request, stream.version(), status, headers, body));
    }

    /** The stream's headers, with the body's own type and length instead of the stream's framing. */
    private static HttpHeaders headers(HttpHeaders stream, String contentType, int length) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, List<String>> e : stream.map().entrySet()) {
            String name = e.getKey();
            if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Content-Length")
                    && !name.equalsIgnoreCase("Transfer-Encoding")) {
                map.put(name, e.getValue());
            }
        }
        map.put("Content-Type", Collections.singletonList(contentType));
        map.put("Content-Length", Collections.singletonList(Integer.toString(length)));
        return HttpHeaders.of(map, (name, value) -> true);
    }

    @Override
    public int statusCode() {
        return status;
    }

    @Override
    public HttpRequest request() {
        return request;
    }

    @Override
    public Optional<HttpResponse<T>> previousResponse() {
        return Optional.empty();
    }

    @Override
    public HttpHeaders headers() {
        return headers;
    }

    @Override
    public T body() {
        return body;
    }

    @Override
    public Optional<SSLSession> sslSession() {
        return streamed == null ? Optional.empty() : streamed.sslSession();
    }

    @Override
    public URI uri() {
        return streamed == null ? request.uri() : streamed.uri();
    }

    @Override
    public HttpClient.Version version() {
        return version;
    }

    @Override
    public String toString() {
        return "(" + request.method() + " " + uri() + ") " + status;
    }

    private static final class Info implements HttpResponse.ResponseInfo {
        private final int status;
        private final HttpHeaders headers;
        private final HttpClient.Version version;

        Info(int status, HttpHeaders headers, HttpClient.Version version) {
            this.status = status;
            this.headers = headers;
            this.version = version;
        }

        @Override
        public int statusCode() {
            return status;
        }

        @Override
        public HttpHeaders headers() {
            return headers;
        }

        @Override
        public HttpClient.Version version() {
            return version;
        }
    }

    /** Publishes one buffer on the first demand, then completes; a cancel drops it. */
    private static final class OneBuffer implements Flow.Subscription {
        private final HttpResponse.BodySubscriber<?> subscriber;
        private byte[] bytes;
        private boolean done;

        OneBuffer(HttpResponse.BodySubscriber<?> subscriber, byte[] bytes) {
            this.subscriber = subscriber;
            this.bytes = bytes;
        }

        @Override
        public void request(long n) {
            byte[] b;
            synchronized (this) {
                if (done || n <= 0) {
                    return;
                }
                done = true;
                b = bytes;
                bytes = null;
            }
            if (b.length > 0) {
                subscriber.onNext(Collections.singletonList(ByteBuffer.wrap(b)));
            }
            subscriber.onComplete();
        }

        @Override
        public synchronized void cancel() {
            done = true;
            bytes = null;
        }
    }
}
