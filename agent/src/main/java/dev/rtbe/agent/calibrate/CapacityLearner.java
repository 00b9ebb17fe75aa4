package dev.rtbe.agent.calibrate;

import java.util.function.LongSupplier;

/**
 * Learns N, the calls one pool (server, model) may run at once, from the wait inside the server
 * ({@link ServerWait}). Pure logic: the pool tells it when a call is sent and when it ends, and
 * sets the scheduler's N to {@link #limit()}.
 *
 * <p>The signal: a call sent while this JVM ran k calls of the pool (itself included) that waited
 * inside the server shows that the server had fewer than k slots free for us; a call sent at k
 * that did not wait shows it had at least k. The policy:
 * <ul>
 *   <li>Start at 1, the only safe value.
 *   <li>Probe up: after {@link #PROBE_AFTER} calls ran quiet at the current limit L, allow one
 *       more call (limit L+1). The probe is one call: once a call is sent at L+1
 *       ({@link #onCallStart}) the limit goes back to L until that call's result is known, so a
 *       failed probe makes exactly one call wait inside, for the first slot to free, and the
 *       calls already running are never made to wait. If the probe ran quiet, L+1 becomes the
 *       limit (the probe its first quiet call), unless one of our own calls ended before the probe could have started in the
 *       server (its send plus its wait plus the quiet threshold): then the probe may just have
 *       taken that call's slot, proves nothing, and is sent again.
 *   <li>On trial: on a busy machine the end of one of our calls can reach us long after the
 *       server freed its slot, and a probe can run quiet in that slot. So L+1 is proven only once
 *       {@link #PROBE_AFTER} calls ran quiet there (the probe included, as for the next probe); a
 *       call that waits at L+1 before that fails the probe after all: back to L, with L+1's
 *       back-off doubled if it had failed before, and no other client is reported.
 *   <li>Back off: a call that waited at k sets the limit to at most k-1 (never below 1), and k
 *       is remembered as a bad level. A bad level is probed again only after a back-off period
 *       of calls, doubled after each failed probe of the same level (from {@link #BASE_BACKOFF}
 *       to {@link #MAX_BACKOFF}) and reset when a probed level is proven. So, once learned, the limit
 *       stays at the true N, and at most one call per back-off period waits inside the server.
 *   <li>Never above the ceiling. Calls whose wait is unknown (no timings) change nothing.
 * </ul>
 * "Quiet" means a wait of at most {@code max(quietNanos, prefill / 4)}: an idle Ollama still
 * reports a few ms of untimed work (templating, tokenizing, the runner's HTTP hop), and that work
 * grows with the prompt, as the prefill does.
 *
 * <p>Convergence: climbing one level costs {@link #PROBE_AFTER} quiet calls (a successful probe is
 * the first at its level) plus the probe's own run, so with a closed loop of batch callers N = 2 is
 * reached after 3 or 4 call ends and N = 4 after 11 to 19; beside a reader's RT calls with R = 1,
 * where a batch call can probe only while the reader holds its reserved slot, after 12 to 21
 * (CapacityLearnerTest's simulated server, 25 seeds; the target is 20). Afterwards only probes wait
 * inside the server: one call per back-off period.
 *
 * <p>Other clients: when a call waits at a level the server had already shown it can run (a
 * call there ran quiet, a probed level once proven; every server runs one), someone else holds
 * slots ({@link #outsideCallsDetected()}); the limit backs off the same way and climbs back, probe
 * by probe, when they leave.
 *
 * <p>Without {@link #onCallStart} calls, every call sent while the limit is L+1 runs at L+1 until
 * the first of them ends, so a failed probe costs more than one waiting call; the learner still
 * converges. Which call may be the probe is the scheduler's rule, not the learner's: a pool gives
 * its scheduler the confirmed limit and {@link #probeOpen()} ({@code HybridScheduler.setTotalSlots(n,
 * probe)}), which lets a batch call be the probe, and an RT call only where no batch call runs or
 * waits, so an RT call never waits inside the server behind a batch call for a probe. Thread-safe;
 * every method is short and never waits. A pool applies the result after each
 * {@code onCallStart}/{@code onCallEnd}; two threads may apply in either order, and the next event
 * corrects a stale value.
 */
public final class CapacityLearner {
    /** Quiet calls at the current limit before one call is allowed above it. */
    public static final int PROBE_AFTER = 2;
    /** Calls to wait before probing a level at which a call waited. */
    public static final int BASE_BACKOFF = 8;
    /** The longest back-off period, in calls: a busy server is re-checked at least this often. */
    public static final int MAX_BACKOFF = 64;

    private final int ceiling;
    private final long quietNanos;
    private final boolean adaptive;
    private final LongSupplier clock;

    // Guarded by this.
    private int limit;
    private int quietAtLimit;
    /** The level being probed (limit + 1), or 0. */
    private int probeLevel;
    /** The probe call was sent: the limit is back at {@code limit} until its result. */
    private boolean probeSent;
    /** When the probe was sent (known only when {@link #onCallStart} saw it). */
    private long probeSentAt;
    /** Another call of ours ended since the probe was sent, first at {@code firstEndAfterProbe}. */
    private boolean endedAfterProbe;
    private long firstEndAfterProbe;
    /** The lowest level at which a call waited and no probe has succeeded since; MAX_VALUE = none. */
    private int badLevel = Integer.MAX_VALUE;
    private int backoff = BASE_BACKOFF;
    private int callsSinceBadLevel;
    /** The highest level the server has shown it can run for us (quiet calls, or the fixed N). */
    private int provenLevel;
    /** A call waited at this proven level: another client holds slots. 0 = none seen since. */
    private int outsideLevel;
    /**
     * The limit a quiet probe set, until it has run {@link #PROBE_AFTER} quiet calls; 0 = none. A
     * probe can run quiet in the slot of one of our calls whose end has not reached us yet (on a busy
     * machine ends come late), so a call that waits there before that fails the probe after all.
     */
    private int trialLevel;
    private long lastServerWaitNanos = ServerWait.UNKNOWN;
    private long calls;
    private long unknownCalls;
    private long waitedCalls;
    private long totalServerWaitNanos;
    private long probes;
    private long failedProbes;
    private long inconclusiveProbes;

    /**
     * @param ceiling the most calls the pool may ever run at once (the configured maximum), >= 1
     * @param quietNanos a wait at or below this counts as no wait (a few ms above the server's
     *                   untimed work: 50 ms is safe for Ollama), >= 0
     */
    public CapacityLearner(int ceiling, long quietNanos) {
        this(ceiling, quietNanos, System::nanoTime);
    }

    /** As {@link #CapacityLearner(int, long)}, with the clock that orders call starts and ends. */
    public CapacityLearner(int ceiling, long quietNanos, LongSupplier nanoClock) {
        this(ceiling, quietNanos, true, nanoClock);
    }

    private CapacityLearner(int ceiling, long quietNanos, boolean adaptive, LongSupplier clock) {
        if (ceiling < 1) {
            throw new IllegalArgumentException("ceiling must be >= 1, was " + ceiling);
        }
        if (quietNanos < 0) {
            throw new IllegalArgumentException("quiet threshold must be >= 0 ns, was " + quietNanos);
        }
        this.ceiling = ceiling;
        this.quietNanos = quietNanos;
        this.adaptive = adaptive;
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
        this.limit = adaptive ? 1 : ceiling;
        this.provenLevel = adaptive ? 1 : ceiling; // a server runs at least one call
    }

    /**
     * A learner for a pool whose N is configured: the limit stays {@code n}, and the wait inside
     * the server is still measured and reported; a call that waits with at most n running means
     * another client holds slots (or the server has fewer than n).
     */
    public static CapacityLearner fixed(int n, long quietNanos) {
        return new CapacityLearner(n, quietNanos, false, System::nanoTime);
    }

    /** N for the pool's scheduler now. */
    public synchronized int limit() {
        return probeLevel > 0 && !probeSent ? probeLevel : limit;
    }

    /** The level the server has confirmed (the limit without a pending probe). */
    public synchronized int confirmedLimit() {
        return limit;
    }

    /** True while one call above the confirmed limit is allowed or out. */
    public synchronized boolean probing() {
        return probeLevel > 0;
    }

    /** True while one call above the confirmed limit is allowed and not yet sent. */
    public synchronized boolean probeOpen() {
        return probeLevel > 0 && !probeSent;
    }

    public int ceiling() {
        return ceiling;
    }

    public boolean adaptive() {
        return adaptive;
    }

    /**
     * A call of the pool is being sent; {@code runningAtStart} counts the pool's calls running in
     * this JVM including this one. Returns the new limit.
     */
    public synchronized int onCallStart(int runningAtStart) {
        if (probeLevel > 0 && !probeSent && runningAtStart >= probeLevel) {
            probeSent = true; // the probe is out: no second call above the confirmed limit
            probeSentAt = clock.getAsLong();
            endedAfterProbe = false;
        }
        return limit();
    }

    /**
     * A call of the pool ended.
     *
     * @param runningAtStart the pool's calls running in this JVM when this call was sent, itself included
     * @param serverWaitNanos from {@link ServerWait}; {@link ServerWait#UNKNOWN} (negative) is ignored
     * @param prefillNanos the call's prompt evaluation time (its scale for "quiet"); negative = unknown
     * @return the new limit
     */
    public int onCallEnd(int runningAtStart, long serverWaitNanos, long prefillNanos) {
        return onCallEnd(runningAtStart, runningAtStart, serverWaitNanos, prefillNanos);
    }

    /**
     * A call of the pool ended, with the calls that may have overlapped it in the server.
     * Calls are counted when their slot is granted, which is not the order in which they reach the
     * server: a call granted just after this one may get there first and make this one wait. So a
     * call that waited is judged at {@code overlapping} (the most calls that can have been ahead of
     * it), a quiet one at {@code runningAtStart} (the calls it surely ran beside).
     *
     * @param overlapping the most of the pool's calls running at once between this one's start and
     *                    its first token (or its end), {@link RunningCalls#mostRunning}: an upper
     *                    bound of the calls that can have been ahead of it in the server
     */
    public synchronized int onCallEnd(int runningAtStart, int overlapping, long serverWaitNanos, long prefillNanos) {
        if (serverWaitNanos < 0 || runningAtStart < 1) {
            unknownCalls++;
            return limit();
        }
        calls++;
        lastServerWaitNanos = serverWaitNanos;
        totalServerWaitNanos += serverWaitNanos;
        if (callsSinceBadLevel < Integer.MAX_VALUE) {
            callsSinceBadLevel++;
        }
        boolean waited = serverWaitNanos > Math.max(quietNanos, Math.max(0, prefillNanos) / 4);
        if (waited) {
            waitedCalls++;
            runningAtStart = Math.max(runningAtStart, overlapping); // the level judged below
        }
        if (!adaptive) {
            if (waited && runningAtStart <= provenLevel) {
                outsideLevel = runningAtStart;
            } else if (!waited && runningAtStart >= outsideLevel) {
                outsideLevel = 0;
            }
            return limit;
        }
        if (probeLevel > 0 && runningAtStart >= probeLevel) {
            probeResult(waited, serverWaitNanos);
        } else if (waited) {
            backOff(runningAtStart);
        } else {
            quiet(runningAtStart);
        }
        if (probeSent && !endedAfterProbe) {
            endedAfterProbe = true;
            firstEndAfterProbe = clock.getAsLong();
        }
        maybeProbe();
        return limit();
    }

    private void probeResult(boolean waited, long waitNanos) {
        int level = probeLevel;
        boolean tookAFreedSlot = !waited && probeSent && endedAfterProbe
                && firstEndAfterProbe - probeSentAt <= waitNanos + quietNanos;
        probeSent = false;
        endedAfterProbe = false;
        if (tookAFreedSlot) {
            inconclusiveProbes++; // our own call freed a slot as the probe arrived: send another probe
            return;
        }
        probeLevel = 0;
        quietAtLimit = 0;
        if (waited) {
            failedProbes++;
            backoff = level == badLevel ? Math.min(MAX_BACKOFF, backoff * 2) : BASE_BACKOFF;
            badLevel = level;
            callsSinceBadLevel = 0;
            return;
        }
        limit = level;
        quietAtLimit = 1; // the probe itself ran quiet at the new limit
        trialLevel = level; // proven once more calls ran quiet there (see quiet)
        if (outsideLevel > 0 && level >= outsideLevel) {
            outsideLevel = 0; // the server runs this level for us again
        }
    }

    private void quiet(int k) {
        if (k <= limit && (trialLevel == 0 || k < trialLevel)) {
            provenLevel = Math.max(provenLevel, k);
        }
        if (outsideLevel > 0 && k >= outsideLevel) {
            outsideLevel = 0; // the server runs this level for us again
        }
        if (k >= limit) {
            quietAtLimit++;
        }
        if (trialLevel > 0 && quietAtLimit >= PROBE_AFTER) {
            provenLevel = Math.max(provenLevel, trialLevel);
            if (trialLevel >= badLevel) {
                badLevel = Integer.MAX_VALUE;
                backoff = BASE_BACKOFF;
            }
            trialLevel = 0;
        }
    }

    /** A call (not a probe) waited while {@code k} ran: the server has fewer than k slots for us. */
    private void backOff(int k) {
        if (trialLevel > 0 && k >= trialLevel) {
            trialFailed();
            return;
        }
        trialLevel = 0; // the limit goes below it
        if (k <= provenLevel) {
            outsideLevel = k;
            provenLevel = k - 1;
        }
        limit = Math.min(limit, Math.max(1, k - 1));
        if (k < badLevel) { // a call at the bad level itself (sent before the back-off) adds nothing
            badLevel = k;
            backoff = BASE_BACKOFF;
            callsSinceBadLevel = 0;
        }
        probeLevel = 0; // a probe armed but not sent is withdrawn; one already out ends as a plain call
        probeSent = false;
        endedAfterProbe = false;
        quietAtLimit = 0;
    }

    /**
     * A call waited at the level a quiet probe had just set: that probe proved nothing (see
     * {@link #trialLevel}). As a failed probe: back to the level below, which is bad, with the
     * back-off doubled if it was bad before; nobody else is seen on the server.
     */
    private void trialFailed() {
        int level = trialLevel;
        trialLevel = 0;
        failedProbes++;
        backoff = level == badLevel ? Math.min(MAX_BACKOFF, backoff * 2) : BASE_BACKOFF;
        badLevel = level;
        callsSinceBadLevel = 0;
        limit = Math.min(limit, level - 1);
        probeLevel = 0;
        probeSent = false;
        endedAfterProbe = false;
        quietAtLimit = 0;
    }

    private void maybeProbe() {
        if (probeLevel > 0 || quietAtLimit < PROBE_AFTER || limit >= ceiling) {
            return;
        }
        int next = limit + 1;
        if (next >= badLevel && callsSinceBadLevel < backoff) {
            return;
        }
        probeLevel = next;
        probeSent = false;
        probes++;
    }

    /**
     * True when a call waited inside the server while this JVM ran no more calls than the server
     * had already shown it can run for us (or, with a fixed N, no more than N): another client holds
     * slots. Cleared when the server runs that level for us again.
     */
    public synchronized boolean outsideCallsDetected() {
        return outsideLevel > 0;
    }

    /** The wait inside the server of the last call with known timings; -1 before any. */
    public synchronized long lastServerWaitNanos() {
        return lastServerWaitNanos;
    }

    /** Sum of the known waits inside the server. */
    public synchronized long totalServerWaitNanos() {
        return totalServerWaitNanos;
    }

    /** Calls with known timings. */
    public synchronized long calls() {
        return calls;
    }

    /** Calls whose wait was unknown (no timings), ignored. */
    public synchronized long unknownCalls() {
        return unknownCalls;
    }

    /** Calls that waited inside the server (more than the quiet threshold). */
    public synchronized long waitedCalls() {
        return waitedCalls;
    }

    /** Probes started (one call allowed above the confirmed limit). */
    public synchronized long probes() {
        return probes;
    }

    /** Probes that proved nothing (an own call ended as the probe arrived) and were sent again. */
    public synchronized long inconclusiveProbes() {
        return inconclusiveProbes;
    }

    /** Probes whose call waited inside the server. */
    public synchronized long failedProbes() {
        return failedProbes;
    }

    @Override
    public synchronized String toString() {
        return "CapacityLearner[" + (adaptive ? "auto" : "fixed") + " limit=" + limit
                + (probeLevel > 0 ? " probing=" + probeLevel : "") + (trialLevel > 0 ? " on-trial" : "")
                + " ceiling=" + ceiling
                + (badLevel != Integer.MAX_VALUE ? " bad=" + badLevel + " backoff=" + backoff : "")
                + " calls=" + calls + " waited=" + waitedCalls + (outsideLevel > 0 ? " outside" : "") + "]";
    }
}
