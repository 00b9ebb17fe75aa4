package dev.rtbe.agent.calibrate;

import dev.rtbe.agent.call.ReentryGuard;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Asks a llama.cpp server how many slots it has: {@code GET <base>/props}, then
 * {@code GET <base>/slots} if that says nothing. Any failure (refused, timeout, an HTTP error such
 * as 401 or 501 for a disabled endpoint, a body that is not llama.cpp's) reads as unknown; nothing
 * is thrown. Blocking, bounded by the timeout: call it from the agent's own threads, never from an
 * application or event-loop thread.
 *
 * <p>The agent instruments {@link HttpClient}; its own calls are sent under the
 * {@link ReentryGuard}, which the instrumentation lets pass ungated, so a probe never waits for a
 * slot nor counts as an LLM call.
 */
public final class LlamaCppSlotsProbe {
    /** A status body larger than this is not llama.cpp's. */
    static final int MAX_BODY_BYTES = 256 * 1024;

    private final HttpClient client;
    private final Duration timeout;

    public LlamaCppSlotsProbe(Duration timeout) {
        this(HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build(),
                timeout);
    }

    public LlamaCppSlotsProbe(HttpClient client, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("probe timeout must be positive, was " + timeout);
        }
        this.client = client;
        this.timeout = timeout;
    }

    /** The slots of the server at {@code base} (its root, e.g. {@code http://127.0.0.1:8080}). */
    public LlamaCppSlots probe(URI base) {
        LlamaCppSlots props = LlamaCppSlots.fromProps(get(base, "props"));
        return props.known() ? props : LlamaCppSlots.fromSlots(get(base, "slots"));
    }

    /** The body of a 200 answer to {@code GET <base>/<path>}, or null. */
    private byte[] get(URI base, String path) {
        HttpRequest request;
        try {
            String root = base.toString();
            request = HttpRequest.newBuilder(URI.create((root.endsWith("/") ? root : root + "/") + path))
                    .timeout(timeout).header("Accept", "application/json").GET().build();
        } catch (IllegalArgumentException badUri) {
            return null;
        }
        ReentryGuard.enter();
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    return null;
                }
                byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
                return body.length > MAX_BODY_BYTES ? null : body;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // unknown; the caller sees the interrupt
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        } finally {
            ReentryGuard.exit();
        }
    }
}
