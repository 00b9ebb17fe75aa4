package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Passes the body's bytes through unchanged; ends the call at EOF, on a read error, or at close. */
final class GatedInputStream extends FilterInputStream {
    private final GatedCall call;
    @SuppressWarnings("unused") // keeps the entity (the collector's safety net) reachable while the stream is
    private final GatedEntity entity;

    GatedInputStream(InputStream in, GatedCall call, GatedEntity entity) {
        super(in);
        this.call = call;
        this.entity = entity;
    }

    @Override
    public int read() throws IOException {
        int b;
        try {
            b = in.read();
        } catch (IOException | RuntimeException e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        if (b < 0) {
            call.finish(Outcome.COMPLETED, null);
        } else {
            call.onBytes(new byte[] {(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException | RuntimeException e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        if (n < 0) {
            call.finish(Outcome.COMPLETED, null);
        } else {
            call.onBytes(b, off, n);
        }
        return n;
    }

    /** Skipped bytes go unwatched; they are still read off the wire by the client. */
    @Override
    public long skip(long n) throws IOException {
        try {
            return in.skip(n);
        } catch (IOException | RuntimeException e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public void mark(int readlimit) {
        // not supported: a reset would show the watcher the same bytes twice
    }

    @Override
    public void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    @Override
    public void close() throws IOException {
        try {
            in.close(); // the client drains what is left, then frees the connection
        } catch (IOException | RuntimeException e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        call.finish(Outcome.CLOSED, null);
    }
}
