package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.PreemptionHandle;
import dev.rtbe.agent.http.AdviceOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One attempt of a preemptible exchange: its {@link PreemptionHandle}, whose abort cancels the
 * exchange's future, and the attempt's deadline, if it has one, which aborts it the same way.
 */
final class PreemptibleAttempt {
    private final PreemptionHandle<CompletableFuture<?>> preemption;
    private volatile boolean timedOut;
    /** Times the attempt out, when it has a deadline; completed (stopped) when its exchange ends. */
    private volatile CompletableFuture<Void> deadline;

    PreemptibleAttempt(GatedCall call) {
        this.preemption = new PreemptionHandle<>(call, f -> f.cancel(true));
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

    /** Its offer for preemption, ended when its response arrives. */
    PreemptionHandle<CompletableFuture<?>> preemption() {
        return preemption;
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
                preemption.abort();
            }
        });
        this.deadline = deadline;
    }

    /** True when the attempt was aborted because its deadline passed. */
    boolean timedOut() {
        return timedOut;
    }

    /** The attempt's exchange, when the client has started it. */
    void started(CompletableFuture<?> f) {
        CompletableFuture<Void> d = deadline;
        if (d != null) {
            f.whenComplete((response, error) -> d.complete(null));
        }
        preemption.started(f);
    }
}
