package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.http.AdviceOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One attempt of a preemptible exchange: offers it for preemption until its response arrives, and
 * aborts it when the scheduler takes the slot back. The offer and the response's arrival are
 * ordered under one lock, so an attempt is never offered once the application's handler may have
 * seen its response, and a response that lost the race to a preemption never reaches it. An
 * attempt may also have a deadline, which aborts it the same way.
 */
final class PreemptibleAttempt implements Runnable {
    private final GatedCall call;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean offered;
    private boolean responded;
    private volatile boolean aborted;
    private volatile boolean timedOut;
    private volatile CompletableFuture<?> exchange;
    /** Times the attempt out, when it has a deadline; completed (stopped) when its exchange ends. */
    private volatile CompletableFuture<Void> deadline;

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

    /**
     * Aborts the attempt once {@code timeout} has passed, unless its exchange ended before: the
     * request's own timeout applied to the whole answer. Called before the exchange starts; the
     * timer goes when it ends.
     */
    void expireAfter(Duration timeout) {
        CompletableFuture<Void> deadline = new CompletableFuture<Void>().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
        deadline.whenComplete((nothing, error) -> {
            if (error instanceof TimeoutException) {
                timedOut = true;
                run();
            }
        });
        this.deadline = deadline;
    }

    /** True when the attempt was aborted because its deadline passed. */
    boolean timedOut() {
        return timedOut;
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

    /** The attempt's exchange, when the client has started it. */
    void started(CompletableFuture<?> f) {
        exchange = f;
        CompletableFuture<Void> d = deadline;
        if (d != null) {
            f.whenComplete((response, error) -> d.complete(null));
        }
        if (aborted) {
            f.cancel(true);
        }
    }
}
