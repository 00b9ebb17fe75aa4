package dev.rtbe.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Executor;

/** One request on one connection: the parsed request, the response writer and the client-disconnect signal. */
final class Exchange {
    private final HttpRequestData request;
    private final HttpResponseWriter response;
    private final InputStream in;
    private final Executor executor;
    private final Cancellation cancellation = new Cancellation();
    private volatile boolean done;
    private boolean watching;

    Exchange(HttpRequestData request, HttpResponseWriter response, InputStream in, Executor executor) {
        this.request = request;
        this.response = response;
        this.in = in;
        this.executor = executor;
    }

    HttpRequestData request() {
        return request;
    }

    HttpResponseWriter response() {
        return response;
    }

    Cancellation cancellation() {
        return cancellation;
    }

    /**
     * Starts watching the socket for EOF. The request has been read completely and we close after responding, so
     * any end of input means the client is gone; that is how a waiting (not yet writing) request notices it.
     */
    void watchForDisconnect() {
        if (watching) return;
        watching = true;
        executor.execute(() -> {
            try {
                while (in.read() >= 0) {
                    // Bytes after the request (pipelining) are not expected; drop them and keep watching.
                }
            } catch (IOException closed) {
                // reset or closed by us: same meaning
            }
            if (!done) cancellation.cancel();
        });
    }

    /** Marks the response finished, so the watcher seeing our own close is not taken for a disconnect. */
    void markDone() {
        done = true;
    }
}
