package dev.rtbe.agent.call;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A response body as the application reads it, for every client whose body is an
 * {@link InputStream}: bytes pass through unchanged (and are shown to the call's watcher), and the
 * call ends at end of stream, on close, or when a read fails. Holds {@code owner} (the connection,
 * the entity) so the owner's garbage-collection safety net cannot fire while the application
 * still reads this stream.
 */
public final class GatedInputStream extends FilterInputStream {
    private final GatedCall call;
    @SuppressWarnings({"unused", "FieldCanBeLocal"}) // reachability only
    private final Object owner;
    private final byte[] one = new byte[1];
    /** Ends the exchange on the wire when the application closes before the end; or null. */
    private final Runnable abort;

    public GatedInputStream(InputStream body, GatedCall call, Object owner) {
        this(body, call, owner, null);
    }

    /**
     * @param abort ends the exchange at once (closes the connection) so the server stops
     *              generating; run when the application closes the stream before its end, in
     *              place of the client's own close, which may read the rest of the body first
     */
    public GatedInputStream(InputStream body, GatedCall call, Object owner, Runnable abort) {
        super(body);
        this.call = call;
        this.owner = owner;
        this.abort = abort;
    }

    public boolean wraps(Object body) {
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

    /**
     * Closing releases the slot after the connection is closed, so the next call never overlaps
     * it. Closing before the end is the application giving the answer up: the exchange is aborted
     * first (the server frees its slot on disconnect), never drained, and the call ends cancelled.
     */
    @Override
    public void close() throws IOException {
        if (abort != null && !call.isFinished()) {
            try {
                abort.run();
                in.close();
            } catch (IOException | RuntimeException closingAnAbortedExchange) {
                // the exchange is over either way
            } finally {
                call.finish(Outcome.CANCELLED, null);
            }
            return;
        }
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
