package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.http.jdk.JdkClientBridge;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs the attempts of a preemptible blocking {@code send} on the caller's thread. Each attempt is
 * the client's own {@code send}, inline as an ungated call would go out; the advice on the private
 * {@code sendAsync} that {@code send} runs hands the attempt its exchange's future, whose cancel
 * aborts the exchange on the wire. A preempted attempt waits for its slot again on this thread.
 * Where that advice is not in place (a JDK without that method), the attempts run as
 * {@code sendAsync}'s do and this thread waits for them.
 */
final class BlockingAttempts {
    private BlockingAttempts() {}

    static AdviceOutcome send(HttpClient client, AttemptPlan plan, GatedCall call, JdkRequestView view) {
        if (!JdkClientBridge.areExchangesVisible()) {
            return AsyncAttempts.await(client, plan, call, view);
        }
        while (true) {
            PreemptibleAttempt attempt = new PreemptibleAttempt(call);
            HttpRequest request = plan.next(attempt);
            HttpResponse.BodyHandler<?> handler = plan.handler();
            HttpResponse<?> response = null;
            Throwable failure = null;
            JdkClientBridge.watchExchange(attempt::started);
            try {
                response = Gate.send(call, () -> client.send(request, handler));
            } catch (InterruptedException e) { // the client cancelled the exchange already
                plan.abandon();
                call.finish(Outcome.CANCELLED, e);
                return AdviceOutcome.failed(e);
            } catch (Throwable e) {
                failure = e; // a preempted attempt ends with a CancellationException
            } finally {
                JdkClientBridge.watchExchange(null);
            }
            CompletableFuture<Object> done = plan.ended(response, failure);
            if (done != null) {
                return outcome(done);
            }
            AdviceOutcome refused = PreemptibleAttempt.reacquire(call, view);
            if (refused != null) {
                return refused;
            }
        }
    }

    /** What the blocking send returns or throws, once the application's response is ready. */
    static AdviceOutcome outcome(CompletableFuture<Object> done) {
        try {
            return AdviceOutcome.of(done.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AdviceOutcome.failed(e);
        } catch (ExecutionException e) {
            return AdviceOutcome.failed(AttemptPlan.unwrap(e));
        }
    }
}
