package dev.rtbe.agent.call;

import dev.rtbe.agent.scheduler.QueueTimeoutException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CancellationException;

/**
 * One outgoing request as the {@link Gate} needs to see it, implemented by each client adapter
 * on its side of the class-loader line (as OpenTelemetry's attribute getters are): where it goes,
 * how, its headers and body as the server will see them, its own timeout, and how the client
 * reports a failure to get a slot. Every method is called on the application's thread, once.
 */
public interface RequestView {
    /** Where the request goes, or null when that is not known (then it is not gated). */
    URI uri();

    /** The HTTP method, upper case. */
    String method();

    /** The first value of a request header as it will be sent, or null. */
    String header(String name);

    /**
     * The whole request body, or null when it is not collected: there is none, or it is larger
     * than {@code maxBytes}, or the client does not let it be read before it is sent.
     */
    byte[] body(int maxBytes);

    /** The request's own timeout that also bounds its wait for a slot, or null for none. */
    default Duration ownTimeout() {
        return null;
    }

    /** The client's own exception for its timeout ending the wait for a slot. */
    default Exception timeoutFailure(QueueTimeoutException e) {
        return e;
    }

    /** The client's own exception for an interrupt while waiting (the interrupt status stays set). */
    default Exception interruptedFailure(InterruptedException e) {
        InterruptedIOException failure = new InterruptedIOException("rtbe: interrupted while waiting for a slot");
        failure.initCause(e);
        return failure;
    }

    /** The client's own exception for the call cancelled (aborted) while waiting. */
    default Exception cancelledFailure(CancellationException e) {
        InterruptedIOException failure = new InterruptedIOException("rtbe: the call was cancelled while it waited for a slot");
        failure.initCause(e);
        return failure;
    }

    /** Anything else that is not an exception the client could report, as an I/O failure. */
    static IOException asIoFailure(Throwable error) {
        return error instanceof IOException ? (IOException) error
                : new IOException("rtbe: could not get a slot: " + error, error);
    }
}
