package dev.rtbe.agent.telemetry;

import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.wire.LlmRequest;
import dev.rtbe.agent.wire.LlmResult;

/**
 * Everything known about one ended call, handed over once by the call lifecycle. Times are the
 * scheduler clock's nanoseconds ({@link #NONE} when a moment was never reached), so spans get
 * exact timestamps after the fact. Immutable once built.
 */
public final class CallRecord {
    /** A moment the call never reached (or a figure that is unknown). */
    public static final long NONE = Long.MIN_VALUE;

    final Priority priority;
    final String classifiedBy;
    final String method;
    final String host;
    final int port;
    final String path;
    final LlmRequest request;
    final LlmResult result;
    final String outcome;
    final Throwable error;
    final String streamError;
    final int status;
    final long startNanos;
    final long arrivalNanos;
    final long grantedNanos;
    final long sentNanos;
    final long firstTokenNanos;
    final long endNanos;
    final int queuePosition;
    final boolean promoted;
    final TraceParent parent;
    /** Attempts preempted for an RT call: grant, send ({@link #NONE} if unknown) and preemption, three each. */
    final long[] preempted;
    /** Of the preempted attempts' slot time, what generated output the call kept and continued from. */
    final long keptAfterPreemptionNanos;
    final String server;
    final String model; // the pool's model; _default for the server's default pool
    final String defaultReason;
    /** The wait inside the server, from its own timings; -1 when unknown. */
    final long serverQueueWaitNanos;

    private CallRecord(Builder b) {
        priority = b.priority;
        classifiedBy = b.classifiedBy;
        method = b.method;
        host = b.host;
        port = b.port;
        path = b.path;
        request = b.request;
        result = b.result;
        outcome = b.outcome;
        error = b.error;
        streamError = b.streamError;
        status = b.status;
        startNanos = b.startNanos;
        arrivalNanos = b.arrivalNanos;
        grantedNanos = b.grantedNanos;
        sentNanos = b.sentNanos;
        firstTokenNanos = b.firstTokenNanos;
        endNanos = b.endNanos;
        queuePosition = b.queuePosition;
        promoted = b.promoted;
        parent = b.parent;
        preempted = b.preempted;
        keptAfterPreemptionNanos = b.keptAfterPreemption;
        server = b.server;
        model = b.model;
        defaultReason = b.defaultReason;
        serverQueueWaitNanos = b.serverQueueWaitNanos;
    }

    /** The pool's server, or null. */
    public String server() {
        return server;
    }

    /** The pool's model ({@code _default} for the server's default pool), or null. */
    public String poolModel() {
        return model;
    }

    /** The wait inside the server (ns) from its own timings, or -1 when unknown. */
    public long serverQueueWaitNanos() {
        return serverQueueWaitNanos;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Priority priority() {
        return priority;
    }

    public String outcome() {
        return outcome;
    }

    /** Granted a slot: the call reached the server (or tried to). */
    public boolean granted() {
        return grantedNanos != NONE;
    }

    /** When the request went out: the adapter's {@code onSent}, else the grant. */
    long sendNanos() {
        return sentNanos != NONE ? sentNanos : grantedNanos;
    }

    /** How often the call lost its slot to an RT call. */
    public int preemptions() {
        return preempted.length / 3;
    }

    /**
     * Slot time the preempted attempts used before they were aborted: work the server threw away
     * (less the generation time of output a continued call kept).
     */
    public long preemptedSlotNanos() {
        long total = 0;
        for (int i = 0; i < preempted.length; i += 3) {
            total += preempted[i + 2] - preempted[i];
        }
        return Math.max(0, total - keptAfterPreemptionNanos);
    }

    long attemptGrantedNanos(int attempt) {
        return preempted[3 * attempt];
    }

    long attemptPreemptedNanos(int attempt) {
        return preempted[3 * attempt + 2];
    }

    /** When the first wait ended: the first attempt's grant (a later one's if it was preempted). */
    long firstQueueEndNanos() {
        return preempted.length > 0 ? preempted[0] : queueEndNanos();
    }

    /** When the wait after preempted attempt {@code i} ended. */
    long requeueEndNanos(int attempt) {
        return attempt + 1 < preemptions() ? attemptGrantedNanos(attempt + 1) : queueEndNanos();
    }

    /** All the time spent waiting for a slot: the first wait and every wait after a preemption. */
    public long totalQueueWaitNanos() {
        long total = firstQueueEndNanos() - queueStartNanos();
        for (int i = 0; i < preemptions(); i++) {
            total += requeueEndNanos(i) - attemptPreemptedNanos(i);
        }
        return total;
    }

    /** When the call joined the queue: the scheduler's arrival, else the call's start. */
    long queueStartNanos() {
        return arrivalNanos != NONE ? arrivalNanos : startNanos;
    }

    /** When the queue wait ended: the grant, or the end of a call that never got a slot. */
    long queueEndNanos() {
        return grantedNanos != NONE ? grantedNanos : endNanos;
    }

    /** Fills a record; every field is optional except outcome and the start and end times. */
    public static final class Builder {
        private Priority priority;
        private String classifiedBy;
        private String method;
        private String host;
        private int port = -1;
        private String path;
        private LlmRequest request;
        private LlmResult result;
        private String outcome;
        private Throwable error;
        private String streamError;
        private int status;
        private long startNanos = NONE;
        private long arrivalNanos = NONE;
        private long grantedNanos = NONE;
        private long sentNanos = NONE;
        private long firstTokenNanos = NONE;
        private long endNanos = NONE;
        private int queuePosition = -1;
        private boolean promoted;
        private TraceParent parent;
        private long[] preempted = new long[0];
        private long keptAfterPreemption;
        private String server;
        private String model;
        private String defaultReason;
        private long serverQueueWaitNanos = -1;

        private Builder() {}

        /**
         * The call's pool, why it is the server's default pool (null when it is not, or for a
         * model's own pool), and the wait inside the server (-1 when unknown).
         */
        public Builder pool(String server, String model, String defaultReason, long serverQueueWaitNanos) {
            this.server = server;
            this.model = model;
            this.defaultReason = defaultReason;
            this.serverQueueWaitNanos = serverQueueWaitNanos;
            return this;
        }

        public Builder classification(Priority priority, String classifiedBy) {
            this.priority = priority;
            this.classifiedBy = classifiedBy;
            return this;
        }

        /** Method (null when the adapter did not say), host, port (-1: the scheme's default), path. */
        public Builder target(String method, String scheme, String host, int port, String path) {
            this.method = method;
            this.host = host;
            this.port = port >= 0 ? port : "https".equalsIgnoreCase(scheme) ? 443 : 80;
            this.path = path;
            return this;
        }

        public Builder request(LlmRequest request) {
            this.request = request;
            return this;
        }

        public Builder result(LlmResult result) {
            this.result = result;
            return this;
        }

        /** How it ended ({@code completed}, {@code rejected}, ...), the exception if any, a stream error if any. */
        public Builder outcome(String outcome, Throwable error, String streamError) {
            this.outcome = outcome;
            this.error = error;
            this.streamError = streamError;
            return this;
        }

        public Builder status(int status) {
            this.status = status;
            return this;
        }

        public Builder times(long startNanos, long sentNanos, long firstTokenNanos, long endNanos) {
            this.startNanos = startNanos;
            this.sentNanos = sentNanos;
            this.firstTokenNanos = firstTokenNanos;
            this.endNanos = endNanos;
            return this;
        }

        /** What the scheduler said when it granted the slot. */
        public Builder grant(long arrivalNanos, long grantedNanos, int queuePosition, boolean promoted) {
            this.arrivalNanos = arrivalNanos;
            this.grantedNanos = grantedNanos;
            this.queuePosition = queuePosition;
            this.promoted = promoted;
            return this;
        }

        /** Of the preempted attempts' slot time, what generated output the call kept. */
        public Builder keptAfterPreemption(long nanos) {
            this.keptAfterPreemption = Math.max(0, nanos);
            return this;
        }

        /** The preempted attempts: grant, send and preemption time, three per attempt. */
        public Builder preemptedAttempts(long[] attempts) {
            if (attempts.length % 3 != 0) {
                throw new IllegalArgumentException("three times per attempt");
            }
            this.preempted = attempts.clone();
            return this;
        }

        public Builder parent(TraceParent parent) {
            this.parent = parent;
            return this;
        }

        public CallRecord build() {
            return new CallRecord(this);
        }
    }
}
