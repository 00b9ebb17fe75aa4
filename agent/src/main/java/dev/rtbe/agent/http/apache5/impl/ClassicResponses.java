package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.EofSensorInputStream;
import org.apache.hc.core5.io.CloseMode;

/** Gives a classic response a body that ends the call, and a close that ends it too. */
final class ClassicResponses {
    /** Whether this copy of the library has {@code close(CloseMode)} on its responses (5.5+). */
    private static final boolean MODAL_CLOSE = hasModalClose();

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
        GatedEntity gated = new GatedEntity(entity, call, () -> abort(response, entity));
        response.setEntity(gated);
        // The entity is reachable while the application holds the response or the body's stream.
        call.reclaimWhenUnreachable(gated);
        return closeAware(response, call);
    }

    /**
     * A graceful close before the end of the body would drain it: the response is wrapped to
     * abort instead, and to see {@code close(CloseMode.IMMEDIATE)}, which only drops the
     * connection (5.5+; older versions keep the response as it is: their close closes the entity
     * first, whose close aborts).
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

    private static boolean hasModalClose() {
        try {
            CloseableHttpResponse.class.getMethod("close", CloseMode.class);
            return true;
        } catch (NoSuchMethodException | LinkageError older) {
            return false;
        }
    }

    /**
     * Drops the connection without reading the rest of the body: {@code close(CloseMode.IMMEDIATE)}
     * where the response has it (5.5+), else an abort of the client's body stream, which closes the
     * connection in every 5.x ({@code EofSensorInputStream.abort}). Never the graceful close, which
     * would read the body to its end.
     */
    static void abort(CloseableHttpResponse response) {
        abort(response, response.getEntity());
    }

    private static void abort(CloseableHttpResponse response, HttpEntity entity) {
        if (entity == null) {
            return;
        }
        if (MODAL_CLOSE) {
            response.close(CloseMode.IMMEDIATE);
            return;
        }
        try {
            InputStream in = entity.getContent();
            if (in instanceof EofSensorInputStream) {
                ((EofSensorInputStream) in).abort();
            } else if (in != null) {
                in.close(); // an entity the exec chain did not make: nothing better to do than its own close
            }
        } catch (IOException closingAnAbortedExchange) {
            // the exchange is over either way
        }
    }

    private static String header(CloseableHttpResponse response, String name) {
        Header h = response.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }
}
