package dev.rtbe.agent.http.okhttp.impl;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * What {@code Call.cancel()} must do to a gated call: leave the queue while it waits, give the
 * slot back once it runs. Keyed weakly by the call (OkHttp's calls keep identity equality), so an
 * entry lives as long as the application keeps the call; the actions never reference the call.
 */
final class Cancellations {
    private static final Map<Object, Runnable> ACTIONS = new WeakHashMap<>();

    private Cancellations() {}

    static void register(Object call, Runnable onCancel) {
        synchronized (ACTIONS) {
            ACTIONS.put(call, onCancel);
        }
    }

    static void cancelled(Object call) {
        Runnable action;
        synchronized (ACTIONS) {
            action = ACTIONS.remove(call);
        }
        if (action != null) {
            action.run(); // outside the lock: it may complete futures
        }
    }
}
