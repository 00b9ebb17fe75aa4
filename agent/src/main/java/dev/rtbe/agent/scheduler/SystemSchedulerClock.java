package dev.rtbe.agent.scheduler;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** {@link System#nanoTime()} plus one daemon timer thread, created on first use. */
final class SystemSchedulerClock implements SchedulerClock {
    static final SystemSchedulerClock INSTANCE = new SystemSchedulerClock();

    private SystemSchedulerClock() {}

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(long deadlineNanos, Runnable task) {
        long delay = Math.max(0, deadlineNanos - System.nanoTime());
        ScheduledFuture<?> future = Timer.EXECUTOR.schedule(task, delay, TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    /** Holder idiom: the thread exists only once a wait limit is actually used. */
    private static final class Timer {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "rtbe-scheduler-timer");
                thread.setDaemon(true);
                return thread;
            });
            // Waiters granted before their deadline cancel their task: drop it at once, not at expiry.
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }
    }
}
