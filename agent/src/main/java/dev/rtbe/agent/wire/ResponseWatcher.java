package dev.rtbe.agent.wire;

import java.nio.ByteBuffer;

/**
 * Watches the bytes an application reads from one LLM response and reports to a
 * {@link StreamListener}. It only reads what it is shown, synchronously, and keeps no reference
 * to it: the application's data is never changed, delayed or retained. It never throws; any
 * internal failure (or a throwing listener) quietly disables it. One instance per response, fed
 * from one thread at a time. Create instances with {@link ResponseWatchers}.
 */
public final class ResponseWatcher {
    private static final int SCRATCH_BYTES = 8192;

    private final ByteSink sink;
    private final Reporter reporter;
    /** Non-streaming bodies: the first token is when the body's first byte arrives. */
    private final boolean firstByteIsFirstToken;
    /** Streams must end with a final chunk; ending without one is reported as an error. */
    private final boolean requiresFinal;
    private byte[] scratch;
    private boolean stopped;

    ResponseWatcher(ByteSink sink, Reporter reporter, boolean firstByteIsFirstToken, boolean requiresFinal) {
        this.sink = sink;
        this.reporter = reporter;
        this.firstByteIsFirstToken = firstByteIsFirstToken;
        this.requiresFinal = requiresFinal;
        this.stopped = sink == null;
    }

    /** A watcher that reports nothing (for responses it cannot interpret). */
    static ResponseWatcher inactive() {
        return new ResponseWatcher(null, null, false, false);
    }

    /** Observes {@code b[off, off+len)}, the bytes the application just read. */
    public void onBytes(byte[] b, int off, int len) {
        if (stopped || b == null || off < 0 || len <= 0 || off > b.length - len) {
            return;
        }
        try {
            if (firstByteIsFirstToken) {
                reporter.firstToken();
            }
            sink.accept(b, off, len);
            if (reporter.terminal()) {
                stop(); // nothing more to learn: stop spending cycles on this response
            }
        } catch (Throwable t) {
            stop();
        }
    }

    /**
     * Observes {@code src}'s remaining bytes (position to limit) without moving its position or
     * limit. Heap buffers are read in place; direct and read-only ones (the JDK client's) are copied through a small scratch array.
     */
    public void onBytes(ByteBuffer src) {
        if (stopped || src == null || !src.hasRemaining()) {
            return;
        }
        try {
            if (src.hasArray()) {
                onBytes(src.array(), src.arrayOffset() + src.position(), src.remaining());
                return;
            }
            ByteBuffer view = src.duplicate();
            // Sized to what is shown (most bodies are small), up to SCRATCH_BYTES: a fresh 8 KiB
            // array per response was the largest cost of watching a short one.
            int want = Math.min(SCRATCH_BYTES, view.remaining());
            if (scratch == null || scratch.length < want) {
                scratch = new byte[want];
            }
            while (view.hasRemaining() && !stopped) {
                int n = Math.min(scratch.length, view.remaining());
                view.get(scratch, 0, n);
                onBytes(scratch, 0, n);
            }
        } catch (Throwable t) {
            stop();
        }
    }

    /** The response ended (fully read, closed, or aborted). Further calls are ignored. */
    public void onEnd() {
        if (stopped) {
            return;
        }
        try {
            sink.end();
            if (requiresFinal) {
                reporter.failIfIncomplete();
            }
        } catch (Throwable t) {
            // disabled below
        } finally {
            stop();
        }
    }

    /** False once the watcher has reported its outcome, been ended, or disabled itself. */
    public boolean isActive() {
        return !stopped;
    }

    private void stop() {
        stopped = true;
        scratch = null;
        try {
            if (sink != null) {
                sink.release();
            }
        } catch (Throwable ignored) {
            // releasing is best effort
        }
    }
}
