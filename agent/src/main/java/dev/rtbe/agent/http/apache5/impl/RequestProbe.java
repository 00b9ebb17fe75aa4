package dev.rtbe.agent.http.apache5.impl;

import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.RequestChannel;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The request an async producer will send, learnt before anything is sent. Only producers whose
 * {@code sendRequest} is {@code BasicRequestProducer}'s own are asked: it just hands over the
 * request object it holds, so asking twice is harmless. That covers {@code SimpleRequestProducer},
 * {@code AsyncRequestBuilder} and the usual integrations; any other producer stays ungated.
 */
final class RequestProbe {
    private static final ClassValue<Boolean> PLAIN = new ClassValue<Boolean>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("sendRequest", RequestChannel.class, HttpContext.class).getDeclaringClass()
                        == BasicRequestProducer.class;
            } catch (NoSuchMethodException | SecurityException e) {
                return false;
            }
        }
    };

    private RequestProbe() {}

    /** The request, or null when the producer is not one we may ask. */
    static Seen peek(AsyncRequestProducer producer, HttpContext context) {
        if (!(producer instanceof BasicRequestProducer) || !PLAIN.get(producer.getClass())) {
            return null;
        }
        Seen[] seen = new Seen[1];
        try {
            producer.sendRequest((request, entityDetails, ctx) -> seen[0] = new Seen(request, entityDetails != null,
                    entityDetails != null ? entityDetails.getContentType() : null),
                    context);
        } catch (Exception e) {
            return null;
        }
        return seen[0] == null || seen[0].request == null ? null : seen[0];
    }

    /** What the producer would send: the request, and whether a body follows it. */
    static final class Seen {
        final HttpRequest request;
        final boolean hasBody;
        /** The body's type as the producer declares it, or null. */
        final String contentType;

        Seen(HttpRequest request, boolean hasBody, String contentType) {
            this.request = request;
            this.hasBody = hasBody;
            this.contentType = contentType;
        }
    }
}
