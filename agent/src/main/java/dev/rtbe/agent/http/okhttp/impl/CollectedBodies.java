package dev.rtbe.agent.http.okhttp.impl;

import dev.rtbe.agent.call.Gate;
import java.io.IOException;
import java.util.Map;
import java.util.WeakHashMap;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;
import okio.BufferedSink;
import okio.ForwardingSink;
import okio.Okio;

/**
 * The application's own request bodies (not OkHttp's in-memory ones), read before the call is
 * decided so it can be classified by what it asks for, and then sent from that copy: exactly the
 * bytes that were read. Only bodies OkHttp itself may write more than once (neither duplex nor
 * one-shot) are read; a body larger than the limit is left to OkHttp, which writes it again, as
 * on a retry. Copies are kept per request object (weakly) until its call enters the chain.
 */
final class CollectedBodies {
    private static final Map<Request, RequestBody> COPIES = new WeakHashMap<>();

    private CollectedBodies() {}

    /** Reads the request's body, remembers the copy to send, and returns its bytes; null when not read. */
    static byte[] read(Request request, int maxBytes) {
        RequestBody body = request.body();
        if (body == null || maxBytes <= 0 || OkHttpRequests.isInMemory(body) || writesOnce(body)) {
            return null;
        }
        byte[] bytes = readUpTo(body, maxBytes);
        if (bytes != null) {
            synchronized (COPIES) {
                COPIES.put(request, new Copy(body, bytes));
            }
        }
        return bytes;
    }

    /** The copy to send in place of the request's body, or null. */
    static RequestBody take(Request request) {
        synchronized (COPIES) {
            return COPIES.remove(request);
        }
    }

    /** {@code bytes} sent as {@code original}'s body: its type, and its length unless that is unknown. */
    static RequestBody copyOf(RequestBody original, byte[] bytes) {
        return new Copy(original, bytes);
    }

    private static boolean writesOnce(RequestBody body) {
        try {
            return body.isDuplex() || body.isOneShot();
        } catch (LinkageError olderOkHttp) {
            return false; // before 3.14 every body may be written again (OkHttp's retries do)
        }
    }

    private static byte[] readUpTo(RequestBody body, int maxBytes) {
        try {
            long length = body.contentLength();
            if (length > maxBytes) {
                Gate.bodyOverLimit("okhttp", length);
                return null;
            }
            Buffer read = new Buffer();
            BufferedSink sink = Okio.buffer(new ForwardingSink(read) {
                @Override
                public void write(Buffer source, long byteCount) throws IOException {
                    if (read.size() + byteCount > maxBytes) {
                        throw new TooLarge();
                    }
                    super.write(source, byteCount);
                }
            });
            body.writeTo(sink);
            sink.flush();
            return read.readByteArray();
        } catch (TooLarge e) {
            Gate.bodyOverLimit("okhttp", maxBytes + 1L);
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // the application's body fails; it will fail the same way when OkHttp writes it
        }
    }

    private static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super("request body over rtbe.request.max-body-bytes");
        }
    }

    /** The bytes that were read, with the body's own type and length (unknown stays unknown: chunked). */
    private static final class Copy extends RequestBody {
        private final RequestBody original;
        private final byte[] bytes;

        Copy(RequestBody original, byte[] bytes) {
            this.original = original;
            this.bytes = bytes;
        }

        @Override
        public MediaType contentType() {
            return original.contentType();
        }

        @Override
        public long contentLength() throws IOException {
            return original.contentLength() < 0 ? -1 : bytes.length;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            sink.write(bytes);
        }
    }
}
