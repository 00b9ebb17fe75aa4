package dev.rtbe.agent.ledger.redis;

import dev.rtbe.agent.ledger.SlotWaiter;
import dev.rtbe.agent.scheduler.Cancellable;
import dev.rtbe.agent.scheduler.Permit;
import dev.rtbe.agent.scheduler.Priority;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A call waiting for a slot of the fleet. Leaving takes it out of the queue in Redis. */
final class RedisWaiter extends SlotWaiter {
    final RedisLedger ledger;
    final Duration callTimeout;
    /** A try: completes with null when no slot may be taken now, and never waits in a queue. */
    final boolean trying;
    /** The member in Redis: set by the acquire reply (or known already for a re-queued call). */
    volatile String member;
    volatile long arrivalMillis;
    /** Redis's aging clock at its first arrival, for a re-queued call ("" when unknown). */
    volatile String agingMark = "";
    volatile int position;
    volatile Cancellable deadline;
    volatile Cancellable grace;
    /** The local scheduler's future, once the wait moved there (fallback). */
    volatile CompletableFuture<Permit> delegate;

    RedisWaiter(RedisLedger ledger, Priority priority, long arrivalNanos, int preemptions, Duration callTimeout,
                boolean trying) {
        super(priority, arrivalNanos, preemptions);
        this.ledger = ledger;
        this.callTimeout = callTimeout;
        this.trying = trying;
    }

    @Override
    protected void leave() {
        ledger.abandon(this);
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
