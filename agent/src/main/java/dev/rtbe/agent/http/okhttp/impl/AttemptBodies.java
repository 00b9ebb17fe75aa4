package dev.rtbe.agent.http.okhttp.impl;

import java.util.Map;
import java.util.WeakHashMap;
import okhttp3.RequestBody;

/**
 * The body each attempt of a preemptible call sends in place of its request's own: the bytes the
 * call was classified by, or the streaming (continuing) body of a resumed call. An attempt is a
 * fresh {@code Call} of the application's client with the application's request, so its
 * interceptors run on it as on the first; the body is swapped as the attempt enters its
 * interceptor chain. Keyed weakly by the attempt's call.
 */
final class AttemptBodies {
    private static final Map<Object, RequestBody> BODIES = new WeakHashMap<>();

    private AttemptBodies() {}

    static void put(Object attempt, RequestBody body) {
        synchronized (BODIES) {
            BODIES.put(attempt, body);
        }
    }

    /** The body to send for {@code call}, or null when it is no attempt of a preemptible call. */
    static RequestBody take(Object call) {
        if (call == null) {
            return null;
        }
        synchronized (BODIES) {
            return BODIES.remove(call);
        }
    }
}
