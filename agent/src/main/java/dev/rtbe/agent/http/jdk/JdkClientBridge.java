package dev.rtbe.agent.http.jdk;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

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

    /**
     * True once the advice on the client's private {@code sendAsync(request, handler, push, executor)}
     * is in place: a blocking {@code send} can then hand its exchange's future to {@link #watchExchange}.
     */
    private static volatile boolean exchangesVisible;

    /** Who wants the future of the exchange the current thread's blocking {@code send} starts; or null. */
    private static final ThreadLocal<Consumer<CompletableFuture<?>>> EXCHANGE_WATCHER = new ThreadLocal<>();

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

    /** Called when the advice on the private {@code sendAsync} was installed. */
    public static void exchangesVisible() {
        exchangesVisible = true;
    }

    /** Whether {@link #watchExchange} sees the exchanges of blocking sends. */
    public static boolean areExchangesVisible() {
        return exchangesVisible;
    }

    /**
     * The future of the next exchange a blocking {@code send} on this thread starts goes to
     * {@code watcher} (so it can be cancelled, which aborts it on the wire); null stops watching.
     */
    public static void watchExchange(Consumer<CompletableFuture<?>> watcher) {
        EXCHANGE_WATCHER.set(watcher);
    }

    /** From the advice on the private {@code sendAsync}: its future, on the thread that called it. */
    public static void exchangeStarted(Object future) {
        Consumer<CompletableFuture<?>> watcher = EXCHANGE_WATCHER.get();
        if (watcher != null && future instanceof CompletableFuture) {
            EXCHANGE_WATCHER.set(null); // one exchange per watch: the send's own
            watcher.accept((CompletableFuture<?>) future);
        }
    }

    /** Aborts the exchange of {@code response} if its gated call still runs; see {@link Hooks#abortIfRunning}. */
    public static boolean abortIfRunning(Object response) {
        Hooks h = hooks;
        return h != null && response != null && h.abortIfRunning(response);
    }
}
