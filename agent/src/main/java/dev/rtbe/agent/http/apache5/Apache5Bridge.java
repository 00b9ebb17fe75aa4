package dev.rtbe.agent.http.apache5;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.AdapterHooks;
import dev.rtbe.agent.http.AdviceOutcome;

/**
 * What the advice inlined into Apache HttpClient 5 calls. Boot-loaded, so it uses only
 * {@code java.base} types: the adapter that does use the library's types is created per class
 * loader of the instrumented client (an application may carry its own copy of the library, in
 * any loader) and cached on the client's class. Any failure means "not ours": the original runs.
 */
public final class Apache5Bridge {
    static final String HOOKS = "dev.rtbe.agent.http.apache5.impl.Apache5Hooks";

    /** Implemented by {@code dev.rtbe.agent.http.apache5.impl.Apache5Hooks}. */
    public interface Hooks {
        /**
         * Before a classic {@code doExecute}: null (not ours, run the original), an
         * {@link dev.rtbe.agent.http.AdviceOutcome} to return or throw instead of running it, or a
         * {@link ClassicGate} to hand to the exit advice.
         */
        Object beforeClassic(Object client, Object target, Object request, Object context);

        /** An async {@code doExecute}: null (not ours, run the original) or the future to return. */
        Object executeAsync(Object client, Object target, Object producer, Object consumer, Object pushHandlerFactory,
                            Object context, Object callback);
    }

    /** A classic call let through with a slot; its exit turns the response into a gated one. */
    public interface ClassicGate {
        /** Returns what {@code doExecute} should return; never throws. */
        Object after(Object response, Throwable thrown);
    }

    private static final Hooks NOT_OURS = new Hooks() {
        @Override
        public Object beforeClassic(Object client, Object target, Object request, Object context) {
            return null;
        }

        @Override
        public Object executeAsync(Object client, Object target, Object producer, Object consumer,
                                   Object pushHandlerFactory, Object context, Object callback) {
            return null;
        }
    };

    /** One adapter per client class (and so per loader); a class whose adapter failed gets none. */
    private static final AdapterHooks<Hooks> HOOKS_BY_CLASS =
            new AdapterHooks<>("apache-httpclient5", HOOKS, Hooks.class, NOT_OURS);

    private Apache5Bridge() {}

    private static Hooks hooksFor(Object client) {
        // Inside a call already gated (overloads, decorators, the adapter re-invoking): let it through.
        if (client == null || AgentRuntime.current() == null || ReentryGuard.isActive()) {
            return null;
        }
        return HOOKS_BY_CLASS.of(client);
    }

    public static Object beforeClassic(Object client, Object target, Object request, Object context) {
        Hooks h = hooksFor(client);
        return h == null ? null : h.beforeClassic(client, target, request, context);
    }

    public static Object afterClassic(Object gate, Object response, Throwable thrown) {
        return gate instanceof ClassicGate ? ((ClassicGate) gate).after(response, thrown) : response;
    }

    /**
     * On exit from a classic {@code doExecute} (also skipped, and when it threw): the outcome the
     * enter decided, or the response the gate makes of the original's.
     */
    public static Object exitClassic(Object gate, Object response, Throwable thrown) {
        if (gate instanceof AdviceOutcome) {
            return gate; // refused while waiting, or sent by the agent: the original never ran
        }
        return gate == null ? response : afterClassic(gate, response, thrown);
    }

    public static Object executeAsync(Object client, Object target, Object producer, Object consumer,
                                      Object pushHandlerFactory, Object context, Object callback) {
        Hooks h = hooksFor(client);
        return h == null ? null : h.executeAsync(client, target, producer, consumer, pushHandlerFactory, context,
                callback);
    }
}
