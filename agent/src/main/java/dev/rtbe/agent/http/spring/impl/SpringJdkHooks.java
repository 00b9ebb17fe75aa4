package dev.rtbe.agent.http.spring.impl;

import dev.rtbe.agent.http.jdk.JdkClientBridge;
import dev.rtbe.agent.http.spring.SpringJdkBridge;
import reactor.core.publisher.Flux;

/**
 * Loaded beside Reactor. Spring caches the body ({@code cache(0)}), and a cache never cancels its
 * source: the cancel is seen here, after the cache, and aborts the JDK exchange (which ends the
 * call cancelled). As with any cancelled JDK body, the cache's source then hears nothing more.
 */
public final class SpringJdkHooks implements SpringJdkBridge.Hooks {
    public SpringJdkHooks() {}

    @Override
    public Object abortOnCancel(Object response, Object body) {
        return ((Flux<?>) body).doOnCancel(() -> JdkClientBridge.abortIfRunning(response));
    }
}
