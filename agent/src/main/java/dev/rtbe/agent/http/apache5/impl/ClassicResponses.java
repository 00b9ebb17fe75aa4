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
        GatedEntity gated = new GatedEntity(entity, call, () -> response.close(CloseMode.IMMEDIATE));
        response.setEntity(gated);
        // The entity is reachable while the application holds the response or the body's stream.
        call.reclaimWhenUnreachable(gated);
        return closeAware(response, call);
    }

    /**
     * A graceful close before the end of the body would drain it: the response is wrapped to
     * abort instead, and to see {@code close(CloseMode.IMMEDIATE)}, which only drops the
     * connection (5.5+; older versions keep the response as it is and rely on the entity, the
     * collector and max-hold).
     */
    private static CloseableHttpResponse closeAware(CloseableHttpResponse response, GatedCall call) {
        try {
            return CloseableHttpResponse.create(response, (inner, mode) -> {
                boolean early = !call.isFinished();
                try {
                    if (mode == CloseMode.GRACEFUL && !early) {
                        response.close();
                    } else {
                        response.close(CloseMode.IMMEDIATE); // before the end: abort, never drain
                    }
                } finally {
                    call.finish(early ? Outcome.CANCELLED : Outcome.CLOSED, null);
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
