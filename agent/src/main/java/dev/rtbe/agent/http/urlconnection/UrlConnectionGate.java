package dev.rtbe.agent.http.urlconnection;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.RequestView;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
     * null to go on, the I/O failure the method must throw instead (a rejected or interrupted
     * wait), or (streaming mode, {@code getOutputStream()}) the stream to return instead, which
     * holds the body until the call is decided.
     */
    static Object beforeSend(HttpURLConnection connection, boolean output, SunHttpAccess access) {
        ConnectionCall known = ConnectionCalls.get(connection);
        if (known != null) {
            return known.rejection();
        }
        AgentRuntime runtime = AgentRuntime.current();
        if (runtime == null) {
            return null;
        }
        if (output) {
            return access.streaming(connection) ? hold(connection, access, runtime) : null; // else buffered by the JDK
        }
        HeldBody held = ConnectionCalls.release(connection, null);
        if (held != null) {
            return sendHeld(connection, access, held);
        }
        return gate(connection, access, new UrlConnectionView(connection, access, false, null));
    }

    /** Streaming mode: the application writes into a held body; nothing is sent yet. */
    private static Object hold(HttpURLConnection connection, SunHttpAccess access, AgentRuntime runtime) {
        HeldBody held = ConnectionCalls.held(connection);
        if (held != null) {
            return held; // the JDK too returns its one stream again
        }
        if (!connection.getDoOutput()) {
            return null; // the JDK's own error
        }
        if (Gate.runtimeFor(new UrlConnectionView(connection, access, true, null).uri()) == null) {
            ConnectionCalls.put(connection, ConnectionCall.NOT_OURS);
            return null;
        }
        held = new HeldBody(connection, runtime.settings().requestMaxBodyBytes());
        ConnectionCalls.hold(connection, held);
        return held;
    }

    /**
     * The application asks for the response of a streaming-mode request whose body is held: the
     * call is decided with that body, waits, and then the JDK's own stream gets the same bytes.
     */
    private static IOException sendHeld(HttpURLConnection connection, SunHttpAccess access, HeldBody held) {
        IOException refused = gate(connection, access, new UrlConnectionView(connection, access, true, held.bytes()));
        if (refused != null) {
            return refused;
        }
        ConnectionCall state = ConnectionCalls.get(connection);
        try (OutputStream out = connection.getOutputStream()) { // a nested call: the JDK's own stream
            out.write(held.bytes());
        } catch (IOException e) {
            if (state != null && state.isGated()) {
                state.call.finish(Outcome.FAILED, e);
                return state.reject(e);
            }
            return e;
        }
        return null;
    }

    /**
     * A held body passed the limit while the application writes it: the call is decided without
     * it now, waits, and the JDK's own stream is returned to take what was held and the rest.
     */
    static OutputStream sendOverLimit(HttpURLConnection connection, HeldBody held, long seenBytes) throws IOException {
        if (ConnectionCalls.release(connection, held) == null) {
            throw new IOException("rtbe: the request body was already sent");
        }
        Gate.bodyOverLimit("http-urlconnection", seenBytes);
        SunHttpAccess access = UrlConnectionBridge.access();
        IOException refused = access == null ? null
                : gate(connection, access, new UrlConnectionView(connection, access, true, null));
        if (refused != null) {
            throw refused;
        }
        return connection.getOutputStream(); // the call is known now: the JDK's stream, the head goes out
    }

    /** Starts the call, strips the classification header, waits: null once granted, else the failure. */
    private static IOException gate(HttpURLConnection connection, SunHttpAccess access, UrlConnectionView view) {
        AgentRuntime runtime = AgentRuntime.current();
        GatedCall call = runtime == null ? null : Gate.begin(view);
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
        call.onSent(); // the JDK writes the request when the method goes on
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
