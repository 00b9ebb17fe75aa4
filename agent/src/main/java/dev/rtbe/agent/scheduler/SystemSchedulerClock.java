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
        return new Scheduled(Timer.EXECUTOR.schedule(task, delay, TimeUnit.NANOSECONDS));
    }

    /** A class, not a lambda: none is spun on a call's path. */
    private static final class Scheduled implements Cancellable {
        private final ScheduledFuture<?> future;

        Scheduled(ScheduledFuture<?> future) {
            this.future = future;
        }

        @Override
        public void cancel() {
            future.cancel(false);
        }
    }

    /** Holder idiom: the thread exists only once a wait limit is actually used. */
    private static final class Timer {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                    new DaemonThreads("rtbe-scheduler-timer"));
            // Waiters granted before their deadline cancel their task: drop it at once, not at expiry.
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }
    }
}
