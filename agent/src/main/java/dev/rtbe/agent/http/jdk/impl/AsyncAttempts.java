package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.scheduler.Permit;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * Runs the attempts of a preemptible {@code sendAsync} without blocking any thread: each attempt
 * goes out with the client's {@code sendAsync}; after a preemption the call asks for its slot again
 * with a future, and the next attempt starts on the client's executor once it is granted. The
 * application's future completes with the response of the attempt that kept its slot; cancelling
 * it at any point (sending, waiting for the slot again) ends the call.
 */
final class AsyncAttempts {
    private final HttpClient client;
    private final AttemptPlan plan;
    private final GatedCall call;
    private final JdkRequestView view;
    private final GatedResponseFuture<Object> result;

    private AsyncAttempts(HttpClient client, AttemptPlan plan, GatedCall call, JdkRequestView view,
                          GatedResponseFuture<Object> result) {
        this.client = client;
        this.plan = plan;
        this.call = call;
        this.view = view;
        this.result = result;
    }

    /** Starts the first attempt on this thread; {@code result} gets the application's response. */
    static void start(HttpClient client, AttemptPlan plan, GatedCall call, JdkRequestView view,
                      GatedResponseFuture<Object> result) {
        new AsyncAttempts(client, plan, call, view, result).next();
    }

    /** For a blocking send: runs the attempts as {@code sendAsync} would, and waits for them. */
    static AdviceOutcome await(HttpClient client, AttemptPlan plan, GatedCall call, JdkRequestView view) {
        GatedResponseFuture<Object> result = new GatedResponseFuture<>(call, null);
        start(client, plan, call, view, result);
        try {
            return AdviceOutcome.of(result.get());
        } catch (InterruptedException e) {
            call.finish(Outcome.CANCELLED, e);
            result.cancel(true); // as the JDK's own send does when interrupted
            return AdviceOutcome.failed(e);
        } catch (ExecutionException e) {
            return AdviceOutcome.failed(AttemptPlan.unwrap(e));
        }
    }

    private void next() {
        if (result.isDone()) {
            call.finish(Outcome.CANCELLED, null); // the application cancelled while the slot was on its way
            return;
        }
        PreemptibleAttempt attempt = new PreemptibleAttempt(call);
        CompletableFuture<? extends HttpResponse<?>> exchange;
        try {
            HttpRequest request = plan.next(attempt);
            HttpResponse.BodyHandler<?> handler = plan.handler();
            exchange = Gate.send(call, () -> client.sendAsync(request, handler));
        } catch (Throwable e) {
            call.finish(Outcome.FAILED, e);
            result.completeExceptionally(e);
            return;
        }
        attempt.started(exchange);
        result.exchangeStarted(exchange);
        exchange.whenComplete((response, error) -> ended(response, error == null ? null : AttemptPlan.unwrap(error)));
    }

    private void ended(HttpResponse<?> response, Throwable failure) {
        CompletableFuture<Object> done;
        try {
            done = plan.ended(response, failure);
        } catch (RuntimeException | Error agentFault) {
            call.finish(Outcome.FAILED, agentFault);
            result.completeExceptionally(agentFault);
            return;
        }
        if (done != null) {
            done.whenComplete((r, error) -> {
                if (error != null) {
                    result.completeExceptionally(AttemptPlan.unwrap(error));
                } else {
                    result.complete(r);
                }
            });
            return;
        }
        if (result.isDone()) {
            return; // cancelled by the application meanwhile: the call is over
        }
        CompletableFuture<Permit> permit = call.reacquireAfterPreemptionAsync(view.ownTimeout());
        result.waiting(permit);
        Executor executor = client.executor().orElse(null);
        Gate.whenDecided(permit, executor, () -> {
            Exception refused = Gate.failureOf(permit, view);
            if (refused != null) {
                result.completeExceptionally(refused); // the call is over (refused or cancelled)
            } else {
                next();
            }
        });
    }
}
