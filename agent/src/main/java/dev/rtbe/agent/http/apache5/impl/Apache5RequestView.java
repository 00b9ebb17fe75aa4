package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.RequestView;
import dev.rtbe.agent.scheduler.QueueTimeoutException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;

/** An Apache HttpClient 5 request (classic or async) as the gate sees it; failures as the client reports them. */
final class Apache5RequestView implements RequestView {
    private final Object target;
    private final HttpRequest request;
    /** An async request's producer, when its body is written by it; else null. */
    private final AsyncRequestProducer producer;
    private AsyncBody asyncBody;
    /** The body as the gate read it (whole, within the limit), or null. */
    private byte[] bodyRead;

    Apache5RequestView(Object target, HttpRequest request) {
        this(target, request, null);
    }

    Apache5RequestView(Object target, HttpRequest request, AsyncRequestProducer producer) {
        this.target = target;
        this.request = request;
        this.producer = producer;
    }

    @Override
    public URI uri() {
        return Apache5Requests.targetUri(target, request);
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String header(String name) {
        return Apache5Requests.headerValue(request, name);
    }

    @Override
    public byte[] body(int maxBytes) {
        bodyRead = readBody(maxBytes);
        return bodyRead;
    }

    private byte[] readBody(int maxBytes) {
        byte[] inMemory = Apache5Requests.bodyOf(request, maxBytes);
        if (inMemory == null && request instanceof ClassicHttpRequest) {
            return ClassicBodies.read((ClassicHttpRequest) request, maxBytes); // the request then carries the copy
        }
        if (inMemory == null && producer != null) {
            asyncBody = AsyncBody.read(producer, maxBytes); // sent in place of the producer (producerToSend)
            return asyncBody.whole();
        }
        return inMemory;
    }

    /** The whole body the gate read to classify the call, or null (none, not read, or over the limit). */
    byte[] bodyRead() {
        return bodyRead;
    }

    /** The async body read from the application's producer, or null when none was read. */
    AsyncBody asyncBody() {
        return asyncBody;
    }

    /** The producer the exchange gets: the application's, or the one that sends what was read of it. */
    AsyncRequestProducer producerToSend(AsyncRequestProducer original) {
        return asyncBody != null ? asyncBody : original;
    }

    @Override
    public Duration ownTimeout() {
        return Apache5Requests.ownTimeout(request);
    }

    /** The request's own timeout ending the wait reads as the pool's lease timeout. */
    @Override
    public Exception timeoutFailure(QueueTimeoutException e) {
        ConnectionRequestTimeoutException timeout = new ConnectionRequestTimeoutException(e.getMessage());
        timeout.initCause(e);
        return timeout;
    }

    /** As the client reports a request aborted while it leases a connection. */
    @Override
    public Exception cancelledFailure(CancellationException e) {
        InterruptedIOException aborted = new InterruptedIOException("Request aborted while waiting for a slot");
        aborted.initCause(e);
        return aborted;
    }
}
