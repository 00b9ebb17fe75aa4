package dev.rtbe.agent.telemetry;

import dev.rtbe.agent.scheduler.SchedulerRejectedException;

/**
 * Decides whether an ended call failed, and how to name it ({@code error.type}) and describe it
 * (the span status). An application that closes a body early has not failed; the server's error
 * lines, error statuses, rejections, cancellations and forced releases have.
 */
final class ErrorKind {
    final String type;
    final String description;

    private ErrorKind(String type, String description) {
        this.type = type;
        this.description = description;
    }

    /** Null when the call did not fail. */
    static ErrorKind of(CallRecord r) {
        Throwable e = r.error;
        switch (r.outcome == null ? "" : r.outcome) {
            case "rejected":
                if (e instanceof SchedulerRejectedException) {
                    return new ErrorKind(((SchedulerRejectedException) e).reason(), e.getMessage());
                }
                if (e instanceof InterruptedException) {
                    return new ErrorKind("interrupted", "interrupted while waiting for a slot");
                }
                if (e instanceof java.util.concurrent.CancellationException) {
                    return new ErrorKind("cancelled", "cancelled while waiting for a slot");
                }
                return new ErrorKind(e == null ? "rejected" : e.getClass().getName(), describe(e, "rejected"));
            case "cancelled":
                return new ErrorKind("cancelled", describe(e, "the application cancelled the call"));
            case "forced":
                return new ErrorKind("forced_release", "held its slot past rtbe.slots.max-hold; the slot was taken back");
            case "reclaimed":
                return new ErrorKind("reclaimed", "the response body was dropped without being closed; its slot was reclaimed");
            case "failed":
                if (e != null) {
                    return new ErrorKind(e.getClass().getName(), describe(e, "failed"));
                }
                return new ErrorKind("stream_error", r.streamError != null ? r.streamError : "failed");
            default:
                if (r.streamError != null && r.status < 400) {
                    return new ErrorKind("stream_error", r.streamError);
                }
                if (r.status >= 400) {
                    return new ErrorKind(Integer.toString(r.status),
                            r.streamError != null ? r.streamError : "HTTP " + r.status);
                }
                return null;
        }
    }

    private static String describe(Throwable e, String fallback) {
        if (e == null) {
            return fallback;
        }
        return e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
