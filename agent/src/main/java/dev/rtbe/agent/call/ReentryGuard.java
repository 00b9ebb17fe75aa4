package dev.rtbe.agent.call;

/**
 * Marks the current thread as inside a call the agent already gates (or inside the agent's own
 * work), so that the layers a client calls internally - overloads, redirects, retries, the
 * agent re-invoking the intercepted method - are not gated a second time.
 */
public final class ReentryGuard {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private ReentryGuard() {}

    public static boolean isActive() {
        return DEPTH.get()[0] > 0;
    }

    public static void enter() {
        DEPTH.get()[0]++;
    }

    public static void exit() {
        DEPTH.get()[0]--;
    }
}
