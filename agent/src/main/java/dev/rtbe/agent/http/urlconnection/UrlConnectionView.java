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
    /** Gated in getOutputStream() (streaming mode): the body is not written yet. */
    private final boolean output;

    UrlConnectionView(HttpURLConnection connection, SunHttpAccess access, boolean output) {
        this.connection = connection;
        this.access = access;
        this.output = output;
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
        return output && "GET".equals(method) ? "POST" : method;
    }

    @Override
    public String header(String name) {
        return connection.getRequestProperty(name);
    }

    @Override
    public byte[] body(int maxBytes) {
        return output ? null : access.bufferedBody(connection, maxBytes);
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
