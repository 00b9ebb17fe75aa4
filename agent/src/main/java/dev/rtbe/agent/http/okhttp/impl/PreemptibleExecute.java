package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.http.AdviceOutcome;
import dev.rtbe.agent.scheduler.Permit;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import okhttp3.Call;
import okhttp3.Response;

/**
 * {@code Call.execute()} of a {@link PreemptibleCall}: sends attempts on the calling thread until
 * one is not preempted, waiting for a slot again between them (a future, so the application's
 * {@code call.cancel()} from another thread ends the wait). The application gets one response or
 * one failure.
 */
final class PreemptibleExecute {
    private PreemptibleExecute() {}

    static AdviceOutcome run(PreemptibleCall p) {
        while (true) {
            Response answer;
            try {
                answer = attempt(p);
            } catch (IOException e) {
                return AdviceOutcome.failed(e);
            } catch (RuntimeException | Error e) {
                p.gated.finish(Outcome.FAILED, e);
                return AdviceOutcome.failed(e);
            }
            if (answer != null) {
                return AdviceOutcome.of(answer);
            }
            IOException refused = awaitSlot(p);
            if (refused != null) {
                return AdviceOutcome.failed(refused);
            }
        }
    }

    /** One attempt: its answer for the application, or null when it was preempted. */
    private static Response attempt(PreemptibleCall p) throws IOException {
        Call attempt = p.nextAttempt();
        Response response;
        try {
            response = Gate.send(p.gated, attempt::execute);
        } catch (IOException e) {
            p.onFailure(e);
            return null;
        }
        return p.onResponse(response);
    }

    /** Waits for a slot again: null once it is held, else the call's failure. */
    private static IOException awaitSlot(PreemptibleCall p) {
        CompletableFuture<Permit> permit = p.reacquire();
        try {
            permit.get();
        } catch (InterruptedException e) {
            p.gated.finish(Outcome.CANCELLED, e); // first: a slot granted meanwhile goes straight back
            permit.cancel(false);
            Thread.currentThread().interrupt(); // the waiter left; the interrupt stays visible
            return RequestView.asIoFailure(p.view.interruptedFailure(e));
        } catch (ExecutionException | CancellationException e) {
            // refusedAgain says what it was
        }
        return p.refusedAgain(permit);
    }
}
