package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.http.AdviceOutcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One attempt of a preemptible exchange: offers it for preemption until its response arrives, and
 * aborts it when the scheduler takes the slot back. The offer and the response's arrival are
 * ordered under one lock, so an attempt is never offered once the application's handler may have
 * seen its response, and a response that lost the race to a preemption never reaches it.
 */
final class PreemptibleAttempt implements Runnable {
    private final GatedCall call;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean offered;
    private boolean responded;
    private volatile boolean aborted;
    private volatile CompletableFuture<?> exchange;

    PreemptibleAttempt(GatedCall call) {
        this.call = call;
    }

    /**
     * After a preemption, waits for a slot again (the next attempt goes out then). Returns null once
     * it is held, else what the blocking send returns: the call is then over.
     */
    static AdviceOutcome reacquire(GatedCall call, JdkRequestView view) {
        try {
            call.reacquireAfterPreemption(view.ownTimeout());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AdviceOutcome.failed(e);
        } catch (Exception e) {
            return AdviceOutcome.failed(Gate.failure(e, view));
        }
    }

    /** Offers the attempt (its request can be sent again), unless its response has started. */
    void offer() {
        lock.lock();
        try {
            if (!responded && !offered) {
                offered = call.offerPreemption(this);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The response headers arrived. Returns true when the response may go to the application, false
     * when the attempt was preempted first (its exchange is being aborted).
     */
    boolean responseArrived() {
        lock.lock();
        try {
            responded = true;
            return !offered || call.withdrawPreemption();
        } finally {
            lock.unlock();
        }
    }

    /** The scheduler's abort: cancels the exchange, now or as soon as it exists. */
    @Override
    public void run() {
        aborted = true;
        CompletableFuture<?> f = exchange;
        if (f != null) {
            f.cancel(true);
        }
    }

    void started(CompletableFuture<?> f) {
        exchange = f;
        if (aborted) {
            f.cancel(true);
        }
    }
}
