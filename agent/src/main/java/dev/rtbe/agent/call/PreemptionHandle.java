package dev.rtbe.agent.call;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One attempt of a preemptible call, as the scheduler sees it: offered for preemption until its
 * response may reach the application, and aborted on the wire when the scheduler takes the slot
 * back. The offer and the response's arrival are ordered under one lock, so an attempt is never
 * offered once the application may have seen its response, and a response that lost the race to a
 * preemption never reaches it. The lock is never held while waiting: the scheduler may run the
 * abort at once on the offering thread (an event loop too), and the abort only starts ending the
 * exchange. The adapter supplies what an abort does to its client's exchange ({@code E}: a future,
 * a call, a connection) and re-sends after a preemption; the exchange may start before or after
 * an abort.
 */
public final class PreemptionHandle<E> {
    private final GatedCall call;
    private final Consumer<? super E> abortExchange;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean offered;
    private boolean responded;
    private volatile boolean aborted;
    private volatile E exchange;

    /** {@code abortExchange} ends an exchange on the wire without reading the rest; on any thread, maybe twice. */
    public PreemptionHandle(GatedCall call, Consumer<? super E> abortExchange) {
        this.call = call;
        this.abortExchange = abortExchange;
    }

    /** The attempt's exchange, once the client has started it: aborted at once if the abort came first. */
    public void started(E started) {
        exchange = started;
        if (aborted) {
            abortExchange.accept(started);
        }
    }

    /** The exchange {@link #started}, or null. */
    public E exchange() {
        return exchange;
    }

    /** Offers the attempt (its request can be sent again), unless its response has arrived. */
    public void offer() {
        lock.lock();
        try {
            if (!responded && !offered) {
                offered = call.offerPreemption(this::abort);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The response (or the whole answer read under the hood) is about to reach the application.
     * Returns true when it may, false when the attempt was preempted first (it is being aborted).
     */
    public boolean responseArrived() {
        lock.lock();
        try {
            responded = true;
            return !offered || call.withdrawPreemption();
        } finally {
            lock.unlock();
        }
    }

    /** The scheduler's abort (or a deadline's): ends the exchange on the wire, now or as soon as it exists. */
    public void abort() {
        aborted = true;
        E e = exchange;
        if (e != null) {
            abortExchange.accept(e);
        }
    }

    /** True once {@link #abort} ran. */
    public boolean aborted() {
        return aborted;
    }

    /** True once this attempt lost its slot (its abort ran, or the scheduler has decided it). */
    public boolean preempted() {
        return aborted || call.wasPreempted();
    }
}
