package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.ReentryGuard;

/**
 * Runs application code (a {@code Callback}) outside the reentry guard of the gated call that
 * invokes it: a new call the application makes from there is a new logical call, gated anew.
 */
final class Unguarded {
    private Unguarded() {}

    static int suspend() {
        int depth = 0;
        while (ReentryGuard.isActive()) {
            ReentryGuard.exit();
            depth++;
        }
        return depth;
    }

    static void resume(int depth) {
        for (int i = 0; i < depth; i++) {
            ReentryGuard.enter();
        }
    }
}
