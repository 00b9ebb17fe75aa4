package dev.rtbe.agent.http.apache5.impl;

import dev.rtbe.agent.call.Gate;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;

/**
 * A classic request's one-shot body (an input stream, Spring's streamed body), read before the
 * call is decided so it can be classified by what it asks for; the request then carries an
 * entity with exactly the bytes that were read (same type, encoding and framing). A body over
 * the limit goes out as what was read first, then the rest of the application's stream. A body
 * that can only be written ({@code writeTo}, no {@code getContent}) is written whole to memory,
 * since a writer cannot be paused; it is classified only if it is within the limit.
 */
final class ClassicBodies {
    private ClassicBodies() {}

    /** The body's bytes within the limit, or null (none, in memory already, or over the limit). */
    static byte[] read(ClassicHttpRequest request, int maxBytes) {
        HttpEntity entity = request.getEntity();
        if (entity == null || maxBytes <= 0 || (entity.isRepeatable() && !entity.isStreaming())) {
            return null; // in-memory bodies are read as they are (Apache5Requests.bodyOf)
        }
        long length = entity.getContentLength();
        if (length > maxBytes) {
            Gate.bodyOverLimit("apache-httpclient5", length);
            return null;
        }
        InputStream content;
        try {
            content = entity.getContent();
        } catch (UnsupportedOperationException | IOException writeOnly) {
            content = null;
        }
        return content == null ? readWritten(request, entity, maxBytes) : readPulled(request, entity, content, maxBytes);
    }

    private static byte[] readPulled(ClassicHttpRequest request, HttpEntity entity, InputStream content, int maxBytes) {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            while (read.size() <= maxBytes) {
                int n = content.read(chunk, 0, (int) Math.min(chunk.length, maxBytes + 1L - read.size()));
                if (n < 0) {
                    content.close();
                    byte[] whole = read.toByteArray();
                    request.setEntity(copy(whole, entity));
                    return whole;
                }
                read.write(chunk, 0, n);
            }
        } catch (IOException e) {
            request.setEntity(failing(read.toByteArray(), e, entity)); // the same bytes, then the same failure
            return null;
        }
        Gate.bodyOverLimit("apache-httpclient5", read.size());
        InputStream rest = new SequenceInputStream(new ByteArrayInputStream(read.toByteArray()), content);
        request.setEntity(new InputStreamEntity(rest, entity.getContentLength(), contentType(entity),
                entity.getContentEncoding()));
        return null;
    }

    private static byte[] readWritten(ClassicHttpRequest request, HttpEntity entity, int maxBytes) {
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try {
            entity.writeTo(written);
        } catch (IOException e) {
            request.setEntity(failing(written.toByteArray(), e, entity));
            return null;
        }
        byte[] whole = written.toByteArray();
        request.setEntity(copy(whole, entity));
        if (whole.length > maxBytes) {
            Gate.bodyOverLimit("apache-httpclient5", whole.length);
            return null;
        }
        return whole;
    }

    /** {@code bytes} as an in-memory entity with the original's type, encoding and framing. */
    static HttpEntity copy(byte[] bytes, HttpEntity original) {
        return new ByteArrayEntity(bytes, contentType(original), original.getContentEncoding(),
                original.isChunked() || original.getContentLength() < 0);
    }

    /** What was read, then the failure the application's body gave: it reaches the client as it would have. */
    private static HttpEntity failing(byte[] read, IOException failure, HttpEntity original) {
        InputStream fails = new InputStream() {
            @Override
            public int read() throws IOException {
                throw failure;
            }
        };
        return new InputStreamEntity(new SequenceInputStream(new ByteArrayInputStream(read), fails),
                original.getContentLength(), contentType(original), original.getContentEncoding());
    }

    private static ContentType contentType(HttpEntity entity) {
        String type = entity.getContentType();
        try {
            return type == null ? null : ContentType.parse(type);
        } catch (RuntimeException unparsable) {
            return null;
        }
    }
}
