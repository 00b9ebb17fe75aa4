package dev.rtbe.agent.scheduler;

/**
 * The call waited in the queue as long as it may: either its class's {@code max-wait} setting or
 * the call's own timeout (for example a JDK {@code HttpRequest} timeout).
 */
public final class QueueTimeoutException extends SchedulerRejectedException {
    private static final long serialVersionUID = 1L;

    private final boolean callTimeout;

    public QueueTimeoutException(Priority priority, long waitedNanos, long limitNanos, boolean callTimeout) {
        super(priority, "rtbe: " + priority + " call waited " + SchedulerPolicy.nanosText(waitedNanos)
                + " in the queue without a slot, limit "
                + (callTimeout ? "the call's own timeout" : "rtbe.queue." + priority.label() + ".max-wait")
                + "=" + SchedulerPolicy.nanosText(limitNanos));
        this.callTimeout = callTimeout;
    }

    /** True when the call's own timeout ended the wait, false for the class's max-wait setting. */
    public boolean isCallTimeout() {
        return callTimeout;
    }

    @Override
    public String reason() {
        return callTimeout ? "timeout" : "max_wait";
    }
}
