package dev.rtbe.agent.ledger.redis;

import dev.rtbe.agent.scheduler.Cancellable;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A call waiting for a slot of the fleet; also the future handed to the caller. Cancelling it (or
 * failing it from outside) takes it out of the queue in Redis.
 */
final class RedisWaiter extends CompletableFuture<Permit> {
    final RedisLedger ledger;
    final Priority priority;
    final long arrivalNanos;
    final int preemptions;
    final Duration callTimeout;
    /** A try: completes with null when no slot may be taken now, and never waits in a queue. */
    final boolean trying;
    /** The member in Redis: set by the acquire reply (or known already for a re-queued call). */
    volatile String member;
    volatile long arrivalMillis;
    volatile int position;
    volatile Cancellable deadline;
    volatile Cancellable grace;
    /** The local scheduler's future, once the wait moved there (fallback). */
    volatile CompletableFuture<Permit> delegate;

    RedisWaiter(RedisLedger ledger, Priority priority, long arrivalNanos, int preemptions, Duration callTimeout,
                boolean trying) {
        this.ledger = ledger;
        this.priority = priority;
        this.arrivalNanos = arrivalNanos;
        this.preemptions = preemptions;
        this.callTimeout = callTimeout;
        this.trying = trying;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            ledger.abandon(this);
        }
        return cancelled;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        boolean failed = super.completeExceptionally(ex);
        if (failed) {
            ledger.abandon(this);
        }
        return failed;
    }

    /** Fails the future on the ledger's behalf, once the waiter is out of the queue. */
    boolean failFromLedger(Throwable ex) {
        return super.completeExceptionally(ex);
    }

    void stopTimers() {
        Cancellable d = deadline;
        if (d != null) {
            d.cancel();
        }
        Cancellable g = grace;
        if (g != null) {
            g.cancel();
        }
    }
}
