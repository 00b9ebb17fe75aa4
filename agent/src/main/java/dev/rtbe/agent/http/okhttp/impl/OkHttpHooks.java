package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.http.okhttp.OkHttpBridge;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Request;

/**
 * The adapter behind {@link OkHttpBridge}, loaded as a child of the class loader that has OkHttp.
 * Blocking calls go through {@link BlockingGate}, asynchronous ones through {@link AsyncGate}.
 */
public final class OkHttpHooks implements OkHttpBridge.Hooks {
    public OkHttpHooks() {}

    @Override
    public Object execute(Object call) {
        return BlockingGate.execute((Call) call);
    }

    @Override
    public boolean enqueue(Object call, Object callback) {
        return AsyncGate.enqueue((Call) call, (Callback) callback);
    }

    @Override
    public void cancelled(Object call) {
        Cancellations.cancelled(call);
    }

    @Override
    public Object asSent(Object call, Object request) {
        return OkHttpRequests.asSent(call, (Request) request);
    }
}
