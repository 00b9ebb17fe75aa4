package dev.rtbe.agent.http.urlconnection;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The response body as the application reads it: bytes pass through unchanged (and are shown to
 * the call's watcher), and the call ends at end of stream, on close, or when a read fails.
 * Holds the connection, so the connection's garbage-collection safety net cannot fire while the
 * application still reads this stream.
 */
final class GatedInputStream extends FilterInputStream {
    private final GatedCall call;
    @SuppressWarnings({"unused", "FieldCanBeLocal"}) // reachability only
    private final Object connection;
    private final byte[] one = new byte[1];

    GatedInputStream(InputStream body, GatedCall call, Object connection) {
        super(body);
        this.call = call;
        this.connection = connection;
    }

    boolean wraps(Object body) {
        return in == body;
    }

    @Override
    public int read() throws IOException {
        int b;
        try {
            b = in.read();
        } catch (IOException | RuntimeException | Error e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        if (b < 0) {
            call.finish(Outcome.COMPLETED, null);
        } else {
            one[0] = (byte) b;
            call.onBytes(one, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n;
        try {
            n = in.read(buffer, offset, length);
        } catch (IOException | RuntimeException | Error e) {
            call.finish(Outcome.FAILED, e);
            throw e;
        }
        if (n < 0) {
            call.finish(Outcome.COMPLETED, null);
        } else {
            call.onBytes(buffer, offset, n);
        }
        return n;
    }

    /** Skips by reading, so the watcher and the end of the body are still seen. */
    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        byte[] scratch = new byte[(int) Math.min(n, 8192)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    /** Closing releases the slot after the connection is closed, so the next call never overlaps it. */
    @Override
    public void close() throws IOException {
        try {
            in.close();
        } finally {
            call.finish(Outcome.CLOSED, null);
        }
    }

    // mark/reset would replay bytes to the watcher: not offered (the JDK's stream offers none either).
    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readLimit) {
        // not supported
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }
}
