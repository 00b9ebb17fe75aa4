package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.GatedCall;
import dev.rtbe.agent.call.Outcome;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import okio.Okio;

/**
 * The response body the application gets: the same bytes, read through a {@link GatedSource};
 * closing it (directly, through the response, or through any of the body's readers) ends the call.
 * Closing it before its end cancels the OkHttp call first, so the connection is closed and the
 * server stops generating; the call then ends cancelled.
 */
final class GatedResponseBody extends ResponseBody {
    private final ResponseBody delegate;
    private final GatedCall gated;
    private final Runnable cancel;
    private BufferedSource source;

    GatedResponseBody(ResponseBody delegate, GatedCall gated, Runnable cancel) {
        this.delegate = delegate;
        this.gated = gated;
        this.cancel = cancel;
    }

    @Override
    public MediaType contentType() {
        return delegate.contentType();
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public synchronized BufferedSource source() {
        if (source == null) {
            source = Okio.buffer(new GatedSource(delegate.source(), gated, this, cancel));
        }
        return source;
    }

    @Override
    public void close() {
        boolean early = !gated.isFinished();
        try {
            if (early) {
                cancel.run(); // the connection is closed, not drained or kept for reuse
            }
            delegate.close(); // the connection first, then the slot: the server never sees N + 1
        } finally {
            gated.finish(early ? Outcome.CANCELLED : Outcome.CLOSED, null);
        }
    }
}
