package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;

/**
 * The response body as the application sees it: the same bytes, watched on their way, and the
 * call ended when they end (EOF, {@code writeTo} done), when the body is closed (the client drains
 * the rest first, so the slot is released only once the server is done with it) or on an error.
 */
final class GatedEntity extends HttpEntityWrapper {
    private final GatedCall call;

    GatedEntity(HttpEntity wrapped, GatedCall call) {
        super(wrapped);
        this.call = call;
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
        return in == null ? null : new GatedInputStream(in, call, this);
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
        try {
            super.close();
        } catch (IOException | RuntimeException | Error e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        call.finish(Outcome.CLOSED, null);
    }
}
