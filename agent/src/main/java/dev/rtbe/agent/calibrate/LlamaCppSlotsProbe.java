package dev.rtbe.agent.calibrate;

import dev.rtbe.agent.call.ReentryGuard;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.time.Duration;
import java.util.function.Function;

/**
 * Asks a llama.cpp server how many slots it has: {@code GET <base>/props}, then
 * {@code GET <base>/slots} if that says nothing. Any failure (refused, timeout, an HTTP error such
 * as 401 or 501 for a disabled endpoint, a body that is not llama.cpp's) reads as unknown; nothing
 * is thrown. Blocking, bounded by the timeout per request (connect, and the whole answer): call it
 * from the agent's own threads, never from an application or event-loop thread.
 *
 * <p>It uses {@link HttpURLConnection}, which the boot class loader (home of the agent) can see,
 * unlike {@code java.net.http}; no proxy, no redirects, no cache. Its requests are sent under the
 * {@link ReentryGuard}, which the instrumentation lets pass ungated, so a probe never waits for a
 * slot nor counts as an LLM call.
 */
public final class LlamaCppSlotsProbe implements Function<URI, LlamaCppSlots> {
    /** A status body larger than this is not llama.cpp's. */
    static final int MAX_BODY_BYTES = 256 * 1024;

    private final Duration timeout;

    public LlamaCppSlotsProbe(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("probe timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
    }

    /** The slots of the server at {@code base} (its root, e.g. {@code http://127.0.0.1:8080}). */
    public LlamaCppSlots probe(URI base) {
        LlamaCppSlots props = LlamaCppSlots.fromProps(get(base, "props"));
        return props.known() ? props : LlamaCppSlots.fromSlots(get(base, "slots"));
    }

    /** {@link #probe}, as the pools' slots reader. */
    @Override
    public LlamaCppSlots apply(URI base) {
        return probe(base);
    }

    /** The body of a 200 answer to {@code GET <base>/<path>}, or null. */
    private byte[] get(URI base, String path) {
        URL url;
        try {
            String root = base.toString();
            url = URI.create((root.endsWith("/") ? root : root + "/") + path).toURL();
        } catch (IllegalArgumentException | IOException badUri) {
            return null;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        HttpURLConnection http = null;
        ReentryGuard.enter();
        try {
            URLConnection c = url.openConnection(Proxy.NO_PROXY);
            if (!(c instanceof HttpURLConnection)) {
                return null;
            }
            http = (HttpURLConnection) c;
            http.setConnectTimeout(millis);
            http.setReadTimeout(millis);
            http.setInstanceFollowRedirects(false);
            http.setUseCaches(false);
            http.setRequestProperty("Accept", "application/json");
            if (http.getResponseCode() != 200) {
                return null;
            }
            try (InputStream in = http.getInputStream()) {
                return readBounded(in, deadline);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        } finally {
            ReentryGuard.exit();
            if (http != null) {
                http.disconnect();
            }
        }
    }

    /** The body, or null when it is too large or still coming at the deadline (a read blocks at most the timeout). */
    private static byte[] readBounded(InputStream in, long deadline) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            body.write(buffer, 0, n);
            if (body.size() > MAX_BODY_BYTES || System.nanoTime() - deadline > 0) {
                return null;
            }
        }
        return body.toByteArray();
    }
}
