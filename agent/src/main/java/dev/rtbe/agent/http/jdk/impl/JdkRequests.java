package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.wire.LlmRequest;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;

/** Reads what classification needs from a JDK request, and strips the classification header. */
final class JdkRequests {
    private JdkRequests() {}

    /** The request as it will be sent, its classification header value, and what its body says. */
    static final class Prepared {
        final HttpRequest request;
        final String headerValue;
        final LlmRequest llmRequest;
        /** How the request could be sent again, should the call be preempted. */
        final Resend resend;

        Prepared(HttpRequest request, String headerValue, LlmRequest llmRequest, Resend resend) {
            this.request = request;
            this.headerValue = headerValue;
            this.llmRequest = llmRequest;
            this.resend = resend;
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
        String headerValue = request.headers().firstValue(headerName).orElse(null);
        byte[] body = peekBody(request, runtime.inspector().maxBodyBytes());
        LlmRequest llm = runtime.inspector().inspect(request.uri().getRawPath(), body);
        HttpRequest toSend = request;
        if (headerValue != null && runtime.settings().classifyHeaderStrip()) {
            toSend = withoutHeader(request, headerName);
        }
        return new Prepared(toSend, headerValue, llm, resendOf(request, runtime.settings().preemptionMaxBodyBytes()));
    }

    /**
     * No body, or one of the JDK's in-memory publishers within the limit: those publish the same
     * bytes to every subscriber, so the request can go out again as it is. Any other body may be
     * one-shot (Spring's streamed bodies, input streams): a copy is kept as it goes out, if its
     * length is unknown or within the limit.
     */
    static Resend resendOf(HttpRequest request, int maxBytes) {
        HttpRequest.BodyPublisher publisher = request.bodyPublisher().orElse(null);
        if (publisher == null || publisher.getClass().getName().equals("jdk.internal.net.http.RequestPublishers$EmptyPublisher")) {
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
