package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import java.io.IOException;
import okio.Buffer;
import okio.ForwardingSource;
import okio.Source;

/**
 * The body's bytes on their way to the application: shown to the call's watcher, never changed.
 * The end of the stream, an error while reading and close each end the call.
 */
final class GatedSource extends ForwardingSource {
    private final GatedCall gated;
    /** Keeps the body reachable while its source is: the GC safety net is registered on the body. */
    @SuppressWarnings("unused")
    private final Object owner;
    /** Cancels the OkHttp call: a close before the end stops the exchange. */
    private final Runnable cancel;

    GatedSource(Source delegate, GatedCall gated, Object owner, Runnable cancel) {
        super(delegate);
        this.gated = gated;
        this.owner = owner;
        this.cancel = cancel;
    }

    @Override
    public long read(Buffer sink, long byteCount) throws IOException {
        long n;
        try {
            n = super.read(sink, byteCount);
        } catch (IOException | RuntimeException | Error e) {
            gated.finish(Outcome.FAILED, e);
            throw e;
        }
        if (n < 0) {
            gated.finish(Outcome.COMPLETED, null);
        } else if (n > 0) {
            watch(sink, n);
        }
        return n;
    }

    private void watch(Buffer sink, long n) {
        try {
            Buffer copy = new Buffer();
            sink.copyTo(copy, sink.size() - n, n);
            byte[] bytes = copy.readByteArray();
            gated.onBytes(bytes, 0, bytes.length);
        } catch (RuntimeException e) {
            // watching is best-effort: never disturb the application's read
        }
    }

    @Override
    public void close() throws IOException {
        boolean early = !gated.isFinished();
        try {
            if (early) {
                cancel.run(); // the connection is closed, not drained or kept for reuse
            }
            super.close();
        } finally {
            gated.finish(early ? Outcome.CANCELLED : Outcome.CLOSED, null);
        }
    }
}
