package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One attempt of a preemptible exchange, classic or async: offered for preemption until its
 * response reaches the application, and aborted on the wire when the scheduler takes the slot
 * back. The offer and the response's arrival are ordered under one lock, so an attempt is never
 * offered once the application may have seen its response, and a response that lost the race to a
 * preemption never reaches it.
 */
abstract class Attempt implements Runnable {
    private final GatedCall call;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean offered;
    private boolean responded;
    private volatile boolean aborted;

    Attempt(GatedCall call) {
        this.call = call;
    }

    /** Offers the attempt (its request can be sent again), unless its response has started. */
    final void offer() {
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
     * The response is about to reach the application (or the answer read under the hood is whole).
     * Returns true when it may, false when the attempt was preempted first (it is being aborted).
     */
    final boolean responseArrived() {
        lock.lock();
        try {
            responded = true;
            return !offered || call.withdrawPreemption();
        } finally {
            lock.unlock();
        }
    }

    /** True once this attempt lost its slot (its abort ran, or the scheduler has decided it). */
    final boolean preempted() {
        return aborted || call.wasPreempted();
    }

    /** The scheduler's abort: ends the exchange on the wire, now or as soon as it exists. */
    @Override
    public final void run() {
        aborted = true;
        abortExchange();
    }

    final boolean aborted() {
        return aborted;
    }

    /** Ends the exchange on the wire without reading the rest; may run on any thread, more than once. */
    abstract void abortExchange();
}
