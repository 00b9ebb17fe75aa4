package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.AgentRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import org.apache.hc.client5.http.async.methods.SimpleBody;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.config.Configurable;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.util.Timeout;

/** Reads what gating needs from an Apache request: where it goes, its header, its body, its timeout. */
final class Apache5Requests {
    private Apache5Requests() {}

    /** Where the request goes, or null when it names no host (the client will reject it anyway). */
    static URI targetUri(Object target, HttpRequest request) {
        try {
            if (target instanceof HttpHost) {
                return URI.create(((HttpHost) target).toURI() + pathOf(request));
            }
            URI uri = request.getUri();
            return uri.isAbsolute() && uri.getHost() != null ? uri : null;
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static String pathOf(HttpRequest request) {
        String path = request.getPath();
        return path == null || path.isEmpty() ? "/" : path.startsWith("/") ? path : "/" + path;
    }

    static String headerValue(HttpRequest request, String name) {
        Header header = request.getFirstHeader(name);
        return header == null ? null : header.getValue();
    }

    /**
     * Takes the classification header off the request before it is sent, when the settings ask
     * for it; returns what was removed (empty when nothing was).
     */
    static Header[] strip(AgentRuntime runtime, HttpRequest request) {
        String name = runtime.classifier().headerName();
        Header[] present = request.getHeaders(name);
        if (present.length == 0 || !runtime.settings().classifyHeaderStrip()) {
            return new Header[0];
        }
        request.removeHeaders(name);
        return present;
    }

    /**
     * The body, read only from in-memory, repeatable bodies: a classic
     * {@code StringEntity}/{@code ByteArrayEntity}, or a {@code SimpleHttpRequest}'s body.
     */
    static byte[] bodyOf(HttpRequest request, int maxBytes) {
        if (request instanceof SimpleHttpRequest) {
            SimpleBody body = ((SimpleHttpRequest) request).getBody();
            return body == null ? null : body.getBodyBytes();
        }
        if (request instanceof ClassicHttpRequest) {
            return bytesOf(((ClassicHttpRequest) request).getEntity(), maxBytes);
        }
        return null;
    }

    private static byte[] bytesOf(HttpEntity entity, int maxBytes) {
        // Repeatable and not streaming: the content is in memory and each getContent() is fresh.
        if (entity == null || !entity.isRepeatable() || entity.isStreaming()) {
            return null;
        }
        long length = entity.getContentLength();
        if (length < 0 || length > maxBytes) {
            return null;
        }
        try (InputStream in = entity.getContent()) {
            return in == null ? null : in.readNBytes(maxBytes);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The request's own connection-request timeout, when the application set one on the request:
     * the longest it agreed to wait before its exchange may start, so it also bounds the queue wait.
     * A client-wide default, or the library's own default (3 minutes) carried by any request config
     * built without it, bounds nothing here: it would cut batch waits the scheduler allows.
     */
    static Duration ownTimeout(HttpRequest request) {
        if (!(request instanceof Configurable)) {
            return null;
        }
        RequestConfig config = ((Configurable) request).getConfig();
        Timeout timeout = config == null ? null : config.getConnectionRequestTimeout();
        if (timeout == null || timeout.isDisabled() || timeout.toMilliseconds() <= 0
                || timeout.toMilliseconds() == RequestConfig.DEFAULT.getConnectionRequestTimeout().toMilliseconds()) {
            return null;
        }
        return Duration.ofMillis(timeout.toMilliseconds());
    }
}
