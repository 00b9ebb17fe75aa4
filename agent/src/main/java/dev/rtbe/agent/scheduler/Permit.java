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

    private final HybridScheduler scheduler;
    private final Priority priority;
    private final long arrivalNanos;
    private final long grantedNanos;
    private final boolean promoted;
    private final int queuePosition;
    @SuppressWarnings("unused") // accessed through RELEASED
    private volatile boolean released;

    Permit(HybridScheduler scheduler, Priority priority, long arrivalNanos, long grantedNanos,
           boolean promoted, int queuePosition) {
        this.scheduler = scheduler;
        this.priority = priority;
        this.arrivalNanos = arrivalNanos;
        this.grantedNanos = grantedNanos;
        this.promoted = promoted;
        this.queuePosition = queuePosition;
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

    /** How many waiters were ahead of the call when it arrived (0 when it started at once). */
    public int queuePosition() {
        return queuePosition;
    }

    @Override
    public String toString() {
        return "Permit[" + priority + ", waited " + SchedulerPolicy.nanosText(queueWaitNanos())
                + (promoted ? ", promoted" : "") + (released ? ", released" : "") + "]";
    }
}
