package dev.rtbe.agent.telemetry;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Turns the scheduler clock's monotonic nanoseconds into epoch nanoseconds through one anchor
 * taken at start-up, so every timestamp of a call is exact relative to the others.
 */
public final class EpochClock {
    private final long offsetNanos;

    private EpochClock(long offsetNanos) {
        this.offsetNanos = offsetNanos;
    }

    /** Anchors {@code monotonic} to the wall clock now. */
    public static EpochClock anchor(LongSupplier monotonic) {
        Instant now = Instant.now();
        long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return new EpochClock(epochNanos - monotonic.getAsLong());
    }

    /** A fixed offset, for tests. */
    public static EpochClock withOffset(long offsetNanos) {
        return new EpochClock(offsetNanos);
    }

    public long toEpochNanos(long monotonicNanos) {
        return monotonicNanos + offsetNanos;
    }
}
