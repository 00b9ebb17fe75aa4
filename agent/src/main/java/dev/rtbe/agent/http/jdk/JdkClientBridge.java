package dev.rtbe.agent.http.jdk;

/**
 * What the advice inlined into {@code HttpClientImpl} calls. It lives on the boot class path and
 * uses only {@code java.base} types, because the boot loader cannot see {@code java.net.http};
 * the hooks that do use those types are loaded beside the platform loader and installed here.
 */
public final class JdkClientBridge {
    /** Implemented by {@code dev.rtbe.agent.http.jdk.impl.JdkHttpClientHooks}. */
    public interface Hooks {
        /** Null: not ours, run the original; otherwise a {@link dev.rtbe.agent.http.AdviceOutcome}. */
        Object send(Object client, Object request, Object handler);

        /** Null: not ours, run the original; otherwise the future to return. */
        Object sendAsync(Object client, Object request, Object handler, Object pushPromiseHandler);

        /** True if {@code response}'s body belongs to a gated call still running. */
        boolean isRunning(Object response);

        /**
         * Aborts the exchange of {@code response} if its call still runs (true), as the application
         * closing or cancelling the body itself would; false for other or ended calls.
         */
        boolean abortIfRunning(Object response);
    }

    private static volatile Hooks hooks;

    private JdkClientBridge() {}

    public static void install(Hooks installed) {
        hooks = installed;
    }

    public static Object send(Object client, Object request, Object handler) {
        Hooks h = hooks;
        return h == null ? null : h.send(client, request, handler);
    }

    public static Object sendAsync(Object client, Object request, Object handler, Object pushPromiseHandler) {
        Hooks h = hooks;
        return h == null ? null : h.sendAsync(client, request, handler, pushPromiseHandler);
    }

    /**
     * For libraries that wrap a {@code java.net.http.HttpResponse} and would read the rest of a
     * running call's body when it is closed or cancelled (Spring's connectors): true if this
     * response's body belongs to a gated call that still runs.
     */
    public static boolean isRunning(Object response) {
        Hooks h = hooks;
        return h != null && response != null && h.isRunning(response);
    }

    /** Aborts the exchange of {@code response} if its gated call still runs; see {@link Hooks#abortIfRunning}. */
    public static boolean abortIfRunning(Object response) {
        Hooks h = hooks;
        return h != null && response != null && h.abortIfRunning(response);
    }
}
