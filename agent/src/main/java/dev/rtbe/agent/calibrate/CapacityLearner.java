package dev.rtbe.agent.calibrate;

/**
 * Learns how many calls one pool's server runs at once (N) from the wait inside the server
 * ({@link ServerWait}). Additive increase, decrease by one: when every slot the agent allowed was
 * busy and the server still started the call at once, N may be higher, and after N such calls in a
 * row it grows by one (up to the ceiling); when a call waited inside the server while N calls were
 * running, N is above the server's slots and shrinks by one. A call that waited inside the server
 * while it was the pool's only call met calls from outside this JVM: those are flagged, and N is
 * left alone (the server's slots are shared, not fewer).
 */
public final class CapacityLearner {
    private final int ceiling;
    private final long quietNanos;
    private int limit = 1;
    private int quietAtLimit;
    private volatile boolean outsideCalls;

    /**
     * @param ceiling the largest N it may learn
     * @param quietNanos a hidden wait up to this long counts as none (clock noise, handler overhead)
     */
    public CapacityLearner(int ceiling, long quietNanos) {
        if (ceiling < 1) {
            throw new IllegalArgumentException("ceiling must be >= 1, was " + ceiling);
        }
        this.ceiling = ceiling;
        this.quietNanos = quietNanos;
    }

    /** The N learned so far; 1 at first. */
    public synchronized int limit() {
        return limit;
    }

    /**
     * One finished call of the pool.
     *
     * @param runningAtStart the pool's calls running when this one was sent, itself included
     * @param serverWaitNanos its hidden wait inside the server, or -1 when unknown (then ignored)
     * @param prefillNanos its prompt evaluation time (unused by this simple policy)
     * @return the limit after this call
     */
    public synchronized int onCallEnd(int runningAtStart, long serverWaitNanos, long prefillNanos) {
        if (serverWaitNanos < 0) {
            return limit;
        }
        if (serverWaitNanos > quietNanos) {
            quietAtLimit = 0;
            if (runningAtStart <= 1) {
                outsideCalls = true;
            } else if (runningAtStart >= limit && limit > 1) {
                limit--;
            }
        } else if (runningAtStart >= limit && limit < ceiling) {
            if (++quietAtLimit >= limit) {
                quietAtLimit = 0;
                limit++;
            }
        }
        return limit;
    }

    /** True once a call waited inside the server while no other call of its pool ran. */
    public boolean outsideCallsDetected() {
        return outsideCalls;
    }
}
