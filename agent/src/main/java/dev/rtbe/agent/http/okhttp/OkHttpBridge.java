package dev.rtbe.agent.http.okhttp;

import dev.rtbe.agent.call.AgentLog;
import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.AdapterClassLoader;

/**
 * What the advice inlined into OkHttp's classes calls. Boot-loaded, so it names no OkHttp type:
 * the hooks that do are loaded beside each class loader that has OkHttp (an application may
 * have several), found through the class of the instrumented object and remembered per class.
 * Every failure means "not ours": the original OkHttp code runs.
 */
public final class OkHttpBridge {
    static final String HOOKS = "dev.rtbe.agent.http.okhttp.impl.OkHttpHooks";

    /** Implemented by {@code dev.rtbe.agent.http.okhttp.impl.OkHttpHooks}. */
    public interface Hooks {
        /** Null: not ours, run the original {@code RealCall.execute()}; otherwise an {@link ExecuteOutcome}. */
        Object execute(Object call);

        /** False: not ours, run the original {@code RealCall.enqueue(callback)}; true: taken over. */
        boolean enqueue(Object call, Object callback);

        /** {@code RealCall.cancel()} ran: a call still waiting for a slot leaves the queue. */
        void cancelled(Object call);

        /** The request without the classification header, or null to keep it as it is. */
        Object stripHeader(Object request);
    }

    /**
     * Marks the callback of a gated asynchronous call: while OkHttp runs that call on its
     * dispatcher thread, the thread is inside a gated call (see {@link ReentryGuard}).
     */
    public interface GatedCallback {}

    private static final Hooks NONE = new Hooks() {
        @Override
        public Object execute(Object call) {
            return null;
        }

        @Override
        public boolean enqueue(Object call, Object callback) {
            return false;
        }

        @Override
        public void cancelled(Object call) {}

        @Override
        public Object stripHeader(Object request) {
            return null;
        }
    };

    /** One adapter per OkHttp class: its loader is the one that can see OkHttp. Weak in the class. */
    private static final ClassValue<Hooks> HOOKS_BY_CLASS = new ClassValue<Hooks>() {
        @Override
        protected Hooks computeValue(Class<?> type) {
            try {
                return AdapterClassLoader.instantiate(HOOKS, type.getClassLoader(), Hooks.class);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                AgentRuntime runtime = AgentRuntime.current();
                AgentLog log = runtime == null ? AgentLog.stderr() : runtime.log();
                log.warn("okhttp calls from " + type.getClassLoader() + " stay ungated: its adapter failed to load: " + e);
                return NONE;
            }
        }
    };

    private OkHttpBridge() {}

    private static Hooks hooksFor(Object okhttpObject) {
        if (okhttpObject == null || AgentRuntime.current() == null) {
            return NONE;
        }
        return HOOKS_BY_CLASS.get(okhttpObject.getClass());
    }

    public static Object execute(Object call) {
        return ReentryGuard.isActive() ? null : hooksFor(call).execute(call);
    }

    public static boolean enqueue(Object call, Object callback) {
        return !ReentryGuard.isActive() && hooksFor(call).enqueue(call, callback);
    }

    public static void cancelled(Object call) {
        hooksFor(call).cancelled(call);
    }

    public static Object stripHeader(Object request) {
        return hooksFor(request).stripHeader(request);
    }
}
