package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import dev.rtbe.agent.http.okhttp.OkHttpBridge;
import java.io.IOException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Response;

/**
 * The application's callback, as OkHttp sees it for a gated call: a failure ends the call, a
 * response reaches the application with a body that releases the slot at its end. Marked as
 * {@link OkHttpBridge.GatedCallback} so the dispatcher thread runs the call inside the gate; the
 * application's code runs outside it.
 */
final class GatedCallback implements Callback, OkHttpBridge.GatedCallback {
    private final Callback delegate;
    private final GatedCall gated;

    GatedCallback(Callback delegate, GatedCall gated) {
        this.delegate = delegate;
        this.gated = gated;
    }

    @Override
    public void onFailure(Call call, IOException e) {
        gated.finish(Outcome.FAILED, e);
        fail(delegate, call, e);
    }

    @Override
    public void onResponse(Call call, Response response) throws IOException {
        respond(delegate, call, GatedResponses.gate(response, gated, call), gated, call::cancel);
    }

    /** Hands the application its failure, outside the gate. */
    static void fail(Callback delegate, Call call, IOException e) {
        int depth = Unguarded.suspend();
        try {
            delegate.onFailure(call, e);
        } finally {
            Unguarded.resume(depth);
        }
    }

    /**
     * Hands the application its response, outside the gate; {@code cancel} stops the exchange when
     * the application's callback throws.
     */
    static void respond(Callback delegate, Call call, Response response, GatedCall gated, Runnable cancel)
            throws IOException {
        int depth = Unguarded.suspend();
        try {
            delegate.onResponse(call, response);
        } catch (RuntimeException | Error e) {
            cancel.run(); // what OkHttp does next anyway; first, so the server stops before the slot is reused
            gated.finish(Outcome.FAILED, e); // the application gave up on the response it was handed
            throw e;
        } catch (IOException e) {
            gated.finish(Outcome.FAILED, e);
            throw e;
        } finally {
            Unguarded.resume(depth);
        }
    }

    @Override
    public String toString() {
        return delegate.toString(); // OkHttp's logs name the application's callback
    }
}
