package dev.rtbe.agent.http.reactornetty;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.http.AdapterClassLoader;

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

    /** Hooks per finalizer class (so per Reactor Netty copy), dropped with that class. */
    private static final ClassValue<Hooks> HOOKS_BY_CLASS = new ClassValue<Hooks>() {
        @Override
        protected Hooks computeValue(Class<?> type) {
            try {
                return AdapterClassLoader.instantiate(HOOKS, type.getClassLoader(), Hooks.class);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                AgentRuntime runtime = AgentRuntime.current();
                AgentLog log = runtime == null ? AgentLog.stderr() : runtime.log();
                log.warn("reactor-netty in " + type.getClassLoader() + " stays ungated: its adapter failed to load: " + e);
                return NOT_OURS;
            }
        }
    };

    private static final Hooks NOT_OURS = (receiver, method, function) -> null;

    private ReactorNettyBridge() {}

    public static Object receive(Object receiver, String method, Object function) {
        if (receiver == null || AgentRuntime.current() == null) {
            return null;
        }
        return HOOKS_BY_CLASS.get(receiver.getClass()).receive(receiver, method, function);
    }
}
