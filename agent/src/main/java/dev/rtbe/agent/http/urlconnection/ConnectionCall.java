package dev.rtbe.agent.http.urlconnection;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.GatedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;

/**
 * What the agent knows about one {@code HttpURLConnection}: a call spans several of its methods
 * (getOutputStream, getInputStream, getResponseCode, disconnect...), and no field can be added to
 * a JDK class, so this lives beside the connection in {@link ConnectionCalls}. It must never hold
 * the connection strongly (the map's key), hence the weak reference to the body wrapper.
 */
final class ConnectionCall {
    /** Looked at and left alone: another host, a nested call, or the agent was off. */
    static final ConnectionCall NOT_OURS = new ConnectionCall(null);

    final GatedCall call;
    private volatile IOException rejection;
    private volatile boolean responded;
    private volatile WeakReference<GatedInputStream> body = new WeakReference<>(null);

    ConnectionCall(GatedCall call) {
        this.call = call;
    }

    boolean isGated() {
        return call != null;
    }

    /** The failure every later network method of the connection repeats, as the JDK does. */
    IOException rejection() {
        return rejection;
    }

    IOException reject(IOException e) {
        rejection = e;
        return e;
    }

    /** True the first time: the response head arrived and the call should be told. */
    boolean markResponded() {
        if (responded) {
            return false;
        }
        responded = true;
        return true;
    }

    /** The wrapper for the JDK's body stream; the same one each time the JDK returns the same stream. */
    synchronized InputStream bodyFor(InputStream jdkBody, Object connection) {
        GatedInputStream current = body.get();
        if (current != null && current.wraps(jdkBody)) {
            return current;
        }
        GatedInputStream wrapper = new GatedInputStream(jdkBody, call, connection,
                () -> ((java.net.HttpURLConnection) connection).disconnect()); // an early close stops the server
        body = new WeakReference<>(wrapper);
        return wrapper;
    }
}
