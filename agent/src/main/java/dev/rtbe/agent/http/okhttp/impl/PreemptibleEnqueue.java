package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.Gate;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.http.okhttp.OkHttpBridge;
import dev.rtbe.agent.scheduler.Permit;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Response;

/**
 * {@code Call.enqueue(Callback)} of a {@link PreemptibleCall}: each attempt is enqueued with this
 * callback; a preempted one asks for a slot again without blocking any thread (OkHttp's
 * dispatcher threads least of all), and the next attempt is enqueued when the slot comes. The
 * application's callback is called once, with its own call. Marked as a gated callback, so
 * OkHttp's dispatcher thread runs each attempt inside the gate.
 */
final class PreemptibleEnqueue implements Callback, OkHttpBridge.GatedCallback {
    private final PreemptibleCall p;
    private final Callback application;

    PreemptibleEnqueue(PreemptibleCall p, Callback application) {
        this.p = p;
        this.application = application;
    }

    /** Enqueues the next attempt; never blocks. */
    void send() {
        try {
            Call attempt = p.nextAttempt();
            Gate.send(p.gated, () -> {
                attempt.enqueue(this);
                return null;
            });
        } catch (IOException e) {
            failLater(e);
        } catch (RuntimeException | Error e) {
            p.gated.finish(Outcome.FAILED, e);
            failLater(RequestView.asIoFailure(e));
        }
    }

    @Override
    public void onFailure(Call attempt, IOException e) {
        try {
            p.onFailure(e);
        } catch (IOException failure) {
            GatedCallback.fail(application, p.call, failure);
            return;
        }
        sendAgain();
    }

    @Override
    public void onResponse(Call attempt, Response response) throws IOException {
        Response answer;
        try {
            answer = p.onResponse(response);
        } catch (IOException failure) {
            GatedCallback.fail(application, p.call, failure);
            return;
        } catch (RuntimeException agentFault) {
            IOException failure = new IOException("rtbe: the answer could not be read", agentFault);
            p.gated.finish(Outcome.FAILED, failure);
            GatedCallback.fail(application, p.call, failure);
            return;
        }
        if (answer == null) {
            sendAgain();
            return;
        }
        GatedCallback.respond(application, p.call, answer, p.gated, attempt::cancel);
    }

    /** After a preemption: the next attempt goes out when a slot comes (on the agent's dispatch thread). */
    private void sendAgain() {
        CompletableFuture<Permit> permit = p.reacquire();
        Gate.whenDecided(permit, null, () -> {
            IOException refused = p.refusedAgain(permit);
            if (refused != null) {
                failLater(refused);
            } else {
                send();
            }
        });
    }

    /** The application's onFailure, on the agent's dispatch thread: OkHttp never calls back on the caller's thread. */
    private void failLater(IOException failure) {
        Gate.dispatch().execute(() -> {
            try {
                GatedCallback.fail(application, p.call, failure);
            } catch (RuntimeException e) {
                Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
            }
        });
    }

    @Override
    public String toString() {
        return application.toString(); // OkHttp's logs name the application's callback
    }
}
