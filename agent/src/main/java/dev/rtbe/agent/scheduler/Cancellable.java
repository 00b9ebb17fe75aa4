package dev.rtbe.agent.scheduler;

/** Handle of a task scheduled on a {@link SchedulerClock}. */
public interface Cancellable {
    /** Cancels the task if it has not run yet; harmless afterwards. */
    void cancel();
}
