package dev.rtbe.agent.scheduler;

/** The class's queue already held its maximum number of waiters. */
public final class QueueFullException extends SchedulerRejectedException {
    private static final long serialVersionUID = 1L;

    public QueueFullException(Priority priority, int queued, int maxLength) {
        super(priority, "rtbe: " + priority + " queue is full: " + queued + " calls waiting, limit rtbe.queue."
                + priority.label() + ".max-length=" + maxLength);
    }

    @Override
    public String reason() {
        return "queue_full";
    }
}
