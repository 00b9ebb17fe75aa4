package dev.rtbe.agent.http.urlconnection;

import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import java.net.HttpURLConnection;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Duration;
import java.util.concurrent.CancellationException;

/**
 * An {@code HttpURLConnection}'s request as the gate sees it, just before it leaves the JVM;
 * failures as the JDK reports them. The connect timeout also bounds the wait (the wait is the
 * first part of getting a connection to the server).
 */
final class UrlConnectionView implements RequestView {
    private final HttpURLConnection connection;
    private final SunHttpAccess access;
    /** The body goes through getOutputStream() in streaming mode: not in the JDK's buffer. */
    private final boolean streaming;
    /** That body as the application wrote it, held until now; null when not held (over the limit). */
    private final byte[] held;

    UrlConnectionView(HttpURLConnection connection, SunHttpAccess access, boolean streaming, byte[] held) {
        this.connection = connection;
        this.access = access;
        this.streaming = streaming;
        this.held = held;
    }

    @Override
    public URI uri() {
        URL url = connection.getURL();
        try {
            return url == null ? null : url.toURI();
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** getOutputStream() turns a GET into a POST after this point, as the JDK sends it. */
    @Override
    public String method() {
        String method = connection.getRequestMethod();
        return streaming && "GET".equals(method) ? "POST" : method;
    }

    @Override
    public String header(String name) {
        return connection.getRequestProperty(name);
    }

    @Override
    public byte[] body(int maxBytes) {
        if (streaming) {
            return held != null && held.length <= maxBytes ? held : null;
        }
        return access.bufferedBody(connection, maxBytes);
    }

    @Override
    public Duration ownTimeout() {
        int connectTimeout = connection.getConnectTimeout();
        return connectTimeout > 0 ? Duration.ofMillis(connectTimeout) : null;
    }

    /** As a connect timeout fails. */
    @Override
    public Exception timeoutFailure(QueueTimeoutException e) {
        SocketTimeoutException timeout = new SocketTimeoutException("connect timed out: " + e.getMessage());
        timeout.initCause(e);
        return timeout;
    }

    /** disconnect() from another thread while the call waited: the slot went straight back. */
    @Override
    public Exception cancelledFailure(CancellationException e) {
        SocketException disconnected = new SocketException("rtbe: the connection was disconnected while its call waited for a slot");
        disconnected.initCause(e);
        return disconnected;
    }
}
