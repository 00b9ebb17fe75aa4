package dev.rtbe.agent.http.urlconnection;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.RequestView;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;

/**
 * The life of one {@code HttpURLConnection} call, driven from the outermost of its network methods
 * on the application's thread.
 *
 * <p>When the slot is taken: just before the request leaves the JVM. In the default mode the JDK
 * keeps the body written to {@code getOutputStream()} in memory and sends head and body together
 * in {@code getInputStream()} (which {@code getResponseCode()}, {@code getHeaderField()} and the
 * like call): the call is classified and waits there, with the whole body readable, so the
 * streaming rule applies. In fixed-length or chunked streaming mode the head goes out in
 * {@code getOutputStream()} and the body after it, unseen: the call waits there and is classified
 * by header, stack, thread and default only. {@code connect()} alone sends nothing and is not
 * gated: a connection opened early stays idle while its call waits.
 *
 * <p>The connect timeout, when set, also bounds the queue wait (the wait is the first part of
 * getting a connection to the server); it fails as {@link SocketTimeoutException}, as a connect
 * timeout does. The read timeout applies to reads only. Redirects and the JDK's own retry happen
 * inside {@code getInputStream()}: one slot for the whole logical call.
 */
final class UrlConnectionGate {
    private UrlConnectionGate() {}

    /**
     * Before {@code getInputStream()} ({@code output} false) or {@code getOutputStream()}: returns
     * null to go on, or the I/O failure the method must throw instead (a rejected or interrupted wait).
     */
    static IOException beforeSend(HttpURLConnection connection, boolean output, SunHttpAccess access) {
        ConnectionCall known = ConnectionCalls.get(connection);
        if (known != null) {
            return known.rejection();
        }
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime == null) {
            return null;
        }
        if (output && !access.streaming(connection)) {
            return null; // the body is buffered: the request goes out with getInputStream(), decided there
        }
        UrlConnectionView view = new UrlConnectionView(connection, access, output);
        GatedCall call = Gate.begin(view);
        if (call == null) {
            ConnectionCalls.put(connection, ConnectionCall.NOT_OURS);
            return null;
        }
        String headerName = runtime.classifier().headerName();
        if (connection.getRequestProperty(headerName) != null && runtime.settings().classifyHeaderStrip()) {
            access.removeHeader(connection, headerName);
        }
        ConnectionCall state = new ConnectionCall(call);
        ConnectionCalls.put(connection, state);
        call.reclaimWhenUnreachable(connection); // never read, never disconnected, dropped
        Exception refused = Gate.await(call, view);
        if (refused != null) {
            return state.reject(RequestView.asIoFailure(refused));
        }
        call.onSent(); // the JDK writes the request when this method goes on
        return null;
    }

    /**
     * After {@code getInputStream()}: the body to hand to the application (wrapped), or the call's
     * end if the method failed. A 4xx/5xx status also ends it here: the JDK throws, the exchange is
     * over on the server (an LLM server reports errors before or instead of generating), and
     * applications often never read the error body.
     */
    static Object afterInput(HttpURLConnection connection, Object body, Throwable thrown, int status) {
        ConnectionCall state = ConnectionCalls.get(connection);
        if (state == null || !state.isGated() || state.rejection() != null) {
            return body;
        }
        GatedCall call = state.call;
        if (thrown != null) {
            if (status >= 400) {
                responded(state, connection, status);
            }
            call.finish(Outcome.FAILED, thrown);
            return body;
        }
        if (!(body instanceof InputStream)) {
            return body;
        }
        responded(state, connection, status);
        return state.bodyFor((InputStream) body, connection);
    }

    /** After {@code getOutputStream()}: a failure there (refused, timeout) ends a call gated there. */
    static void afterOutput(HttpURLConnection connection, Throwable thrown) {
        if (thrown == null) {
            return;
        }
        ConnectionCall state = ConnectionCalls.get(connection);
        if (state != null && state.isGated() && state.rejection() == null) {
            state.call.finish(Outcome.FAILED, thrown);
        }
    }

    /**
     * {@code disconnect()} (after the socket is closed): the application gave the call up before
     * its end, so it ends cancelled; after the body's end it is over already.
     */
    static void disconnect(HttpURLConnection connection) {
        ConnectionCall state = ConnectionCalls.get(connection);
        if (state != null && state.isGated()) {
            state.call.finish(Outcome.CANCELLED, null);
        }
    }

    private static void responded(ConnectionCall state, HttpURLConnection connection, int status) {
        if (state.markResponded()) {
            // These read the parsed response head; their own getInputStream() is a nested call.
            state.call.onResponse(status, connection.getContentType(), connection.getContentEncoding());
        }
    }
}
