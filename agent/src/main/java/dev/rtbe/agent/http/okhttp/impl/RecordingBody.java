package dev.rtbe.agent.http.okhttp.impl;

import java.io.IOException;
import java.util.function.Consumer;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.Buffer;
import okio.BufferedSink;
import okio.ForwardingSink;
import okio.Okio;

/**
 * A one-shot body as its first attempt writes it: the same bytes go out, and a copy of them (up
 * to {@code rtbe.preemption.max-body-bytes}) is handed on once the whole body is written, so the
 * call can be sent again from it.
 */
final class RecordingBody extends RequestBody {
    private final RequestBody original;
    private final int maxBytes;
    private final Consumer<byte[]> written;

    RecordingBody(RequestBody original, int maxBytes, Consumer<byte[]> written) {
        this.original = original;
        this.maxBytes = maxBytes;
        this.written = written;
    }

    @Override
    public MediaType contentType() {
        return original.contentType();
    }

    @Override
    public long contentLength() throws IOException {
        return original.contentLength();
    }

    @Override
    public boolean isOneShot() {
        return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
        Buffer copy = new Buffer();
        boolean[] over = {false};
        BufferedSink tee = Okio.buffer(new ForwardingSink(sink) {
            @Override
            public void write(Buffer source, long byteCount) throws IOException {
                if (!over[0] && copy.size() + byteCount <= maxBytes) {
                    source.copyTo(copy, 0, byteCount);
                } else {
                    over[0] = true; // too large to keep: the call stays immune
                    copy.clear();
                }
                super.write(source, byteCount);
            }
        });
        original.writeTo(tee);
        tee.emit();
        if (!over[0]) {
            written.accept(copy.readByteArray());
        }
    }
}
