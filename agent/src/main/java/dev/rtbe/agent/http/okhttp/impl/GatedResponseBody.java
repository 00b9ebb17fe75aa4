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
 */
final class GatedResponseBody extends ResponseBody {
    private final ResponseBody delegate;
    private final GatedCall gated;
    private BufferedSource source;

    GatedResponseBody(ResponseBody delegate, GatedCall gated) {
        this.delegate = delegate;
        this.gated = gated;
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
            source = Okio.buffer(new GatedSource(delegate.source(), gated, this));
        }
        return source;
    }

    @Override
    public void close() {
        try {
            delegate.close(); // the connection first, then the slot: the server never sees N + 1
        } finally {
            gated.finish(Outcome.CLOSED, null);
        }
    }
}
