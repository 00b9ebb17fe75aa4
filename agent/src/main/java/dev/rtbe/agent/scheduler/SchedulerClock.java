package dev.rtbe.agent.scheduler;

/**
 * Time source and the one timer the scheduler uses for wait limits. Injectable so tests run on a
 * virtual clock instead of sleeping.
 */
public interface SchedulerClock {
    /** Monotonic time in nanoseconds, comparable only with itself. */
    long nanoTime();

    /**
     * Runs {@code task} once at or after {@code deadlineNanos} (in {@link #nanoTime()} terms), on
     * a thread that holds none of the scheduler's locks.
     */
    Cancellable schedule(long deadlineNanos, Runnable task);

    /** The real clock: {@link System#nanoTime()} and one shared daemon timer thread. */
    static SchedulerClock system() {
        return SystemSchedulerClock.INSTANCE;
    }
}
