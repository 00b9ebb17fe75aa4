package dev.rtbe.agent.http.okhttp;

import dev.rtbe.agent.call.AgentRuntime;
import dev.rtbe.agent.call.ReentryGuard;
import dev.rtbe.agent.http.AdapterHooks;

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
        /** Null: not ours, run the original {@code RealCall.execute()}; otherwise an {@link dev.rtbe.agent.http.AdviceOutcome}. */
        Object execute(Object call);

        /** False: not ours, run the original {@code RealCall.enqueue(callback)}; true: taken over. */
        boolean enqueue(Object call, Object callback);

        /** {@code RealCall.cancel()} ran: a call still waiting for a slot leaves the queue. */
        void cancelled(Object call);

        /**
         * The request of {@code call} as the server should see it (no classification header, a body
         * read before the call was decided sent from its copy, an attempt's own body), or null to
         * keep it as it is.
         */
        Object asSent(Object call, Object request);
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
        public Object asSent(Object call, Object request) {
            return null;
        }
    };

    /** One adapter per OkHttp class: its loader is the one that can see OkHttp. */
    private static final AdapterHooks<Hooks> HOOKS_BY_CLASS = new AdapterHooks<>("okhttp", HOOKS, Hooks.class, NONE);

    private OkHttpBridge() {}

    private static Hooks hooksFor(Object okhttpObject) {
        if (okhttpObject == null || AgentRuntime.current() == null) {
            return NONE;
        }
        return HOOKS_BY_CLASS.of(okhttpObject);
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

    public static Object asSent(Object call, Object request) {
        return hooksFor(request).asSent(call, request);
    }

    /** On entry to {@code RealInterceptorChain.proceed(Request)}: the request to send instead, at the chain's entry only. */
    public static Object proceedRequest(int index, Object call, Object request) {
        return index == 0 ? asSent(call, request) : null;
    }

    /** On entry to the method that runs an asynchronous call: whether it is a gated one (then guarded). */
    public static boolean enterAsyncRun(Object callback) {
        if (callback instanceof GatedCallback) {
            ReentryGuard.enter();
            return true;
        }
        return false;
    }

    /** On exit from it, with what {@link #enterAsyncRun} returned. */
    public static void exitAsyncRun(boolean guarded) {
        if (guarded) {
            ReentryGuard.exit();
        }
    }
}
