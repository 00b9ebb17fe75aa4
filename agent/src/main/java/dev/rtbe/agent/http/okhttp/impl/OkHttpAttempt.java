package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.GatedCall;
import java.util.concurrent.locks.ReentrantLock;
import okhttp3.Call;

/**
 * One attempt of a preemptible call: a fresh OkHttp call, offered for preemption until its answer
 * may reach the application, cancelled (on the wire: its connection is closed, so the server frees
 * its slot) when the scheduler takes the slot back. The offer and the answer's arrival are ordered
 * under one lock, so an attempt is never offered once the application may have seen its answer,
 * and an answer that lost the race to a preemption never reaches it.
 */
final class OkHttpAttempt implements Runnable {
    private final GatedCall gated;
    final Call call;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean offered;
    private boolean answered;

    OkHttpAttempt(GatedCall gated, Call call) {
        this.gated = gated;
        this.call = call;
    }

    /** Offers the attempt (its request can be sent again), unless its answer has arrived. */
    void offer() {
        lock.lock();
        try {
            if (!answered && !offered) {
                offered = gated.offerPreemption(this);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The answer is about to go to the application. Returns true when it may, false when the
     * attempt was preempted first (its call is being cancelled).
     */
    boolean answerArrived() {
        lock.lock();
        try {
            answered = true;
            return !offered || gated.withdrawPreemption();
        } finally {
            lock.unlock();
        }
    }

    /** The scheduler's abort: a call not yet sent fails at once, one under way closes its connection. */
    @Override
    public void run() {
        call.cancel();
    }
}
