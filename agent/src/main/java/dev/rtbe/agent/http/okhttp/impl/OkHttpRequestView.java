package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import okhttp3.Call;
import okhttp3.Request;

/** An OkHttp call's request as the gate sees it; failures as OkHttp reports them. */
final class OkHttpRequestView implements RequestView {
    private final Request request;
    /** The call's timeout in nanoseconds, 0 for none: it spans the whole call, the wait included. */
    final long timeoutNanos;
    /** The body's bytes as read to classify the call (and sent from them), or null when not read. */
    private volatile byte[] bodyRead;

    OkHttpRequestView(Call call) {
        this.request = call.request();
        this.timeoutNanos = CallTimeouts.of(call);
    }

    @Override
    public URI uri() {
        return request.url().uri();
    }

    @Override
    public String method() {
        return request.method();
    }

    @Override
    public String header(String name) {
        return request.header(name);
    }

    @Override
    public byte[] body(int maxBytes) {
        byte[] inMemory = OkHttpRequests.peekBody(request.body(), maxBytes);
        byte[] read = inMemory != null ? inMemory : CollectedBodies.read(request, maxBytes);
        bodyRead = read;
        return read;
    }

    Request request() {
        return request;
    }

    /** The body's bytes as the call was classified by (and as they are sent), or null when they were not read. */
    byte[] bodyRead() {
        return bodyRead;
    }

    @Override
    public Duration ownTimeout() {
        return timeoutNanos > 0 ? Duration.ofNanos(timeoutNanos) : null;
    }

    /** OkHttp's call timeout reads "timeout". */
    @Override
    public Exception timeoutFailure(QueueTimeoutException e) {
        InterruptedIOException timeout = new InterruptedIOException("timeout: " + e.getMessage());
        timeout.initCause(e);
        return timeout;
    }
}
