package dev.rtbe.agent.ledger;

import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerRejectedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A call waiting for a slot of some ledger; it is also the future handed to the caller, so waiting
 * costs one object. Cancelling the future, or failing it from outside (e.g. {@code orTimeout}),
 * takes the waiter out of its ledger's queue; the ledger itself fails it with
 * {@link #failFromLedger} once it has taken it out.
 */
public abstract class SlotWaiter extends CompletableFuture<Permit> {
    public final Priority priority;
    /** When the call first asked (a re-queued call keeps it). */
    public final long arrivalNanos;
    /** How often the call was preempted before (0 for a new call). */
    public final int preemptions;

    protected SlotWaiter(Priority priority, long arrivalNanos, int preemptions) {
        this.priority = priority;
        this.arrivalNanos = arrivalNanos;
        this.preemptions = preemptions;
    }

    /** Takes the waiter out of its ledger's queue; a slot granted to it meanwhile passes on. */
    protected abstract void leave();

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            leave();
        }
        return cancelled;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        boolean failed = super.completeExceptionally(ex);
        if (failed) {
            leave();
        }
        return failed;
    }

    /** Fails the future on the ledger's behalf, once the waiter is already out of the queue. */
    public final boolean failFromLedger(Throwable ex) {
        return super.completeExceptionally(ex);
    }

    /**
     * Blocks until {@code slot} completes: the permit (null only for a try that found none), or the
     * ledger's rejection. Interrupted, the call leaves the queue, and a slot granted at the same
     * moment is handed straight back.
     */
    public static Permit await(CompletableFuture<Permit> slot) throws InterruptedException, SchedulerRejectedException {
        try {
            return slot.get();
        } catch (InterruptedException e) {
            if (!slot.cancel(false) && !slot.isCompletedExceptionally()) {
                Permit granted = slot.join();
                if (granted != null) {
                    granted.release();
                }
            }
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SchedulerRejectedException) {
                throw (SchedulerRejectedException) cause;
            }
            throw new IllegalStateException("unexpected failure while waiting for a slot", cause);
        }
    }
}
