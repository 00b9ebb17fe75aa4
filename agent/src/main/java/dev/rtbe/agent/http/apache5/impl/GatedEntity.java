package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.GatedInputStream;
import dev.rtbe.agent.call.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;

/**
 * The response body as the application sees it: the same bytes, watched on their way, and the
 * call ended when they end (EOF, {@code writeTo} done), when the body is closed or on an error.
 * Closing before the end aborts the exchange instead of letting the client drain the rest (which
 * would keep the server generating an answer nobody reads): the call ends cancelled at once.
 */
final class GatedEntity extends HttpEntityWrapper {
    private final GatedCall call;
    /** Closes the connection at once (the response's immediate close). */
    private final Runnable abort;

    GatedEntity(HttpEntity wrapped, GatedCall call, Runnable abort) {
        super(wrapped);
        this.call = call;
        this.abort = abort;
    }

    @Override
    public InputStream getContent() throws IOException {
        InputStream in;
        try {
            in = super.getContent();
        } catch (IOException | RuntimeException e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        return in == null ? null : new GatedInputStream(in, call, this, abort);
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        try {
            super.writeTo(new WatchingOutputStream(out, call));
        } catch (IOException | RuntimeException | Error e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        call.finish(Outcome.COMPLETED, null);
    }

    @Override
    public void close() throws IOException {
        if (!call.isFinished()) {
            try {
                abort.run();
            } finally {
                call.finish(Outcome.CANCELLED, null);
            }
            return;
        }
        try {
            super.close();
        } catch (IOException | RuntimeException | Error e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        call.finish(Outcome.CLOSED, null);
    }
}
