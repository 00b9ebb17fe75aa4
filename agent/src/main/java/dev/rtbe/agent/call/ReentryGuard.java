package dev.rtbe.agent.call;

/**
 * Marks the current thread as inside a call the agent already gates (or inside the agent's own
 * work), so that the layers a client calls internally - overloads, redirects, retries, the
 * agent re-invoking the intercepted method - are not gated a second time.
 */
public final class ReentryGuard {
    private static final ThreadLocal<int[]> DEPTH = new ThreadLocal<int[]>() {
        @Override
        protected int[] initialValue() {
            return new int[1]; // a class, not withInitial's lambda: none is spun on a call's path
        }
    };

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
