package dev.rtbe.agent.http.spring;

import dev.rtbe.agent.http.AdapterHooks;
import dev.rtbe.agent.http.jdk.JdkClientBridge;
import java.io.Closeable;
import java.io.IOException;

/**
 * What the advice inlined into Spring's JDK connectors calls. Boot-loaded, so it uses only
 * {@code java.base} types; the reactive part, which needs Reactor's types, is an adapter created
 * per class loader of Reactor. Whether a response is a gated call's still running is the JDK
 * adapter's to say.
 */
public final class SpringJdkBridge {
    static final String HOOKS = "dev.rtbe.agent.http.spring.impl.SpringJdkHooks";

    /** Implemented by {@code dev.rtbe.agent.http.spring.impl.SpringJdkHooks}. */
    public interface Hooks {
        /** {@code body} (a {@code Flux}) with a cancel that aborts {@code response}'s exchange. */
        Object abortOnCancel(Object response, Object body);
    }

    private static final AdapterHooks<Hooks> HOOKS_BY_CLASS =
            new AdapterHooks<>("spring-jdk-connectors", HOOKS, Hooks.class, (response, body) -> body);

    private SpringJdkBridge() {}

    /**
     * The blocking response's close: if its call still runs, the exchange is aborted and Spring's
     * body stream closed without being read to its end (true: the original close is skipped).
     * Otherwise false: the original runs (it drains what is left, so the connection is reused).
     */
    public static boolean closeBeforeEnd(Object response, Object body) {
        if (!JdkClientBridge.abortIfRunning(response)) {
            return false;
        }
        try {
            if (body instanceof Closeable) {
                ((Closeable) body).close(); // Spring's wrappers (read timeout, decompression) end too
            }
        } catch (IOException | RuntimeException closingAnAbortedExchange) {
            // the exchange is over either way; Spring's own close ignores these too
        }
        return true;
    }

    /** The reactive response's body: cancelling it while the call runs aborts the exchange. */
    public static Object abortOnCancel(Object response, Object body) {
        if (body == null || !JdkClientBridge.isRunning(response)) {
            return body;
        }
        return HOOKS_BY_CLASS.of(body).abortOnCancel(response, body);
    }
}
