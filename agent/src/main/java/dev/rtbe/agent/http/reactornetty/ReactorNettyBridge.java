package dev.rtbe.agent.http.reactornetty;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.http.AdapterHooks;

/**
 * What the advice inlined into Reactor Netty's {@code HttpClientFinalizer} calls. Boot-loaded, so
 * it uses no Reactor type; the hooks that do are loaded beside the Reactor Netty that the
 * instrumented object came from (any application loader, e.g. Spring Boot's), one per such class.
 */
public final class ReactorNettyBridge {
    static final String HOOKS = "dev.rtbe.agent.http.reactornetty.impl.ReactorNettyHooks";

    /** Implemented by {@code dev.rtbe.agent.http.reactornetty.impl.ReactorNettyHooks}. */
    public interface Hooks {
        /**
         * The gated replacement for {@code receiver.method(function)}, or null: not ours, run the
         * original.
         *
         * @param function the method's argument, or null for the methods without one
         */
        Object receive(Object receiver, String method, Object function);
    }

    private static final Hooks NOT_OURS = (receiver, method, function) -> null;

    /** Hooks per finalizer class (so per Reactor Netty copy), dropped with that class. */
    private static final AdapterHooks<Hooks> HOOKS_BY_CLASS = new AdapterHooks<>("reactor-netty", HOOKS, Hooks.class, NOT_OURS);

    private ReactorNettyBridge() {}

    public static Object receive(Object receiver, String method, Object function) {
        if (receiver == null || AgentRuntime.current() == null) {
            return null;
        }
        return HOOKS_BY_CLASS.of(receiver).receive(receiver, method, function);
    }
}
