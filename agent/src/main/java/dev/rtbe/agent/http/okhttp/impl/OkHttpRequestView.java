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
        return inMemory != null ? inMemory : CollectedBodies.read(request, maxBytes);
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
