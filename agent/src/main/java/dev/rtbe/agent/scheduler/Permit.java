package dev.rtbe.agent.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One granted slot. Whoever holds it must call {@link #release()} when the call is over; release
 * is idempotent and thread-safe, so every end of a call (body done, close, error, cancel, GC
 * reclaim, max-hold) may call it without coordinating with the others.
 */
public final class Permit {
    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(Permit.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Who minted a permit and takes its slot back: the in-process scheduler or a shared ledger.
     * The permit calls it; callers of the ledger only ever call the permit.
     */
    public interface Owner {
        /** Called once per permit, by {@link Permit#release()}. */
        void onRelease(Permit permit);

        /** Called by {@link Permit#offerPreemption}. */
        boolean offerPreemption(Permit permit, Runnable abort);

        /** Called by {@link Permit#withdrawPreemption}. */
        boolean withdrawPreemption(Permit permit);

        /** Called by {@link Permit#keptAfterPreemption}; an owner that counts thrown-away slot time subtracts it. */
        default void onKeptAfterPreemption(Permit permit, long keptNanos) {
        }

        /** Called by {@link Permit#running()}; a ledger that does not probe has nothing to do. */
        default void onRunning(Permit permit) {
        }
    }

    private final Owner scheduler;
    private final Priority priority;
    private final long arrivalNanos;
    private final long grantedNanos;
    private final boolean promoted;
    private final int queuePosition;
    private final int preemptions;
    @SuppressWarnings("unused") // accessed through RELEASED
    private volatile boolean released;
    /** Set (under the scheduler's lock) when the scheduler took the slot back for an RT call. */
    private volatile long preemptedNanos = NOT_PREEMPTED;

    /** Tokens generated so far by the exchange this permit holds, when its holder can tell; else -1. */
    private volatile long progress = -1;

    // Guarded by the scheduler's lock.
    /** What aborts the exchange, while the holder offers the permit for preemption. */
    Runnable abort;
    /** Set when the preempted call asked again with this permit: a second re-acquire is refused. */
    boolean requeued;
    /** Set when the holder said the server runs the call (its first token came). */
    boolean running;
    /** The scheduler's aging clock when the call first arrived (a re-queued call ages from there). */
    long agingMark;
    /** When it did, in the scheduler clock's nanoseconds; {@link #NOT_PREEMPTED} (no time) until then. */
    long firstTokenNanos = NOT_PREEMPTED;

    static final long NOT_PREEMPTED = Long.MIN_VALUE;

    /** A granted slot; times are in the ledger clock's nanoseconds. Minted by a ledger, never by a caller. */
    public Permit(Owner scheduler, Priority priority, long arrivalNanos, long grantedNanos,
           boolean promoted, int queuePosition, int preemptions) {
        this.scheduler = scheduler;
        this.priority = priority;
        this.arrivalNanos = arrivalNanos;
        this.grantedNanos = grantedNanos;
        this.promoted = promoted;
        this.queuePosition = queuePosition;
        this.preemptions = preemptions;
    }

    /**
     * Claims the slot back for the owner (the in-process scheduler does so under its lock); false
     * if the holder released it first. Only the permit's owner calls this.
     */
    public boolean claimForPreemption(long now) {
        if (RELEASED.compareAndSet(this, false, true)) {
            preemptedNanos = now;
            return true;
        }
        return false;
    }

    /**
     * Gives the slot back. Returns true for the call that actually released it, false for every
     * later call.
     */
    public boolean release() {
        if (RELEASED.compareAndSet(this, false, true)) {
            scheduler.onRelease(this);
            return true;
        }
        return false;
    }

    public boolean isReleased() {
        return released;
    }

    /** The class the slot was counted against. A promoted BE call stays BE. */
    public Priority priority() {
        return priority;
    }

    /** When the call asked for a slot, in the scheduler clock's nanoseconds. */
    public long arrivalNanos() {
        return arrivalNanos;
    }

    /** When the slot was granted, in the scheduler clock's nanoseconds. */
    public long grantedNanos() {
        return grantedNanos;
    }

    public long queueWaitNanos() {
        return grantedNanos - arrivalNanos;
    }

    /** True when a BE call was served at RT's level because it had waited past the promotion time. */
    public boolean promoted() {
        return promoted;
    }

    /** How often this call was preempted before this permit was granted. */
    public int preemptions() {
        return preemptions;
    }

    /** True when the scheduler took this slot back for an RT call; the exchange must be abandoned. */
    public boolean isPreempted() {
        return preemptedNanos != NOT_PREEMPTED;
    }

    /** When the slot was taken back, in the scheduler clock's nanoseconds; only if {@link #isPreempted()}. */
    public long preemptedNanos() {
        return preemptedNanos;
    }

    /**
     * Offers this running BE call for preemption: from now until {@link #withdrawPreemption()},
     * the scheduler may take the slot back for an RT call and then runs {@code abort} (once, on
     * the thread that caused the preemption, possibly this one, before this method returns).
     * Returns false when the call may not be preempted (RT, immune after too many preemptions,
     * preemption off, or already over).
     */
    /**
     * The server runs this call: its first token came. Until every running RT call has said so, no
     * batch call probes the server above N (it could reach the server first and leave the RT call
     * waiting there). Cheap; a second call and a call after the release change nothing.
     */
    public void running() {
        scheduler.onRunning(this);
    }

    public boolean offerPreemption(Runnable abort) {
        return scheduler.offerPreemption(this, abort);
    }

    /**
     * Ends the offer (the response is about to reach the application). Returns false when the
     * call was preempted already: the exchange is being aborted and must not reach the application.
     */
    public boolean withdrawPreemption() {
        return scheduler.withdrawPreemption(this);
    }

    /**
     * This preempted permit's exchange kept {@code keptNanos} of its slot time: the call continues
     * from the output generated in that time, so it was not thrown away.
     */
    public void keptAfterPreemption(long keptNanos) {
        if (isPreempted() && keptNanos > 0) {
            scheduler.onKeptAfterPreemption(this, keptNanos);
        }
    }

    /**
     * The holder's exchange has generated {@code tokens} so far (it reads the answer as a stream). The first
     * report of a token also says the server runs the call ({@link #running()}): the scheduler then knows its
     * prefill, what a preemption would throw away of a call continued from its output.
     */
    public void reportProgress(long tokens) {
        long before = progress;
        progress = Math.max(0, tokens);
        if (tokens > 0 && before <= 0) {
            scheduler.onRunning(this);
        }
    }

    /** Tokens generated so far by the exchange, or -1 when its holder cannot tell (a non-streamed answer). */
    public long progress() {
        return progress;
    }

    /** How many waiters were ahead of the call when it arrived (0 when it started at once). */
    public int queuePosition() {
        return queuePosition;
    }

    @Override
    public String toString() {
        return "Permit[" + priority + ", waited " + SchedulerPolicy.nanosText(queueWaitNanos())
                + (promoted ? ", promoted" : "") + (preemptions > 0 ? ", preempted " + preemptions + "x before" : "")
                + (isPreempted() ? ", preempted" : released ? ", released" : "") + "]";
    }
}
