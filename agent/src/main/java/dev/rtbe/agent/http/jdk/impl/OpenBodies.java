package dev.rtbe.agent.http.jdk.impl;

import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The lazily read bodies (stream, publisher) handed to the application, each with the subscriber
 * that can abort its exchange: so that a library that wraps the response and would read the rest
 * of the body when it is closed (Spring's {@code JdkClientHttpResponse}) can have the exchange
 * aborted instead. Weak both ways: an entry keeps neither a body nor its exchange alive (the
 * subscriber is reachable from its body while the exchange runs), so the garbage-collection
 * safety net on the body still works.
 */
final class OpenBodies {
    private static final Map<Object, WeakReference<GatedBodySubscriber<?>>> BODIES =
            Collections.synchronizedMap(new WeakHashMap<>());

    private OpenBodies() {}

    static void add(Object body, GatedBodySubscriber<?> subscriber) {
        BODIES.put(body, new WeakReference<>(subscriber));
    }

    /** The subscriber of {@code body} while its call runs; null for another body or an ended call. */
    static GatedBodySubscriber<?> running(Object body) {
        WeakReference<GatedBodySubscriber<?>> ref = body == null ? null : BODIES.get(body);
        GatedBodySubscriber<?> subscriber = ref == null ? null : ref.get();
        return subscriber == null || subscriber.isFinished() ? null : subscriber;
    }
}
