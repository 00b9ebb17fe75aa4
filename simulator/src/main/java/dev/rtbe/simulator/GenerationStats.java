package dev.rtbe.simulator;

/** Final-chunk figures, all in UNSCALED model nanoseconds, as a real server would report them. */
record GenerationStats(
        String model,
        String doneReason,
        long totalNanos,
        long loadNanos,
        int promptTokens,
        long promptEvalNanos,
        int evalCount,
        long evalNanos) {
}
