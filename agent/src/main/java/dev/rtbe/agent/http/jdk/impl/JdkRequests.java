package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;

/** Reads what classification needs from a JDK request, and strips the classification header. */
final class JdkRequests {
    private JdkRequests() {}

    /** The request as it will be sent, and as the gate sees it. */
    static final class Prepared {
        final AgentRuntime runtime;
        final HttpRequest request;
        final JdkRequestView view;
        /** How the request could be sent again, should the call be preempted. */
        final Resend resend;
        /** A one-shot body to read before the call is decided, or null. */
        final HttpRequest.BodyPublisher toCollect;

        Prepared(AgentRuntime runtime, HttpRequest request, JdkRequestView view, Resend resend,
                 HttpRequest.BodyPublisher toCollect) {
            this.runtime = runtime;
            this.request = request;
            this.view = view;
            this.resend = resend;
            this.toCollect = toCollect;
        }

        /** Starts reading the one-shot body. */
        BodyCollector collect() {
            return BodyCollector.start(toCollect, runtime.settings().requestMaxBodyBytes());
        }

        /** The same request once its body was read: sent from what was read, seen with it. */
        Prepared collected(BodyCollector body) {
            if (body.overLimit()) {
                Gate.bodyOverLimit("jdk-httpclient", runtime.settings().requestMaxBodyBytes() + 1L);
            }
            HttpRequest sent = withBody(request, body.toSend());
            return new Prepared(runtime, sent, view.withBody(body.bytes()),
                    resendOf(sent, runtime.settings().preemptionMaxBodyBytes()), null);
        }
    }

    /** Whether a request can go out again after an abort. */
    enum Resend {
        /** As it is: no body, or one of the JDK's in-memory publishers within the limit. */
        AS_IS,
        /** Once a copy of its one-shot body was kept while it went out (within the limit). */
        FROM_COPY,
        /** Never: the body is larger than the limit. */
        NO
    }

    static Prepared prepare(AgentRuntime runtime, HttpRequest request) {
        String headerName = runtime.classifier().headerName();
        HttpRequest toSend = request;
        if (request.headers().firstValue(headerName).isPresent() && runtime.settings().classifyHeaderStrip()) {
            toSend = withoutHeader(request, headerName);
        }
        HttpRequest.BodyPublisher body = request.bodyPublisher().orElse(null);
        return new Prepared(runtime, toSend, new JdkRequestView(request, null),
                resendOf(request, runtime.settings().preemptionMaxBodyBytes()),
                isOneShot(body) && fits(body, runtime.settings().requestMaxBodyBytes()) ? body : null);
    }

    /** Any body but none, an empty one, or the JDK's in-memory ones (which can be read again). */
    private static boolean isOneShot(HttpRequest.BodyPublisher body) {
        return body != null && !body.getClass().getName().equals(EMPTY) && !isRepeatableInMemory(body);
    }

    /** Worth reading: the length is unknown or within the limit; a longer body is said once and sent as it is. */
    private static boolean fits(HttpRequest.BodyPublisher body, int maxBytes) {
        long length = body.contentLength();
        if (length > maxBytes) {
            Gate.bodyOverLimit("jdk-httpclient", length);
            return false;
        }
        return maxBytes > 0;
    }

    private static final String EMPTY = "jdk.internal.net.http.RequestPublishers$EmptyPublisher";

    /**
     * No body, or one of the JDK's in-memory publishers within the limit: those publish the same
     * bytes to every subscriber, so the request can go out again as it is. Any other body may be
     * one-shot (Spring's streamed bodies, input streams): a copy is kept as it goes out, if its
     * length is unknown or within the limit.
     */
    static Resend resendOf(HttpRequest request, int maxBytes) {
        HttpRequest.BodyPublisher publisher = request.bodyPublisher().orElse(null);
        if (publisher == null || publisher.getClass().getName().equals(EMPTY)) {
            return Resend.AS_IS;
        }
        long length = publisher.contentLength();
        if (length > maxBytes) {
            return Resend.NO;
        }
        return isRepeatableInMemory(publisher) && length >= 0 ? Resend.AS_IS : Resend.FROM_COPY;
    }

    /** A copy of the request with another body; everything else as it was. */
    static HttpRequest withBody(HttpRequest request, HttpRequest.BodyPublisher body) {
        return copy(request, body, null);
    }

    /**
     * The body's bytes, only for the JDK's own in-memory publishers ({@code ofString},
     * {@code ofByteArray}): they deliver synchronously and can be subscribed again, so reading
     * them here never consumes what the client will send. Any other body stays unread (null).
     */
    static byte[] peekBody(HttpRequest request, int maxBytes) {
        HttpRequest.BodyPublisher publisher = request.bodyPublisher().orElse(null);
        if (publisher == null || !isRepeatableInMemory(publisher)) {
            return null;
        }
        long length = publisher.contentLength();
        if (length < 0 || length > maxBytes) {
            return null;
        }
        Collector collector = new Collector((int) length);
        publisher.subscribe(collector);
        return collector.bytes();
    }

    private static boolean isRepeatableInMemory(HttpRequest.BodyPublisher publisher) {
        String name = publisher.getClass().getName();
        return name.startsWith("jdk.internal.net.http.RequestPublishers$")
                && (name.endsWith("$ByteArrayPublisher") || name.endsWith("$StringPublisher"));
    }

    /** A copy of the request without one header; everything else as it was. */
    static HttpRequest withoutHeader(HttpRequest request, String headerName) {
        return copy(request, request.bodyPublisher().orElse(HttpRequest.BodyPublishers.noBody()), headerName);
    }

    private static HttpRequest copy(HttpRequest request, HttpRequest.BodyPublisher body, String withoutHeader) {
        HttpRequest.Builder copy = HttpRequest.newBuilder(request.uri())
                .method(request.method(), body)
                .expectContinue(request.expectContinue());
        request.timeout().ifPresent(copy::timeout);
        request.version().ifPresent(copy::version);
        for (Map.Entry<String, List<String>> header : request.headers().map().entrySet()) {
            if (header.getKey().equalsIgnoreCase(withoutHeader)) {
                continue;
            }
            for (String value : header.getValue()) {
                copy.header(header.getKey(), value);
            }
        }
        return copy.build();
    }

    /** Collects a synchronous publisher's bytes; gives up (null) if it does not finish at once. */
    private static final class Collector implements Flow.Subscriber<ByteBuffer> {
        private final byte[] bytes;
        private int filled;
        private boolean complete;
        private boolean failed;
        private Flow.Subscription subscription;

        Collector(int length) {
            bytes = new byte[length];
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(ByteBuffer item) {
            int n = item.remaining();
            if (filled + n > bytes.length) {
                failed = true;
                subscription.cancel();
                return;
            }
            item.get(bytes, filled, n);
            filled += n;
        }

        @Override
        public void onError(Throwable throwable) {
            failed = true;
        }

        @Override
        public void onComplete() {
            complete = true;
        }

        byte[] bytes() {
            if (!complete || failed || filled != bytes.length) {
                if (subscription != null && !complete) {
                    subscription.cancel();
                }
                return null;
            }
            return bytes;
        }
    }
}
