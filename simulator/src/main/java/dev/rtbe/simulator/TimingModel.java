package dev.rtbe.simulator;

/**
 * Turns request sizes into MODEL-time durations (nanoseconds a real server would take) and those into wall-clock
 * nanoseconds through the time scale. Header overrides replace the modelled prefill or total generation time.
 */
final class TimingModel {
    private final SimulatorConfig config;

    TimingModel(SimulatorConfig config) {
        this.config = config;
    }

    /** Deterministic prompt token count: ceil(chars / charsPerToken), at least 1. */
    int promptTokens(String promptText) {
        int per = config.charsPerToken();
        return Math.max(1, (promptText.length() + per - 1) / per);
    }

    /** Prefill (prompt evaluation) model time. */
    long prefillNanos(int promptTokens, Double overrideMs) {
        if (overrideMs != null) return msToNanos(overrideMs);
        return Math.round(promptTokens * 1e9 / config.promptTokensPerSecond());
    }

    /**
     * Model time of decode step {@code step} (0-based of {@code steps}) while {@code running} sequences share the
     * batch. With a generation-time override the total is split evenly instead, and the steps add up to it exactly.
     */
    long decodeStepNanos(int running, int step, int steps, Double genOverrideMs) {
        if (genOverrideMs != null) {
            long total = msToNanos(genOverrideMs);
            return Math.round((double) total * (step + 1) / steps) - Math.round((double) total * step / steps);
        }
        double rate = config.decodeTokensPerSecond() / (1 + config.decodeSlowdown() * Math.max(0, running - 1));
        return Math.round(1e9 / rate);
    }

    /** Load time for a model's first request(s), model time. */
    long loadNanos() {
        return config.modelLoadTime().toNanos();
    }

    long toWall(long modelNanos) {
        return Math.round(modelNanos / config.timeScale());
    }

    long toModel(long wallNanos) {
        return Math.round(wallNanos * config.timeScale());
    }

    private static long msToNanos(double ms) {
        return Math.max(0, Math.round(ms * 1_000_000d));
    }
}
