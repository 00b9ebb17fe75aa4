package dev.rtbe.agent.http.urlconnection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.HttpURLConnection;

/**
 * What the application writes to {@code getOutputStream()} in fixed-length or chunked streaming
 * mode, held in memory before anything leaves the JVM, so the call can be decided with its whole
 * body when the application asks for the response; then the JDK's own stream gets exactly these
 * bytes. Past {@code rtbe.request.max-body-bytes} the call is decided without the body there and
 * then, and what was held and everything after it goes to the JDK's stream as it is written.
 */
final class HeldBody extends OutputStream {
    /** Weak: this body is the value of a map weakly keyed by the connection. */
    private final WeakReference<HttpURLConnection> connection;
    private final int maxBytes;
    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    /** The JDK's stream, once the body passed the limit. */
    private OutputStream passing;
    private boolean closed;

    HeldBody(HttpURLConnection connection, int maxBytes) {
        this.connection = new WeakReference<>(connection);
        this.maxBytes = maxBytes;
    }

    /** The body as written so far; the stream is not written to the JDK's any more. */
    byte[] bytes() {
        return held.toByteArray();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (passing != null) {
            passing.write(b, off, len);
            return;
        }
        if (closed) {
            throw new IOException("stream is closed");
        }
        if (held.size() + len > maxBytes) {
            HttpURLConnection owner = connection.get();
            if (owner == null) {
                throw new IOException("rtbe: the connection of this request body is gone");
            }
            passing = UrlConnectionGate.sendOverLimit(owner, this, held.size() + (long) len);
            passing.write(held.toByteArray());
            passing.write(b, off, len);
            return;
        }
        held.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
        if (passing != null) {
            passing.flush();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (passing != null) {
            passing.close();
        }
    }
}
