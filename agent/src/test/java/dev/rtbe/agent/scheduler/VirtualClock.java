package dev.rtbe.agent.scheduler;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A clock that moves only when a test says so. Due tasks run on the advancing thread, in deadline
 * order, with the clock set to each task's deadline, and never under this clock's own monitor.
 */
public final class VirtualClock implements SchedulerClock {
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now = 1_000_000_000L; // not zero, so arithmetic around the origin is exercised
    private long sequence;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Cancellable schedule(long deadlineNanos, Runnable task) {
        Task t = new Task(deadlineNanos, sequence++, task);
        tasks.add(t);
        return () -> {
            synchronized (VirtualClock.this) {
                tasks.remove(t);
            }
        };
    }

    public void advance(Duration d) {
        advanceNanos(d.toNanos());
    }

    public void advanceNanos(long nanos) {
        long target;
        synchronized (this) {
            target = now + nanos;
        }
        while (true) {
            Task due;
            synchronized (this) {
                due = tasks.peek();
                if (due == null || due.deadline > target) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = Math.max(now, due.deadline);
            }
            due.task.run();
        }
    }

    /** When the next scheduled task is due, or Long.MAX_VALUE when none is. */
    public synchronized long nextDeadline() {
        Task due = tasks.peek();
        return due == null ? Long.MAX_VALUE : due.deadline;
    }

    public synchronized int pendingTasks() {
        return tasks.size();
    }

    private static final class Task implements Comparable<Task> {
        final long deadline;
        final long seq;
        final Runnable task;

        Task(long deadline, long seq, Runnable task) {
            this.deadline = deadline;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
