package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.io.CloseMode;

/** Gives a classic response a body that ends the call, and a close that ends it too. */
final class ClassicResponses {
    private ClassicResponses() {}

    static CloseableHttpResponse gate(CloseableHttpResponse response, GatedCall call) {
        HttpEntity entity = response.getEntity();
        call.onResponse(response.getCode(), entity != null ? entity.getContentType() : header(response, "Content-Type"),
                entity != null ? entity.getContentEncoding() : header(response, "Content-Encoding"));
        if (entity == null || !entity.isStreaming()) {
            // Nothing left on the wire (no body, or one the client already holds in memory).
            call.finish(Outcome.COMPLETED, null);
            return response;
        }
        GatedEntity gated = new GatedEntity(entity, call);
        response.setEntity(gated);
        // The entity is reachable while the application holds the response or the body's stream.
        call.reclaimWhenUnreachable(gated);
        return closeAware(response, call);
    }

    /**
     * A graceful close reaches the gated entity anyway; {@code close(CloseMode.IMMEDIATE)} only
     * drops the connection, so the response is wrapped to see it (5.5+; older versions keep the
     * response as it is and rely on the entity, the collector and max-hold).
     */
    private static CloseableHttpResponse closeAware(CloseableHttpResponse response, GatedCall call) {
        try {
            return CloseableHttpResponse.create(response, (inner, mode) -> {
                try {
                    if (mode == CloseMode.GRACEFUL) {
                        response.close();
                    } else {
                        response.close(mode);
                    }
                } finally {
                    call.finish(Outcome.CLOSED, null);
                }
            });
        } catch (LinkageError olderLibrary) {
            return response;
        }
    }

    private static String header(CloseableHttpResponse response, String name) {
        Header h = response.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }
}
