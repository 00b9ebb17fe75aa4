package dev.rtbe.agent.ledger;

import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import dev.rtbe.agent.scheduler.SchedulerClock;
import dev.rtbe.agent.scheduler.SchedulerPolicy;
import dev.rtbe.agent.scheduler.SchedulerRejectedException;
import dev.rtbe.agent.scheduler.SchedulerSnapshot;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Where a call gets its slot: the one rule of the hybrid scheduler, kept in this JVM
 * ({@link dev.rtbe.agent.scheduler.HybridScheduler}) or shared by a fleet of JVMs. Calls hold
 * {@link Permit}s; releasing and offering a permit for preemption go back to the ledger that minted it.
 */
public interface SlotLedger {
    /**
     * Waits for a slot. {@code timeout} is the call's own limit ({@code null} = none); the class's
     * max-wait applies as well.
     *
     * @throws InterruptedException if interrupted while waiting; the waiter has left the queue
     * @throws SchedulerRejectedException if the queue is full or a wait limit passed
     */
    Permit acquire(Priority priority, Duration timeout) throws InterruptedException, SchedulerRejectedException;

    /**
     * Asks for a slot without blocking. The future completes with the permit, or fails with a
     * {@link SchedulerRejectedException}. Cancelling it removes the waiter.
     */
    CompletableFuture<Permit> acquireAsync(Priority priority, Duration timeout);

    /** Waits again after {@code preempted} lost its slot, in arrival order with its original arrival. */
    Permit reacquire(Permit preempted, Duration timeout) throws InterruptedException, SchedulerRejectedException;

    /** As {@link #reacquire}, without blocking. */
    CompletableFuture<Permit> reacquireAsync(Permit preempted, Duration timeout);

    /** Takes a slot if one may be taken right now without passing a waiter; otherwise null. */
    Permit tryAcquire(Priority priority);

    SchedulerSnapshot snapshot();

    SchedulerPolicy policy();

    /** The clock permits' times are measured on. */
    SchedulerClock clock();
}
