package dev.rtbe.agent.http.urlconnection;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Connection -> its call, weakly keyed so a dropped connection leaves no trace. The JDK's
 * connection classes keep Object's identity equals/hashCode, so a WeakHashMap is an identity map
 * here. The lock is held only for a lookup or an insert, never while waiting for a slot.
 */
final class ConnectionCalls {
    private static final Map<Object, ConnectionCall> CALLS = Collections.synchronizedMap(new WeakHashMap<>());
    /** Streaming-mode bodies held until the call is decided. */
    private static final Map<Object, HeldBody> HELD = Collections.synchronizedMap(new WeakHashMap<>());

    private ConnectionCalls() {}

    static ConnectionCall get(Object connection) {
        return CALLS.get(connection);
    }

    static void put(Object connection, ConnectionCall call) {
        CALLS.put(connection, call);
    }

    static HeldBody held(Object connection) {
        return HELD.get(connection);
    }

    static void hold(Object connection, HeldBody body) {
        HELD.put(connection, body);
    }

    /** The held body, taken: it is decided on now. Null when none (or taken already). */
    static HeldBody release(Object connection, HeldBody expected) {
        synchronized (HELD) {
            HeldBody held = HELD.get(connection);
            if (held == null || (expected != null && held != expected)) {
                return null;
            }
            HELD.remove(connection);
            return held;
        }
    }
}
