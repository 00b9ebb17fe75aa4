package dev.rtbe.agent.scheduler;

import java.io.IOException;

/**
 * A call the scheduler refused or gave up on. An {@link IOException} so that it reaches the
 * application the way its HTTP client reports any other I/O failure.
 */
public abstract class SchedulerRejectedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Priority priority;

    SchedulerRejectedException(Priority priority, String message) {
        super(message);
        this.priority = priority;
    }

    public Priority priority() {
        return priority;
    }

    /** Short reason for metrics: {@code queue_full}, {@code max_wait} or {@code timeout}. */
    public abstract String reason();
}
