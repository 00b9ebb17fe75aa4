package dev.rtbe.agent.http.jdk.impl;

import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;

/** A JDK {@code HttpRequest} as the gate sees it; failures as {@code HttpClient} reports them. */
final class JdkRequestView implements RequestView {
    private final HttpRequest request;
    /** The one-shot body as it was read before the call was decided, or null. */
    private final byte[] collected;

    JdkRequestView(HttpRequest request, byte[] collected) {
        this.request = request;
        this.collected = collected;
    }

    JdkRequestView withBody(byte[] body) {
        return new JdkRequestView(request, body);
    }

    @Override
    public URI uri() {
        return request.uri();
    }

    @Override
    public String method() {
        return request.method();
    }

    @Override
    public String header(String name) {
        return request.headers().firstValue(name).orElse(null);
    }

    @Override
    public byte[] body(int maxBytes) {
        if (collected != null) {
            return collected.length <= maxBytes ? collected : null;
        }
        return JdkRequests.peekBody(request, maxBytes);
    }

    @Override
    public Duration ownTimeout() {
        return request.timeout().orElse(null);
    }

    /** The JDK reports its request timeout as HttpTimeoutException; so does a wait it cut short. */
    @Override
    public Exception timeoutFailure(QueueTimeoutException e) {
        HttpTimeoutException timeout = new HttpTimeoutException("request timed out: " + e.getMessage());
        timeout.initCause(e);
        return timeout;
    }

    /** {@code send} declares InterruptedException and throws it as such. */
    @Override
    public Exception interruptedFailure(InterruptedException e) {
        return e;
    }

    @Override
    public Exception cancelledFailure(CancellationException e) {
        return e;
    }
}
